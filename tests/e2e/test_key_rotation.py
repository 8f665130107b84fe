"""Rotating the service signing key with overlap: announced before it signs, two workers follow
it without a restart, and a counter that synced before the rotation keeps working after it."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from qr import render_png
from tests.support.cli import run_module
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

ANNOUNCE, OVERLAP = 8, 12  # seconds, for the test; the defaults are 25 h and 7 days


def _header_kid(token: str) -> str:
    head = token.split(".", 1)[0]
    return str(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["kid"])


def _kids_seen(server: WalletServer, tries: int = 12) -> list[set[str]]:
    """The JWKS as each of several requests saw it (two workers answer in turn)."""
    return [  # a new connection per request: either worker may answer
        {k["kid"] for k in httpx.get(server.url + "/.well-known/jwks.json").json()["keys"]}
        for _ in range(tries)
    ]


def _identity_png(citizen: RawCitizen, tmp_path: Path, name: str) -> tuple[Path, bytes]:
    r = citizen.request("POST", "/v1/me/identity-qr", json={"count": 1})
    assert r.status_code == 200, r.text
    payload = base64.b64decode(r.json()["tokens"][0]["payload"])
    png = tmp_path / f"{name}.png"
    render_png(payload, png)
    return png, payload


def _scan(cache: Path, png: Path) -> str:
    result = run_module("qr.cli", "--cache", str(cache), "--lang", "en", "scan", str(png))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _sync(cache: Path, server: WalletServer) -> None:
    result = run_module("qr.cli", "--cache", str(cache), "sync", "--server", server.url)
    assert result.returncode == 0, result.stdout + result.stderr


def _wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def test_rotation_with_overlap(make_server: Callable[..., WalletServer], tmp_path: Path) -> None:
    env = {
        "WALLET_KEY_ANNOUNCE_SECONDS": str(ANNOUNCE),
        "WALLET_KEY_OVERLAP_SECONDS": str(OVERLAP),
        "WALLET_KEY_REFRESH_SECONDS": "1",
    }
    server = make_server(env=env, workers=2)
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    (old,) = _kids_seen(server, 1)[0]
    early, late = tmp_path / "synced-before", tmp_path / "synced-during"
    _sync(early, server)
    old_png, _ = _identity_png(citizen, tmp_path, "before")

    rotated = server.wallet("keys", "rotate-signing").stdout
    started = time.time()
    new = rotated.split("New signing key: ", 1)[1].split()[0]
    assert "no restart needed" in rotated and old in rotated
    time.sleep(2.5)  # both workers re-read the keys within WALLET_KEY_REFRESH_SECONDS
    assert all(seen == {old, new} for seen in _kids_seen(server)), "a worker did not publish the new key"

    # Announced, not yet signing: everything is still signed by the old key.
    assert _header_kid(httpx.get(server.url + "/v1/trust-list").text) == old
    _, payload = _identity_png(citizen, tmp_path, "announced")
    _sync(early, server)  # the counter that synced before the rotation: just works, learns the new key
    _sync(late, server)

    _wait_until(started + ANNOUNCE + 2)  # the new key signs; the old one still signs trust lists
    assert _header_kid(httpx.get(server.url + "/v1/trust-list").text) == old
    new_png, new_payload = _identity_png(citizen, tmp_path, "after")
    assert new_payload[3:11] != payload[3:11]  # another key id: signed by the new key
    for cache in (early, late):
        assert "Valid" in _scan(cache, new_png) and "Valid" in _scan(cache, old_png)

    _wait_until(started + ANNOUNCE + OVERLAP + 2)  # the old key retired: verify-only, still published
    assert _header_kid(httpx.get(server.url + "/v1/trust-list").text) == new
    _sync(early, server)  # pinned the new key at its last sync: follows on
    assert "Valid" in _scan(early, new_png)
    assert all(old in seen for seen in _kids_seen(server, 4))


def test_an_emergency_rotation_signs_at_once(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    server = make_server(env={"WALLET_KEY_REFRESH_SECONDS": "1"})
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    _, before = _identity_png(citizen, tmp_path, "before")
    rotated = server.wallet("keys", "rotate-signing", "--now").stdout
    assert "New signing key" in rotated
    time.sleep(2.5)
    _, after = _identity_png(citizen, tmp_path, "after")
    assert after[3:11] != before[3:11]
