"""Citizens and agencies of the in-process app on a clock the test moves: what the mandate tests
need to grant, act under and end mandates by hand, one request at a time."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient

import crypto
from tests.support.inprocess import BASE, Clock
from tests.support.raw import ASSERTION_TYPE, valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.mandates import REQUEST_TYP
from wallet_api.settings import Settings

T0 = 1_800_000_000  # 2027-01-15
MANDATE = "Wallet-Mandate"


@dataclass
class Actor:
    """A citizen's device or an agency's system on the test's clock; signs every request."""

    client: TestClient  # type: ignore[type-arg]
    clock: Clock
    client_id: str
    key: crypto.EcPrivateKey
    kid: str | None = None
    cccd: str = ""
    token: str = ""
    token_at: float = 0.0

    @property
    def now(self) -> int:
        return int(self.clock.now)

    def login(self) -> None:
        url = BASE + "/v1/token"
        assertion = crypto.make_client_assertion(self.key, self.client_id, url, now=self.now, kid=self.kid)
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        proof = crypto.make_dpop_proof(self.key, "POST", url, now=self.now)
        response = self.client.post("/v1/token", data=form, headers={"DPoP": proof})
        assert response.status_code == 200, response.text
        self.token, self.token_at = response.json()["access_token"], self.clock.now

    def call(self, method: str, path: str, *, under: str | None = None, **kwargs: Any) -> httpx.Response:
        """Send signed; ``under``: the mandate id to act under (the ``Wallet-Mandate`` header)."""
        if not self.token or self.clock.now - self.token_at > 200:  # tokens live 300 s
            self.login()
        url = BASE + path.split("?", 1)[0]
        proof = crypto.make_dpop_proof(self.key, method, url, now=self.now, access_token=self.token)
        headers = {"Authorization": f"DPoP {self.token}", "DPoP": proof, **kwargs.pop("headers", {})}
        if under is not None:
            headers[MANDATE] = under
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def upload(self, doc_type: str) -> str:
        """A PDF of ``doc_type`` uploaded by the citizen; its id."""
        body = b"%PDF-1.7\n" + os.urandom(2000) + b"\n%%EOF\n"
        path = f"/v1/me/documents?type={doc_type}"
        return str(
            self.ok("POST", path, 201, content=body, headers={"Content-Type": "application/pdf"})["id"]
        )

    def log(self) -> list[dict[str, Any]]:
        """Every entry of the citizen's access log (parsed data and its words)."""
        body = self.ok("GET", "/v1/me/log", params={"limit": 500})
        return [{**e, "entry": _json(e["data"])} for e in body["entries"]]


def _json(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value


@dataclass
class Office:
    """The in-process app on a pinned clock."""

    app: Litestar
    client: TestClient  # type: ignore[type-arg]
    clock: Clock

    def citizen(self, birth_year: int = 1980, name: str = "Trần Thị Bình") -> Actor:
        key = crypto.generate_private_key()
        cccd, dob = valid_cccd(birth_year=birth_year)
        body = {"cccd": cccd, "full_name": name, "date_of_birth": dob, "device_jwk": crypto.public_jwk(key)}
        response = self.client.post("/v1/citizens", json=body)
        assert response.status_code == 201, response.text
        actor = Actor(self.client, self.clock, response.json()["citizen_id"], key, cccd=cccd)
        actor.login()
        return actor

    def agency(self, roles: list[str], name: str = "Công an tỉnh Quảng Nam") -> Actor:
        key = crypto.generate_private_key()
        since = dt.datetime.fromtimestamp(self.clock.now - 86400, tz=dt.UTC)
        agency_id = f"agency-{uuid.uuid4().hex[:8]}"
        self.app.state.services.agencies.register(
            agency_id,
            name,
            roles,
            ["birth-certificate", "marriage-certificate"],
            {"keys": [{**crypto.public_jwk(key), "kid": "k1"}]},
            since,
            since + dt.timedelta(days=3650),
        )
        actor = Actor(self.client, self.clock, agency_id, key, kid="k1")
        actor.login()
        return actor


@contextmanager
def office(settings: Settings) -> Iterator[Office]:
    """Initialise ``settings`` and run the app in-process on a clock pinned at ``T0``."""
    clock = Clock(T0)
    initialise(settings)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        yield Office(app, client, clock)


def grant_body(
    delegate: Actor,
    until: int,
    *,
    documents: tuple[str, ...] = (),
    procedures: tuple[str, ...] = (),
    **more: Any,
) -> dict[str, Any]:
    """A grant request for ``delegate``, valid until ``until`` (Unix seconds)."""
    scope: dict[str, Any] = {"documents": list(documents), "procedures": list(procedures)}
    scope.update(more.pop("scope", {}))
    return {
        "delegate_cccd": delegate.cccd,
        "scope": scope,
        "valid_until": dt.datetime.fromtimestamp(until, tz=dt.UTC).isoformat(),
        **more,
    }


def guardian_request(
    agency: Actor,
    child: Actor,
    guardian: Actor,
    *,
    basis: str = "minor",
    documents: tuple[str, ...] = ("birth-certificate",),
    until: int | None = None,
    key: crypto.EcPrivateKey | None = None,
    jti: str | None = None,
) -> str:
    """The identity provider's signed request for a guardian's mandate."""
    claims: Mapping[str, Any] = {
        "represented_cccd": child.cccd,
        "guardian_cccd": guardian.cccd,
        "basis": basis,
        "decision": "Quyết định 12/2027/QĐ-TA",
        "scope": {"documents": list(documents), "procedures": [], "credentials": []},
        "valid_until": until or agency.now + 20 * 365 * 86400,
        "iat": agency.now,
        "jti": jti or str(uuid.uuid4()),
    }
    return crypto.sign_jws(key or agency.key, dict(claims), typ=REQUEST_TYP, kid="k1")


def mandate_decision(
    key: crypto.EcPrivateKey,
    consent_id: str,
    now: int,
    items: list[dict[str, Any]],
    act: Mapping[str, str] | None,
) -> str:
    """A consent decision as a delegate's phone signs it (``act`` names the delegate and mandate)."""
    claims: dict[str, Any] = {
        "consent_id": consent_id,
        "decision": "approve",
        "items": items,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    if act is not None:
        claims["act"] = dict(act)
    return crypto.sign_jws(key, claims, typ="consent-decision+jwt")
