"""Abuse limits on enrolment, login, identity-QR batches, pairing, and every authenticated request
per citizen device and per agency: counted in the database (so shared by every worker and node),
refused with 429 problem+json and Retry-After, nothing changed; the next window lets callers in
again. Both backends."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

import crypto
from tests.support.agencies import register
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.nodes import Balancer
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer, free_port, scaled_env
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.clients.agency import AgencyApiError, AgencyClient
from wallet_api.errors import ConfigError
from wallet_api.limits.limiter import source_address
from wallet_api.limits.policy import parse
from wallet_api.settings import Settings


def _enrol(client: Any, key: crypto.EcPrivateKey | None = None) -> httpx.Response:
    cccd, dob = valid_cccd()
    body = {
        "cccd": cccd,
        "full_name": "Nguyễn Thị Minh Khai",
        "date_of_birth": dob,
        "device_jwk": crypto.public_jwk(key or crypto.generate_private_key()),
    }
    response: httpx.Response = client.post("/v1/citizens", json=body)
    return response


@pytest.fixture(params=BACKENDS)
def limited(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Clock, TestClient]]:  # type: ignore[type-arg]
    limits = "enrol=3/60,token=2/60,identity_qr=2/3600"
    if request.param == "embedded":
        settings = Settings.for_data_dir(tmp_path / "data", public_url=BASE, rate_limits=limits)
    else:
        env = scaled_env(
            request.getfixturevalue("scaled_database_url"), request.getfixturevalue("scaled_blob_url")
        )
        settings = Settings.for_data_dir(
            tmp_path / "data",
            database_url=env["WALLET_DATABASE_URL"],
            blob_url=env["WALLET_BLOB_URL"],
            public_url=BASE,
            rate_limits=limits,
        )
    initialise(settings)  # its first signing key signs from now: the clock starts after it
    clock = Clock(float((int(time.time()) // 60 + 1) * 60 + 40))  # 40 s into the next minute
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        yield clock, client


def test_enrolment_past_the_limit_is_refused_until_the_window_ends(limited: Any) -> None:
    clock, client = limited
    assert [_enrol(client).status_code for _ in range(3)] == [201, 201, 201]
    refused = _enrol(client, key := crypto.generate_private_key())
    assert refused.status_code == 429 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert refused.headers["retry-after"] == "20"  # the window ends at the next minute
    assert refused.json()["code"] == "rate_limited" and "20" in refused.json()["detail"]
    english = client.post("/v1/citizens", json={}, headers={"Accept-Language": "en"})
    assert english.status_code in (400, 429)
    clock.now += 20
    assert _enrol(client, key).status_code == 201  # the same key enrols: nothing was kept of the refusal


def test_login_and_identity_batches_are_limited_per_caller(limited: Any) -> None:
    clock, client = limited
    person = RawCitizen(BASE, http=client)
    assert person.enrol().status_code == 201
    assert [person.login(now=int(clock.now)).status_code for _ in range(2)] == [200, 200]
    again = person.login(now=int(clock.now))
    assert again.status_code == 429 and again.json()["code"] == "rate_limited"
    other = RawCitizen(BASE, http=client)
    assert (
        other.enrol().status_code == 201 and other.login(now=int(clock.now)).status_code == 200
    )  # its own count
    for expected in (200, 200, 429):
        proof = other.proof("POST", "/v1/me/identity-qr", now=int(clock.now))
        r = client.post(
            "/v1/me/identity-qr",
            json={"count": 1},
            headers={"Authorization": f"DPoP {other.token}", "DPoP": proof},
        )
        assert r.status_code == expected, r.text
    assert int(r.headers["retry-after"]) > 60  # an hour's window


def test_two_processes_share_one_count(
    make_server: Any, tmp_path_factory: pytest.TempPathFactory, scaled_database_url: str, scaled_blob_url: str
) -> None:
    env = {**scaled_env(scaled_database_url, scaled_blob_url), "WALLET_RATE_LIMITS": "enrol=4/3600"}
    shared = tmp_path_factory.mktemp("limited")
    env["WALLET_MASTER_KEY_URL"] = f"file:{shared / 'master.key'}"
    first = WalletServer(shared / "a", env=env)
    first.start()
    second = WalletServer(shared / "b", env=env)
    second.start()
    try:
        codes = [_enrol(httpx.Client(base_url=node.url)).status_code for node in (first, second) * 3]
    finally:
        first.stop()
        second.stop()
    assert codes == [201, 201, 201, 201, 429, 429], codes


@pytest.mark.parametrize("spec", ["enrol=0/60", "enrol=3", "login=3/60", "enrol=3/99999", "enrol=x/60"])
def test_bad_limit_settings_stop_the_start(spec: str) -> None:
    with pytest.raises(ConfigError, match="WALLET_RATE_LIMITS"):
        parse(spec)


def test_the_caller_behind_a_trusted_proxy_is_the_address_it_forwarded() -> None:
    assert parse("off") == {} and parse("enrol=3/60") == {"enrol": (3, 60)}
    trusted = frozenset({"10.0.0.5"})
    assert source_address("10.0.0.5", "203.0.113.7, 198.51.100.9", trusted) == "198.51.100.9"
    assert source_address("192.0.2.1", "203.0.113.7", trusted) == "192.0.2.1"  # not a proxy: ignored
    assert source_address(None, None, trusted) == "unknown"


# --- per device and per agency: every authenticated request -------------------------------------


@pytest.fixture(params=BACKENDS)
def per_device(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Clock, TestClient]]:  # type: ignore[type-arg]
    settings = dataclasses.replace(backend_settings(request, tmp_path), rate_limits="device=3/60")
    initialise(settings)
    clock = Clock(float((int(time.time()) // 60 + 1) * 60 + 15))  # 15 s into the next minute
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        yield clock, client


def _get(person: RawCitizen, client: Any, path: str, now: int, lang: str = "vi") -> httpx.Response:
    headers = {
        "Authorization": f"DPoP {person.token}",
        "DPoP": person.proof("GET", path, now=now),
        "Accept-Language": lang,
    }
    response: httpx.Response = client.get(path, headers=headers)
    return response


def test_a_device_past_its_limit_is_refused_and_served_again_in_the_next_window(per_device: Any) -> None:
    clock, client = per_device
    person, other = RawCitizen(BASE, http=client), RawCitizen(BASE, http=client)
    for who in (person, other):
        assert who.enrol().status_code == 201 and who.login(now=int(clock.now)).status_code == 200
    now = int(clock.now)
    doc = client.post(
        "/v1/me/documents?type=other",
        content=b"%PDF-1.7 limited",
        headers={
            "Authorization": f"DPoP {person.token}",
            "DPoP": person.proof("POST", "/v1/me/documents", now=now),
            "Content-Type": "application/pdf",
        },
    ).json()["id"]  # the first of the device's three calls in this window
    assert [_get(person, client, "/v1/me", now).status_code for _ in range(2)] == [200, 200]
    refused = _get(person, client, "/v1/me", now)
    assert refused.status_code == 429 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert refused.headers["retry-after"] == "45" and refused.json()["code"] == "rate_limited"
    assert "45 giây" in refused.json()["detail"]  # Vietnamese first
    english = _get(person, client, "/v1/me", now, lang="en")
    assert english.status_code == 429 and "45 seconds" in english.json()["detail"]
    # A refused call changes nothing: the delete is not done.
    path = f"/v1/me/documents/{doc}"
    delete = client.delete(
        path, headers={"Authorization": f"DPoP {person.token}", "DPoP": person.proof("DELETE", path, now=now)}
    )
    assert delete.status_code == 429
    assert _get(other, client, "/v1/me", now).status_code == 200  # another citizen's device: its own count
    clock.now += 45
    assert _get(person, client, path, int(clock.now)).status_code == 200  # still there, served again


def test_an_unauthenticated_caller_cannot_spend_a_devices_budget(per_device: Any) -> None:
    clock, client = per_device
    person = RawCitizen(BASE, http=client)
    assert person.enrol().status_code == 201 and person.login(now=int(clock.now)).status_code == 200
    stranger = crypto.generate_private_key()  # someone holding the token but not the device key
    for _ in range(5):
        proof = person.proof("GET", "/v1/me", key=stranger, now=int(clock.now))
        r = client.get("/v1/me", headers={"Authorization": f"DPoP {person.token}", "DPoP": proof})
        assert r.status_code == 401
    assert [_get(person, client, "/v1/me", int(clock.now)).status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]


def test_device_and_agency_limits_are_shared_by_two_nodes(
    tmp_path_factory: pytest.TempPathFactory, scaled_database_url: str, scaled_blob_url: str
) -> None:
    public = f"http://127.0.0.1:{free_port()}"  # the balancer stands for it
    env = {**scaled_env(scaled_database_url, scaled_blob_url), "WALLET_PUBLIC_URL": public}
    env["WALLET_RATE_LIMITS"] = "device=4/3600,agency=4/3600"
    shared = tmp_path_factory.mktemp("limited-nodes")
    env["WALLET_MASTER_KEY_URL"] = f"file:{shared / 'master.key'}"
    nodes = [WalletServer(shared / "a", env=env), WalletServer(shared / "b", env=env)]
    for node in nodes:
        node.start()
    balancer = Balancer(nodes)
    try:
        http = httpx.Client(transport=balancer, timeout=60)
        person, other = RawCitizen(public, http=http), RawCitizen(public, http=http)
        for who in (person, other):
            assert who.enrol().status_code == 201 and who.login().status_code == 200
        assert [person.request("GET", "/v1/me").status_code for _ in range(6)] == [200] * 4 + [429] * 2
        assert other.request("GET", "/v1/me").status_code == 200
        agency = register(nodes[0], shared, roles="requester", types="")
        client = AgencyClient(public, agency.agency_id, agency.key, kid=agency.kid, transport=balancer)
        statuses = []
        for _ in range(6):
            try:
                client._call("GET", f"/v1/agency/consents/{uuid.uuid4()}")
            except AgencyApiError as refused:
                statuses.append(refused.status)
        assert statuses == [404] * 4 + [429] * 2, statuses
        assert min(balancer.served.values()) >= 8, balancer.served  # both nodes answered
    finally:
        for node in nodes:
            node.stop()
        balancer.close()
