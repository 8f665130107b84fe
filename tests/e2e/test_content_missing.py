"""Lost or damaged content is reported as data loss, with the document named in the operator log."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import httpx

import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


def _server_log(server: WalletServer) -> str:
    return (server.data_dir.parent / f"server-{server.port}.log").read_text(errors="replace")


def test_missing_content_is_content_missing_and_logged(
    make_server: Callable[..., WalletServer], backend_of: Backend
) -> None:
    server = make_server()
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    kept = citizen.upload(b"%PDF-1.7 kept").json()["id"]
    lost = citizen.upload(b"%PDF-1.7 lost").json()["id"]
    metadata, blobs = backend_of(server)
    with metadata.unit_of_work(readonly=True) as uow:
        blobs.delete(uow.documents.get(citizen.citizen_id, lost).blob_key)

    assert citizen.request("GET", f"/v1/me/documents/{lost}").status_code == 200  # still listed
    for path in (f"/v1/me/documents/{lost}/content", "/v1/me/export"):
        for lang in ("vi", "en"):
            response = citizen.request("GET", path, headers={"Accept-Language": lang})
            assert response.status_code == 500, path
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["content-language"] == lang
            assert response.json()["code"] == "content_missing"
    content = citizen.request("GET", f"/v1/me/documents/{kept}/content")
    assert content.status_code == 200 and content.content == b"%PDF-1.7 kept"
    time.sleep(0.2)  # the log line is flushed by the server process
    log = _server_log(server)
    assert f"content missing: document {lost}" in log
    assert "%PDF-1.7" not in log


def test_integrity_failure_after_start_is_logged_with_id_and_kind(
    make_server: Callable[..., WalletServer], backend_of: Backend
) -> None:
    server = make_server()
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    body = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)  # past the prefetch: streamed as it decrypts
    document_id = citizen.upload(body).json()["id"]
    metadata, blobs = backend_of(server)
    with metadata.unit_of_work(readonly=True) as uow:
        key = uow.documents.get(citizen.citizen_id, document_id).blob_key
    stored = bytearray(b"".join(blobs.open(key)))
    stored[-20] ^= 1  # the last segment no longer authenticates
    blobs.put(key, [bytes(stored)])

    received = b""
    try:
        with citizen.http.stream(
            "GET",
            f"{server.url}/v1/me/documents/{document_id}/content",
            headers=citizen.headers("GET", f"/v1/me/documents/{document_id}/content"),
        ) as response:
            assert response.status_code == 200  # the first segments were sound
            for chunk in response.iter_bytes():
                received += chunk
    except httpx.HTTPError:
        pass  # the connection is cut: the client never sees a complete body
    assert len(received) < len(body)
    time.sleep(0.2)
    log = _server_log(server)
    assert f"integrity failure: document {document_id} (kind: integrity)" in log
    assert f"download of document {document_id} cut after it started: integrity_error" in log
