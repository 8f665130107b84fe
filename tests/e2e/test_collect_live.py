"""``wallet collect --grace 0`` while uploads stream in never takes anything an upload still holds."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

SIZE = 6 * 1024 * 1024 + 123  # past one S3 part: a multipart upload is open while it streams
PIECE = 256 * 1024


@pytest.mark.slow
def test_collecting_during_live_uploads_loses_none(make_server: Callable[..., WalletServer]) -> None:
    server = make_server()
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    body = b"%PDF-1.7\n" + os.urandom(SIZE)
    halfway = threading.Event()

    def slowly() -> Iterator[bytes]:
        for start in range(0, len(body), PIECE):
            if start >= len(body) // 2:
                halfway.set()
            yield body[start : start + PIECE]
            time.sleep(0.05)

    answers: list[int] = []
    path = "/v1/me/documents?type=other&filename=live.pdf"
    pdf = {"Content-Type": "application/pdf"}
    uploader = threading.Thread(
        target=lambda: answers.append(
            citizen.request("POST", path, content=slowly(), headers=pdf).status_code
        )
    )
    uploader.start()
    assert halfway.wait(60)
    server.wallet("collect", "--grace", "0")  # mid-upload: temp file / multipart upload in flight
    uploader.join(120)
    server.wallet("collect", "--grace", "0")  # stored, and its record just written
    assert answers == [201]
    items = citizen.request("GET", "/v1/me/documents").json()["items"]
    assert len(items) == 1
    content = citizen.request("GET", f"/v1/me/documents/{items[0]['id']}/content")
    assert content.status_code == 200 and content.content == body
