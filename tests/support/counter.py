"""A counter's online check as the /verify page makes it: a nonce from the service, then the scan."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import httpx

import qr
from tests.support.server import WalletServer


def counter_nonce(server: WalletServer) -> dict[str, Any]:
    """``POST /v1/verify/nonces``: the nonce to read to the citizen, its ticket and the audience."""
    r = httpx.post(server.url + "/v1/verify/nonces", timeout=30)
    assert r.status_code == 201, r.text
    issued: dict[str, Any] = r.json()
    return issued


def scan(server: WalletServer, payload: bytes, ticket: str | None) -> dict[str, Any]:
    """``POST /v1/verify`` of a scanned payload with the counter's ticket; the verdict."""
    body = {"payload": base64.b64encode(payload).decode(), "ticket": ticket}
    r = httpx.post(server.url + "/v1/verify", json=body, timeout=30)
    assert r.status_code == 200, r.text
    verdict: dict[str, Any] = r.json()
    return verdict


def check_presentation(server: WalletServer, present: Callable[[str, str], str]) -> dict[str, Any]:
    """A fresh counter nonce, the presentation ``present(nonce, audience)`` makes for it, its verdict."""
    issued = counter_nonce(server)
    text = present(issued["nonce"], issued["audience"])
    return scan(server, qr.encode_presentation(text), issued["ticket"])
