"""Device pairing by hand over HTTP (in-process app): what the reference phone does, step by step,
so tests can change one step at a time (a wrong nonce, another key, a stale time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from litestar.testing import TestClient

import crypto
from tests.support.inprocess import BASE
from wallet_api.devices import APPROVAL_TYP

Signed = Callable[[str, str], dict[str, str]]  # (method, path) -> Authorization and DPoP headers


@dataclass(frozen=True)
class Started:
    """A pairing a new device started: its key and what the service answered."""

    key: crypto.EcPrivateKey
    pairing_id: str
    code: str
    nonce: str
    jkt: str


def start(
    client: TestClient | httpx.Client,  # type: ignore[type-arg]
    key: crypto.EcPrivateKey,
    now: int,
    name: str = "Máy tính bảng",
    *,
    base: str = BASE,
) -> Started:
    """The new device asks to join (a DPoP proof of its key, no token); ``base``: the URL it reaches."""
    proof = crypto.make_dpop_proof(key, "POST", base + "/v1/devices/pairings", now=now)
    body = {"name": name, "device_jwk": crypto.public_jwk(key)}
    response = client.post("/v1/devices/pairings", json=body, headers={"DPoP": proof})
    assert response.status_code == 201, response.text
    data = response.json()
    return Started(key, data["pairing_id"], data["code"], data["nonce"], data["jkt"])


def status(client: TestClient, started: Started, now: int) -> httpx.Response:  # type: ignore[type-arg]
    """The new device follows its pairing."""
    path = f"/v1/devices/pairings/{started.pairing_id}"
    proof = crypto.make_dpop_proof(started.key, "GET", BASE + path, now=now)
    return client.get(path, headers={"DPoP": proof})


def show(client: TestClient | httpx.Client, signed: Signed, code: str) -> httpx.Response:  # type: ignore[type-arg]
    """A device of the citizen opens the pairing by its code."""
    path = "/v1/me/devices/pairings"
    return client.post(path, json={"code": code}, headers=signed("POST", path))


def log_head(client: TestClient | httpx.Client, signed: Signed) -> dict[str, Any]:  # type: ignore[type-arg]
    """The citizen's current signed head, as the approving device would have verified it."""
    sth = client.get("/v1/me/log/head", headers=signed("GET", "/v1/me/log/head")).json()["tree_head"]
    claims = crypto.json_object(crypto.b64url_decode(sth.split(".")[1]))
    return {"tree_size": claims["tree_size"], "root_hash": claims["root_hash"], "sth": sth}


def approval(
    key: crypto.EcPrivateKey,
    citizen_id: str,
    started: Started,
    now: int,
    head: Mapping[str, Any],
    **changes: Any,
) -> str:
    """The approving device's JWS; ``changes`` replace claims (``None`` drops one)."""
    claims: dict[str, Any] = {
        "sub": citizen_id,
        "code": started.code,
        "nonce": started.nonce,
        "jkt": started.jkt,
        "iat": now,
        "log": dict(head),
    }
    claims.update(changes)
    return crypto.sign_jws(key, {k: v for k, v in claims.items() if v is not None}, typ=APPROVAL_TYP)


def approve(client: TestClient | httpx.Client, signed: Signed, pairing_id: str, token: str) -> httpx.Response:  # type: ignore[type-arg]
    """Send an approval."""
    path = f"/v1/me/devices/pairings/{pairing_id}/approval"
    return client.post(path, json={"approval": token}, headers=signed("POST", path))
