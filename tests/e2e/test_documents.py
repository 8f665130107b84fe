"""Documents over real HTTP: round trips, other people's data, bad uploads, tampered storage."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import zipfile
from collections.abc import Callable

import httpx
import pytest

import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

PDF = b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(5000)
JSON = json.dumps({"họ_tên": "Trần Văn Bình", "điểm": [9, 10]}, ensure_ascii=False).encode()
Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


@pytest.mark.parametrize(
    "body, content_type",
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (JSON, "application/json"),
        (b"%PDF-", "application/pdf"),
    ],
)
def test_round_trip_byte_identical(citizen: RawCitizen, body: bytes, content_type: str) -> None:
    r = citizen.upload(body, content_type, "birth-certificate", "Giấy khai sinh Nguyễn Văn Ân")
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["size"] == len(body) and meta["provenance"] == "uploaded"
    assert meta["filename"] == "Giấy khai sinh Nguyễn Văn Ân"
    got = citizen.request("GET", f"/v1/me/documents/{meta['id']}/content")
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"].startswith(content_type)
    assert citizen.request("GET", f"/v1/me/documents/{meta['id']}").json() == meta


def test_list_filter_and_delete(citizen: RawCitizen) -> None:
    a = citizen.upload(PDF, doc_type="birth-certificate").json()
    b = citizen.upload(PNG, "image/png", "driving-licence").json()
    listed = citizen.request("GET", "/v1/me/documents").json()["items"]
    assert {d["id"] for d in listed} == {a["id"], b["id"]}
    only = citizen.request("GET", "/v1/me/documents?type=driving-licence").json()["items"]
    assert [d["id"] for d in only] == [b["id"]]
    assert only[0]["type_name"] == "Giấy phép lái xe"
    assert citizen.request("DELETE", f"/v1/me/documents/{a['id']}").status_code == 200
    assert citizen.request("GET", f"/v1/me/documents/{a['id']}").status_code == 404
    assert citizen.request("DELETE", f"/v1/me/documents/{a['id']}").status_code == 404
    unknown = citizen.request("GET", "/v1/me/documents?type=spaceship")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_document_type"


def test_other_citizens_document_is_not_found(server: WalletServer, citizen: RawCitizen) -> None:
    mine = citizen.upload(PDF).json()["id"]
    thief = RawCitizen(server.url)
    assert thief.enrol().status_code == 201 and thief.login().status_code == 200
    missing = thief.request("GET", "/v1/me/documents/00000000-0000-4000-8000-000000000000")
    for path in (f"/v1/me/documents/{mine}", f"/v1/me/documents/{mine}/content"):
        r = thief.request("GET", path)
        assert r.status_code == 404
        assert r.json() == missing.json()
    assert thief.request("DELETE", f"/v1/me/documents/{mine}").status_code == 404
    assert thief.request("GET", "/v1/me/documents").json()["items"] == []
    assert citizen.request("GET", f"/v1/me/documents/{mine}/content").content == PDF


def _count(backend: Backend, server: WalletServer, citizen: RawCitizen) -> tuple[int, int]:
    metadata, blobs = backend(server)
    with metadata.unit_of_work() as uow:
        rows = len(uow.documents.list(citizen.citizen_id))
    return rows, len(list(blobs.list(f"c/{citizen.citizen_id}/")))


@pytest.mark.parametrize("content_type", ["text/html", "application/x-msdownload", "", "image/svg+xml"])
def test_content_type_outside_allow_list(
    citizen: RawCitizen, server: WalletServer, backend_of: Backend, content_type: str
) -> None:
    r = citizen.upload(PDF, content_type)
    assert r.status_code == 415 and r.json()["code"] == "unsupported_media_type"
    assert _count(backend_of, server, citizen) == (0, 0)


def test_content_not_matching_its_type(
    citizen: RawCitizen, server: WalletServer, backend_of: Backend
) -> None:
    r = citizen.upload(b"<html>not a pdf</html>", "application/pdf")
    assert r.status_code == 415 and r.json()["code"] == "content_mismatch"
    assert _count(backend_of, server, citizen) == (0, 0)


def _raw_post(server: WalletServer, citizen: RawCitizen, path: str, headers: str, body: bytes = b"") -> bytes:
    """Send a request by hand and return the status line (the server may answer before the body ends)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nAuthorization: DPoP {citizen.token}\r\n"
        f"DPoP: {citizen.proof('POST', path)}\r\n{headers}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head + body)
        return sock.recv(65536).split(b"\r\n", 1)[0]


def test_upload_over_the_limit(make_server: Callable[..., WalletServer], backend_of: Backend) -> None:
    server = make_server(env={"WALLET_MAX_UPLOAD_BYTES": "200000"})
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    announced = _raw_post(
        server,
        person,
        "/v1/me/documents?type=other",
        "Content-Type: application/pdf\r\nContent-Length: 10000000\r\n",
    )
    assert b" 413 " in announced  # refused before a byte of the body is read

    def chunked() -> object:  # no Content-Length: the limit holds while streaming
        for i in range(0, len(PDF), 65536):
            yield PDF[i : i + 65536]

    try:
        r = person.request(
            "POST",
            "/v1/me/documents?type=other",
            content=chunked(),
            headers={"Content-Type": "application/pdf"},
        )
        assert r.status_code == 413 and r.json()["code"] == "payload_too_large"
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        pass  # the server answered 413 and closed while the client was still sending
    assert _count(backend_of, server, person) == (0, 0)
    assert person.upload(PDF[:150_000]).status_code == 201


def test_body_cut_off_before_its_end(server: WalletServer, citizen: RawCitizen, backend_of: Backend) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    path = "/v1/me/documents?type=other"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/pdf\r\n"
        f"Content-Length: 1000000\r\nAuthorization: DPoP {citizen.token}\r\n"
        f"DPoP: {citizen.proof('POST', path)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head + PDF[:200_000])
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        with contextlib.suppress(OSError):
            sock.recv(4096)
    assert citizen.request("GET", "/v1/me/documents").json()["items"] == []
    assert _count(backend_of, server, citizen) == (0, 0)


def _stored(
    backend: Backend, server: WalletServer, citizen: RawCitizen, document_id: str
) -> storage.DocumentRecord:
    metadata, _ = backend(server)
    with metadata.unit_of_work() as uow:
        return uow.documents.get(citizen.citizen_id, document_id)


def _assert_integrity_failure(citizen: RawCitizen, document_id: str) -> None:
    try:
        r = citizen.request("GET", f"/v1/me/documents/{document_id}/content")
    except httpx.HTTPError:
        return  # the stream was cut before its announced length: never garbage
    assert r.status_code == 500, r.status_code
    assert r.json()["code"] == "integrity_error"


@pytest.mark.parametrize("size, position", [(5_000, 100), (300_000, 40), (3_000_000, 2_500_000)])
def test_flipped_byte_in_stored_blob(
    citizen: RawCitizen, server: WalletServer, backend_of: Backend, size: int, position: int
) -> None:
    body = b"%PDF-" + os.urandom(size)
    document_id = citizen.upload(body).json()["id"]
    record = _stored(backend_of, server, citizen, document_id)
    _, blobs = backend_of(server)
    data = bytearray(b"".join(blobs.open(record.blob_key)))
    data[position] ^= 0x01
    blobs.put(record.blob_key, [bytes(data)])
    _assert_integrity_failure(citizen, document_id)


def test_blob_copied_onto_another_documents_key(
    citizen: RawCitizen, server: WalletServer, backend_of: Backend
) -> None:
    first = citizen.upload(PDF).json()["id"]
    second = citizen.upload(b"%PDF-" + os.urandom(1000)).json()["id"]
    _, blobs = backend_of(server)
    a, b = (_stored(backend_of, server, citizen, d) for d in (first, second))
    blobs.put(b.blob_key, list(blobs.open(a.blob_key)))
    _assert_integrity_failure(citizen, second)
    other = RawCitizen(server.url)
    assert other.enrol().status_code == 201 and other.login().status_code == 200
    theirs = _stored(backend_of, server, other, other.upload(PDF).json()["id"])
    blobs.put(theirs.blob_key, list(blobs.open(a.blob_key)))  # moved to another owner
    _assert_integrity_failure(other, theirs.id)


def test_export_holds_everything(citizen: RawCitizen) -> None:
    a = citizen.upload(PDF, filename="Bằng tốt nghiệp.pdf", doc_type="university-diploma").json()
    b = citizen.upload(JSON, "application/json", filename="điểm.json").json()
    r = citizen.request("GET", "/v1/me/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/zip")
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["citizen"]["cccd"] == citizen.cccd
    assert manifest["citizen"]["full_name"] == "Nguyễn Thị Minh Khai"
    paths = {d["id"]: d["path"] for d in manifest["documents"]}
    assert archive.read(paths[a["id"]]) == PDF
    assert archive.read(paths[b["id"]]) == JSON
