"""The online verifier reads only the claimed issuer and its own status list, and decides the same.

``POST /v1/verify`` used to build the whole trust store for every scan: every agency and every
agency's status list, read from the database (at national size: thousands of rows and megabytes
per scan). ``TrustService.store_for`` reads only the agency the credential's issuer-signed JWT
names, with its own list, which is all ``qr.decision`` consults. This checks, on both backends,
that the verdict is the same as with the whole store for credentials of every kind: good,
revoked, another agency's list, a dissolved agency's key, an unregistered or non-issuer ``iss``,
a forged signature, and arbitrary or mangled text (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crypto
from qr.decision import Verdict, decide_credential
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, office
from wallet_api.settings import Settings

BIRTH_VCT = "urn:vn:wallet:vct:birth-certificate:1"
CLAIMS = {"full_name": "Nguyễn Thị Minh Khai", "date_of_birth": "1990-05-01", "registration_number": "42"}


@pytest.fixture(params=BACKENDS)
def app_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@dataclass
class Parties:
    world: Office
    issuer: Actor
    other: Actor
    requester: Actor
    dissolved: Actor
    holder: crypto.EcPrivateKey


@pytest.fixture
def parties(app_settings: Settings) -> Iterator[Parties]:
    with office(app_settings) as world:
        issuer = world.agency(["issuer"], "Sở Tư pháp Đà Nẵng")
        other = world.agency(["issuer"], "Sở Tư pháp Quảng Nam")
        requester = world.agency(["requester"], "UBND phường Hải Châu")
        dissolved = world.agency(["issuer"], "Sở Tư pháp (trước sáp nhập)")
        yield Parties(world, issuer, other, requester, dissolved, crypto.generate_private_key())


def _status(agency: Actor) -> dict[str, Any]:
    return {"status_list": agency.ok("POST", "/v1/agency/status-allocations", 201)["status_list"]}


def _signed(key: crypto.EcPrivateKey, iss: str, holder: crypto.EcPrivateKey, **extra: Any) -> str:
    return crypto.issue_sd_jwt_vc(
        key,
        kid="k1",
        iss=iss,
        vct=BIRTH_VCT,
        claims=CLAIMS,
        holder_jwk=crypto.public_jwk(holder),
        now=extra.pop("now", int(time.time())),
        lifetime=86400,
        **extra,
    ).sd_jwt


def _outcome(verdict: Verdict) -> tuple[object, ...]:
    return (
        verdict.valid,
        tuple(verdict.reasons),
        verdict.issuer,
        verdict.doc_type,
        json.dumps(verdict.claims),
    )


def _same(parties: Parties, text: str) -> Verdict:
    trust = parties.world.app.state.services.trust
    now = parties.world.clock.now
    whole = decide_credential(trust.store(), text, now=now)
    narrowed = decide_credential(trust.store_for(text), text, now=now)
    assert _outcome(narrowed) == _outcome(whole), text[:200]
    shown = {"nonce": "n-1", "audience": "https://quay.example.vn"}  # checked as a presentation too
    as_presented = decide_credential(trust.store_for(text), text, now=now, **shown)
    assert _outcome(as_presented) == _outcome(decide_credential(trust.store(), text, now=now, **shown))
    return narrowed


def test_every_kind_of_credential_gets_the_verdict_of_the_whole_store(parties: Parties) -> None:
    p = parties
    now = p.world.clock.now

    def signed(by: Actor | None, iss: str, status_of: Actor, **extra: Any) -> str:
        key = by.key if by is not None else crypto.generate_private_key()
        return _signed(key, iss, p.holder, status=_status(status_of), now=extra.pop("now", now), **extra)

    good = signed(p.issuer, p.issuer.client_id, p.issuer)
    revoked_status = _status(p.issuer)
    revoked = _signed(p.issuer.key, p.issuer.client_id, p.holder, status=revoked_status, now=now)
    foreign_list = signed(p.issuer, p.issuer.client_id, p.other)
    by_requester = signed(p.requester, p.requester.client_id, p.issuer)
    nobody = signed(None, "so-khong-ton-tai", p.issuer)
    forged = signed(None, p.issuer.client_id, p.issuer)
    spare = _status(p.dissolved)
    services = p.world.app.state.services
    services.agencies.succeed(
        p.dissolved.client_id, p.other.client_id, dt.datetime.fromtimestamp(now - 60, tz=dt.UTC)
    )
    backdated = _signed(p.dissolved.key, p.dissolved.client_id, p.holder, status=spare, now=now - 3600)
    with services.ctx.metadata.unit_of_work() as uow:  # the status change an issuer would make
        list_ref = revoked_status["status_list"]
        uow.status_lists.set_status(
            list_ref["uri"].rsplit("/", 1)[-1], list_ref["idx"], 1, services.ctx.utcnow()
        )
        uow.commit()

    assert _same(p, good).valid
    assert "revoked" in _same(p, revoked).reasons
    assert "bad_status" in _same(p, foreign_list).reasons
    assert "unknown_issuer" in _same(p, by_requester).reasons
    assert "unknown_issuer" in _same(p, nobody).reasons
    assert not _same(p, forged).valid
    assert "status_invalid" in _same(p, backdated).reasons  # its own list is frozen
    for text in ("", "~", "~~", "a.b.c", "x~~" + good, good + "~garbage", good.replace(".", "", 1)):
        _same(p, text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(min_value=0, max_value=2000),
    noise=st.text(max_size=40),
    iss=st.sampled_from(["issuer", "other", "requester", "unknown", ""]),
)
def test_mangled_credentials_get_the_verdict_of_the_whole_store(
    parties: Parties, cut: int, noise: str, iss: str
) -> None:
    p = parties
    agency = {"issuer": p.issuer, "other": p.other, "requester": p.requester}.get(iss)
    claimed = agency.client_id if agency is not None else (iss or str(uuid.uuid4()))
    key = agency.key if agency is not None else crypto.generate_private_key()
    text = _signed(key, claimed, p.holder, status=_status(p.issuer), now=p.world.clock.now)
    _same(p, text)
    _same(p, text[:cut] + noise + text[cut:])
    _same(p, noise)
