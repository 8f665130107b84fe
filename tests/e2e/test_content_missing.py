"""A document whose stored content vanished is reported as data loss, never as a bad id."""

from __future__ import annotations

import time
from collections.abc import Callable

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
