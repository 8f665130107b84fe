"""Consent expiry with a pinned clock: the app in-process over ASGI, the agency SDK on the same clock.

Time moves by hand, so "one second before the end" and "at the end" are exact.
Both backends: the embedded default and PostgreSQL + S3.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from litestar.testing import transport as asgi

import crypto
from tests.support.agencies import BIRTH_CLAIMS
from tests.support.consents import BIRTH_VCT, decision, refused
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.raw import ASSERTION_TYPE, valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.clients.agency_consents import ConsentingAgencyClient
from wallet_api.services import Services
from wallet_api.settings import Settings

T0 = 1_800_000_000


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


class Citizen:
    """A citizen driving the in-process app by hand, on the test's clock."""

    def __init__(self, client: TestClient, clock: Clock) -> None:  # type: ignore[type-arg]
        self.client, self.clock = client, clock
        self.key = crypto.generate_private_key()
        self.cccd, dob = valid_cccd()
        body = {
            "cccd": self.cccd,
            "full_name": "Lê Văn Tám",
            "date_of_birth": dob,
            "device_jwk": crypto.public_jwk(self.key),
        }
        self.id = client.post("/v1/citizens", json=body).json()["citizen_id"]
        self.token = ""

    def login(self) -> None:
        url, now = BASE + "/v1/token", int(self.clock.now)
        form = {
            "grant_type": "client_credentials",
            "client_id": self.id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(self.key, self.id, url, now=now),
        }
        r = self.client.post(
            "/v1/token", data=form, headers={"DPoP": crypto.make_dpop_proof(self.key, "POST", url, now=now)}
        )
        self.token = r.json()["access_token"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        self.login()  # tokens live minutes; the clock jumps further
        proof = crypto.make_dpop_proof(
            self.key, method, BASE + path, now=int(self.clock.now), access_token=self.token
        )
        headers = {"Authorization": f"DPoP {self.token}", "DPoP": proof}
        return self.client.request(method, path, json=body, headers=headers)


@pytest.fixture
def world(
    settings: Settings,
) -> Iterator[tuple[Clock, Citizen, ConsentingAgencyClient, ConsentingAgencyClient]]:
    clock = Clock(T0)
    initialise(settings)
    app = create_app(settings, clock=clock)
    with TestClient(app, base_url=BASE) as client:
        services: Services = app.state.services
        agencies = []
        for roles, name in (
            (["issuer"], "Sở Tư pháp thành phố Đà Nẵng"),
            (["requester"], "UBND phường Hải Châu"),
        ):
            key = crypto.generate_private_key()
            jwk = {**crypto.public_jwk(key), "kid": "k1"}
            since = dt.datetime.fromtimestamp(T0 - 86400, tz=dt.UTC)
            agency_id = f"agency-{uuid.uuid4().hex[:8]}"
            services.agencies.register(
                agency_id,
                name,
                roles,
                ["birth-certificate"],
                {"keys": [jwk]},
                since,
                since + dt.timedelta(days=3650),
            )
            transport = asgi.TestClientTransport(client)
            agencies.append(
                ConsentingAgencyClient(BASE, agency_id, key, kid="k1", clock=clock, transport=transport)
            )
        yield clock, Citizen(client, clock), agencies[0], agencies[1]


def _approved(world: Any, valid_for: int) -> tuple[str, str]:
    clock, citizen, issuer, requester = world
    sd_jwt = issuer.sign_credential(citizen.cccd, BIRTH_VCT, BIRTH_CLAIMS, lifetime=10 * 86400)
    credential_id = issuer.issue_credential(citizen.cccd, sd_jwt)["credential_id"]
    asked = requester.request_consent(
        citizen.cccd,
        purpose="Đăng ký khai sinh",
        procedure_code="1.001193",
        case_number="HS-1",
        items=[{"type": "birth-certificate"}],
        valid_for_seconds=valid_for,
        max_uses=10,
    )
    token = decision(
        citizen.key,
        asked["id"],
        "approve",
        [{"item": 0, "kind": "credential", "id": credential_id}],
        iat=int(clock.now),
    )
    assert (
        citizen.call("POST", f"/v1/me/consents/{asked['id']}/decision", {"decision": token}).status_code
        == 200
    )
    return asked["id"], credential_id


def _reads(citizen: Citizen) -> int:
    entries = citizen.call("GET", "/v1/me/log").json()["entries"]
    return sum(json.loads(e["data"])["action"] == "read" for e in entries)


def test_a_consent_holds_to_its_last_second_and_not_one_more(world: Any) -> None:
    clock, citizen, _, requester = world
    consent_id, credential_id = _approved(world, valid_for=600)
    clock.now += 599
    requester.login()  # its token lives minutes
    requester.pull_credential(consent_id, credential_id)
    clock.now += 1
    problem = refused(lambda: requester.pull_credential(consent_id, credential_id))
    assert (problem.status, problem.code) == (410, "consent_expired")
    assert requester.consent(consent_id)["state"] == "expired"
    assert _reads(citizen) == 1


def test_a_request_left_pending_lapses(world: Any) -> None:
    clock, citizen, _, requester = world
    asked = requester.request_consent(
        citizen.cccd,
        purpose="Đăng ký khai sinh",
        procedure_code="1.001193",
        case_number="HS-2",
        valid_for_seconds=60,
    )
    clock.now += 60
    assert citizen.call("GET", "/v1/me/consents?state=pending").json()["items"] == []
    token = decision(citizen.key, asked["id"], "deny", iat=int(clock.now))
    r = citizen.call("POST", f"/v1/me/consents/{asked['id']}/decision", {"decision": token})
    assert (r.status_code, r.json()["code"]) == (410, "consent_expired")
