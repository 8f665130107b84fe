"""A server SIGKILLed in the middle of an upload leaves the document absent or whole, never half."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable

import pytest

import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]
SIZE = 6 * 1024 * 1024


def _slow_upload(server: WalletServer, citizen: RawCitizen, body: bytes, sent: list[int]) -> None:
    path = "/v1/me/documents?type=other&filename=scan.pdf"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/pdf\r\n"
        f"Content-Length: {len(body)}\r\nAuthorization: DPoP {citizen.token}\r\n"
        f"DPoP: {citizen.proof('POST', path)}\r\nConnection: close\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head)
            for i in range(0, len(body), 256 * 1024):
                sock.sendall(body[i : i + 256 * 1024])
                sent[0] = i + 256 * 1024
                time.sleep(0.01)
            sock.recv(65536)
    except OSError:
        pass


# Uploads may run 1 s and a storage call 1 s: the collector's floor is 2 s.
QUICK_COLLECT = {
    "WALLET_MAX_UPLOAD_SECONDS": "1",
    "WALLET_DEADLINE_SECONDS": "1",
    "WALLET_CONNECT_TIMEOUT_SECONDS": "1",
    "WALLET_READ_TIMEOUT_SECONDS": "1",
}
COLLECT_FLOOR = 2.2


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.15, 0.4, 0.75, 1.0])
def test_sigkill_mid_upload_leaves_all_or_nothing(
    make_server: Callable[..., WalletServer], backend_of: Backend, kill_after: float
) -> None:
    server = make_server(env=QUICK_COLLECT)
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    body = b"%PDF-1.7\n" + os.urandom(SIZE)
    sent = [0]
    uploader = threading.Thread(target=_slow_upload, args=(server, citizen, body, sent))
    uploader.start()
    deadline = time.monotonic() + 60
    while sent[0] < kill_after * len(body) and uploader.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    uploader.join(timeout=30)

    server.start()
    assert citizen.login().status_code == 200
    documents = citizen.request("GET", "/v1/me/documents").json()["items"]
    for meta in documents:  # present means whole
        content = citizen.request("GET", f"/v1/me/documents/{meta['id']}/content").content
        assert hashlib.sha256(content).digest() == hashlib.sha256(body).digest()
    time.sleep(COLLECT_FLOOR)  # the collector never touches what an upload might still hold
    collected = server.wallet("collect", "--grace", "0")
    assert "Removed" in collected.stdout
    metadata, blobs = backend_of(server)
    with metadata.unit_of_work() as uow:
        referenced = uow.documents.all_blob_keys()
    assert {info.key for info in blobs.list("")} == referenced
    if not server.env.get("WALLET_BLOB_URL"):
        assert not list((server.data_dir / "blobs").rglob(".part-*"))
