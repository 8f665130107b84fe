"""Consent test helpers: an issuer and a requester registered with the real CLI, decisions signed by hand."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency, register
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError
from wallet_api.clients.agency_consents import ConsentingAgencyClient

BIRTH_VCT = "urn:vn:wallet:vct:birth-certificate:1"
ID_VCT = "urn:vn:wallet:vct:citizen-id:1"
DECISION_TYP = "consent-decision+jwt"
JUSTICE = "Sở Tư pháp thành phố Đà Nẵng"
WARD = "Ủy ban nhân dân phường Hải Châu"


@dataclass
class Agencies:
    """An issuing agency and a requesting agency on one server."""

    issuer: TestAgency
    requester: TestAgency

    def asking(self) -> ConsentingAgencyClient:
        """A fresh requester client (its own token)."""
        return consenting(self.requester)


def consenting(agency: TestAgency) -> ConsentingAgencyClient:
    """The consent SDK for ``agency``."""
    return ConsentingAgencyClient(
        agency.server.url, agency.agency_id, agency.key, kid=agency.kid, accept_language="en"
    )


def agencies(server: WalletServer, tmp: Path) -> Agencies:
    """Register a justice department (issuer of birth certificates and ID cards) and a ward (requester)."""
    issuer = register(server, tmp, name=JUSTICE, roles="issuer", types="birth-certificate,citizen-id")
    requester = register(server, tmp, name=WARD, roles="requester", types="")
    return Agencies(issuer, requester)


def issue_birth_certificate(issuer: TestAgency, citizen: RawCitizen) -> str:
    """A birth-certificate SD-JWT VC issued into the citizen's wallet; its credential id."""
    client = issuer.client()
    sd_jwt = client.sign_credential(citizen.cccd, BIRTH_VCT, BIRTH_CLAIMS)
    return str(client.issue_credential(citizen.cccd, sd_jwt)["credential_id"])


def decision(
    key: crypto.EcPrivateKey,
    consent_id: str,
    verdict: str = "approve",
    items: Sequence[Mapping[str, Any]] = (),
    *,
    iat: int | None = None,
    jti: str | None = None,
) -> str:
    """A decision JWS as the phone signs it."""
    claims = {
        "consent_id": consent_id,
        "decision": verdict,
        "items": [dict(i) for i in items],
        "iat": int(time.time()) if iat is None else iat,
        "jti": jti or str(uuid.uuid4()),
    }
    return crypto.sign_jws(key, claims, typ=DECISION_TYP)


def decide(citizen: RawCitizen, consent_id: str, token: str) -> httpx.Response:
    """Send a decision for ``consent_id``."""
    return citizen.request("POST", f"/v1/me/consents/{consent_id}/decision", json={"decision": token})


def ask(
    requester: ConsentingAgencyClient,
    citizen: RawCitizen,
    items: Sequence[Mapping[str, Any]] | None = None,
    **terms: Any,
) -> dict[str, Any]:
    """A consent request for procedure 1.001193 (birth registration) unless told otherwise."""
    defaults: dict[str, Any] = {
        "purpose": "Đăng ký khai sinh cho con thứ hai",
        "procedure_code": "1.001193",
        "case_number": f"HS-{uuid.uuid4().hex[:8]}",
        "valid_for_seconds": 3600,
        "max_uses": 3,
        "retention_days": 30,
    }
    return requester.request_consent(citizen.cccd, items=items, **{**defaults, **terms})


def approve_credential(
    citizen: RawCitizen,
    consent_id: str,
    credential_id: str,
    claims: Sequence[str] | None = None,
    item: int = 0,
) -> httpx.Response:
    """Approve requested item ``item`` with one credential (and, if given, only ``claims``)."""
    entry: dict[str, Any] = {"item": item, "kind": "credential", "id": credential_id}
    if claims is not None:
        entry["claims"] = list(claims)
    return decide(citizen, consent_id, decision(citizen.key, consent_id, "approve", [entry]))


def refused(call: Any) -> AgencyApiError:
    """The problem an agency call was refused with."""
    try:
        call()
    except AgencyApiError as exc:
        return exc
    raise AssertionError("the call was not refused")


def log_entries(citizen: RawCitizen) -> list[dict[str, Any]]:
    """The citizen's access-log entries (the server's page, parsed)."""
    import json

    r = citizen.request("GET", "/v1/me/log?limit=1000")
    assert r.status_code == 200, r.text
    return [json.loads(e["data"]) for e in r.json()["entries"]]


def reads(citizen: RawCitizen) -> list[dict[str, Any]]:
    """The entries that record an agency reading the citizen's data."""
    return [e for e in log_entries(citizen) if e["action"] == "read"]


def race(calls: list[Callable[[], object]]) -> list[str]:
    """Run ``calls`` at once (threads released together); each outcome is ``ok`` or the problem code."""
    start = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def run(n: int) -> None:
        start.wait()
        try:
            calls[n]()
            outcomes[n] = "ok"
        except AgencyApiError as exc:
            outcomes[n] = exc.code

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
