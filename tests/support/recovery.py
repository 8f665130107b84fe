"""Wallet recovery by hand over HTTP (in-process app): nonces, idp assertions, starting and following
a recovery, so tests can change one step at a time (another CCCD, a stale nonce, another key)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar.testing import TestClient

import crypto
from tests.support.inprocess import BASE
from tests.support.raw import RawCitizen
from wallet_api.recovery import ASSERTION_TYP


@dataclass
class Idp:
    """An identity-provider agency registered in-process, with its own key."""

    agency_id: str
    key: crypto.EcPrivateKey = field(default_factory=crypto.generate_private_key)

    @classmethod
    def registered(
        cls,
        client: TestClient,
        agency_id: str,
        roles: tuple[str, ...] = ("idp",),
        now: float = 0,  # type: ignore[type-arg]
    ) -> Idp:
        idp = cls(agency_id)
        since = dt.datetime.fromtimestamp(now - 86400, tz=dt.UTC)
        client.app.state.services.agencies.register(
            agency_id, f"Trung tâm định danh {agency_id}", list(roles), [],
            {"keys": [{**crypto.public_jwk(idp.key), "kid": "k1"}]}, since, since + dt.timedelta(days=3650),
        )  # fmt: skip
        return idp

    def assertion(self, cccd: str, nonce: str, device: crypto.EcPrivateKey, now: int, **changes: Any) -> str:
        """The signed recovery assertion; ``changes`` replace claims (``None`` drops one)."""
        claims: dict[str, Any] = {
            "iss": self.agency_id,
            "sub": cccd,
            "nonce": nonce,
            "cnf": {"jwk": crypto.public_jwk(device)},
            "acr": "high",
            "iat": now,
        }
        claims.update(changes)
        payload = {k: v for k, v in claims.items() if v is not None}
        return crypto.sign_jws(self.key, payload, typ=ASSERTION_TYP, kid="k1")


def nonce(client: TestClient, cccd: str) -> str:  # type: ignore[type-arg]
    """A recovery nonce for ``cccd``."""
    response = client.post("/v1/recovery/nonces", json={"cccd": cccd})
    assert response.status_code == 201, response.text
    value: str = response.json()["nonce"]
    return value


def start(
    client: TestClient,  # type: ignore[type-arg]
    device: crypto.EcPrivateKey,
    now: int,
    proof: Mapping[str, Any],
    name: str = "Điện thoại thay thế",
) -> httpx.Response:
    """The new device starts a recovery (``proof``: nonce and assertion, or nonce and code)."""
    dpop = crypto.make_dpop_proof(device, "POST", BASE + "/v1/recovery", now=now)
    body = {"name": name, "device_jwk": crypto.public_jwk(device), **proof}
    return client.post("/v1/recovery", json=body, headers={"DPoP": dpop})


def status(client: TestClient, device: crypto.EcPrivateKey, recovery_id: str, now: int) -> httpx.Response:  # type: ignore[type-arg]
    """The new device follows its recovery."""
    path = f"/v1/recovery/{recovery_id}"
    return client.get(path, headers={"DPoP": crypto.make_dpop_proof(device, "GET", BASE + path, now=now)})


def recover_by_code(base_url: str, citizen: RawCitizen, code: str) -> RawCitizen:
    """Over HTTP to a real server (a short ``WALLET_RECOVERY_COOLING_OFF_SECONDS``): the citizen recovers
    onto a new device with the recovery code and waits out the cooling-off; the new device, logged in."""
    http = httpx.Client(timeout=60)
    nonce = http.post(base_url + "/v1/recovery/nonces", json={"cccd": citizen.cccd})
    assert nonce.status_code == 201, nonce.text
    new = RawCitizen(base_url, citizen_id=citizen.citizen_id, cccd=citizen.cccd)
    url = base_url + "/v1/recovery"
    body = {"name": "Điện thoại mới", "device_jwk": crypto.public_jwk(new.key)}
    body |= {"nonce": nonce.json()["nonce"], "code": code}
    dpop = crypto.make_dpop_proof(new.key, "POST", url, now=int(time.time()))
    started = http.post(url, json=body, headers={"DPoP": dpop})
    assert started.status_code == 201, started.text
    path = f"/v1/recovery/{started.json()['recovery_id']}"
    for _ in range(40):  # the cooling-off is a second; poll, bounded
        proof = crypto.make_dpop_proof(new.key, "GET", base_url + path, now=int(time.time()))
        if http.get(base_url + path, headers={"DPoP": proof}).json()["status"] == "completed":
            break
        time.sleep(0.25)
    assert new.login().status_code == 200
    return new
