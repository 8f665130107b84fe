"""Several devices per citizen, on a pinned clock: pairing, listing, revoking, and every refusal.

The app runs in-process (litestar's TestClient) over the embedded default and
over PostgreSQL + S3; time moves by hand, so "after expiry" is exact. Each
refused request is a problem+json in Vietnamese and English and changes nothing:
the device rows, the pairing and the access log are compared before and after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from litestar.testing import transport as asgi

import crypto
from mobile_stub import Device
from mobile_stub.devices_client import DevicesClient
from mobile_stub.errors import NotThisDevicesKey
from mobile_stub.log_check import LogTampered, check_log
from qr.reasons import REASONS
from tests.support import devices as pairing
from tests.support.agencies import BIRTH_CLAIMS
from tests.support.consents import BIRTH_VCT
from tests.support.hostile import assert_problem
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.raw import ASSERTION_TYPE, valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.clients.agency import AgencyApiError, AgencyClient
from wallet_api.devices import DEVICE_PROBLEMS
from wallet_api.settings import Settings

T0 = 1_800_000_000


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[TestClient, Clock]]:  # type: ignore[type-arg]
    clock = Clock(T0)
    initialise(settings)
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        yield client, clock


class Phone:
    """One device of a citizen on the test's clock: its own key and its own token."""

    def __init__(self, client: TestClient, clock: Clock, citizen_id: str, key: crypto.EcPrivateKey) -> None:  # type: ignore[type-arg]
        self.client, self.clock, self.citizen_id, self.key = client, clock, citizen_id, key
        self.token = ""

    @classmethod
    def enrolled(cls, client: TestClient, clock: Clock) -> Phone:  # type: ignore[type-arg]
        key = crypto.generate_private_key()
        cccd, dob = valid_cccd()
        body = {
            "cccd": cccd,
            "full_name": "Trần Thị Bình",
            "date_of_birth": dob,
            "device_jwk": crypto.public_jwk(key),
        }
        response = client.post("/v1/citizens", json=body)
        assert response.status_code == 201, response.text
        phone = cls(client, clock, response.json()["citizen_id"], key)
        assert phone.login().status_code == 200
        return phone

    @property
    def now(self) -> int:
        return int(self.clock.now)

    def login(self) -> httpx.Response:
        url = BASE + "/v1/token"
        form = {
            "grant_type": "client_credentials",
            "client_id": self.citizen_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(self.key, self.citizen_id, url, now=self.now),
        }
        proof = crypto.make_dpop_proof(self.key, "POST", url, now=self.now)
        response = self.client.post("/v1/token", data=form, headers={"DPoP": proof})
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    def signed(self, method: str, path: str) -> dict[str, str]:
        proof = crypto.make_dpop_proof(
            self.key, method, BASE + path.split("?", 1)[0], now=self.now, access_token=self.token
        )
        return {"Authorization": f"DPoP {self.token}", "DPoP": proof}

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.signed(method, path), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def devices(self) -> list[dict[str, Any]]:
        response = self.call("GET", "/v1/me/devices")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def log_size(self) -> int:
        response = self.call("GET", "/v1/me/log", params={"limit": 1})
        assert response.status_code == 200, response.text
        return int(response.json()["tree_size"])

    def shown(self, started: pairing.Started) -> dict[str, Any]:
        response = pairing.show(self.client, self.signed, started.code)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def approval(self, started: pairing.Started, **changes: Any) -> str:
        head = pairing.log_head(self.client, self.signed)
        return pairing.approval(self.key, self.citizen_id, started, self.now, head, **changes)

    def approve(self, started: pairing.Started, token: str) -> httpx.Response:
        return pairing.approve(self.client, self.signed, started.pairing_id, token)

    def pair(self, name: str = "Máy tính bảng") -> Phone:
        """Pair a new device through the API; return it, logged in."""
        started = pairing.start(self.client, crypto.generate_private_key(), self.now, name)
        self.shown(started)
        response = self.approve(started, self.approval(started))
        assert response.status_code == 201, response.text
        new = Phone(self.client, self.clock, self.citizen_id, started.key)
        assert new.login().status_code == 200
        return new


def _snapshot(phone: Phone) -> tuple[list[tuple[str, str | None]], int]:
    """What a refused request must not change: the devices (and revocations) and the log size."""
    return [(d["device_id"], d["revoked_at"]) for d in phone.devices()], phone.log_size()


def _bilingual(response: httpx.Response, status: int, code: str) -> None:
    """A problem+json with that status and code, titled (Vietnamese by default; the English text
    of the device codes is checked by ``test_device_problems_read_in_both_languages``)."""
    body = assert_problem(response, status)
    assert body["code"] == code, body
    assert body["title"] and body["detail"], body


def test_a_paired_device_has_its_own_key_and_tokens_and_both_work(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    new = old.pair("Điện thoại mới")
    assert new.call("GET", "/v1/me").status_code == 200
    assert old.call("GET", "/v1/me").status_code == 200
    listed = {d["name"]: d for d in old.devices()}
    assert set(listed) == {"Thiết bị đăng ký / Enrolment device", "Điện thoại mới"}
    assert listed["Điện thoại mới"]["how_added"] == "pairing"
    assert listed["Thiết bị đăng ký / Enrolment device"]["how_added"] == "enrolment"
    assert listed["Điện thoại mới"]["last_used_at"] is not None  # it logged in
    assert listed["Điện thoại mới"]["jkt"] == crypto.jwk_thumbprint(crypto.public_jwk(new.key))
    assert [d["name"] for d in new.devices() if d["current"]] == ["Điện thoại mới"]
    # Independent: one device's token does not serve with the other's proof key.
    stolen = {**new.signed("GET", "/v1/me"), "Authorization": f"DPoP {old.token}"}
    assert_problem(client.get("/v1/me", headers=stolen), 401)


def test_revoking_a_device_stops_its_token_at_the_next_request_and_logs_it(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    new = old.pair()
    new_id = next(d["device_id"] for d in new.devices() if d["current"])
    assert old.call("DELETE", f"/v1/me/devices/{new_id}").status_code == 204
    _bilingual(new.call("GET", "/v1/me"), 401, "invalid_token")
    _bilingual(new.login(), 401, "invalid_client")
    assert old.call("GET", "/v1/me").status_code == 200
    revoked = next(d for d in old.devices() if d["device_id"] == new_id)
    assert revoked["revoked_at"] is not None
    entries = old.call("GET", "/v1/me/log").json()["entries"]
    assert [crypto.json_object(e["data"])["action"] for e in entries] == ["device-add", "device-revoke"]
    assert "đã bị thu hồi" in entries[1]["text_vi"] and "was revoked" in entries[1]["text_en"]
    assert "Máy tính bảng" in entries[0]["text_vi"]


def test_the_last_device_is_revoked_only_when_confirmed(world: Any) -> None:
    client, clock = world
    only = Phone.enrolled(client, clock)
    device_id = only.devices()[0]["device_id"]
    before = _snapshot(only)
    _bilingual(only.call("DELETE", f"/v1/me/devices/{device_id}"), 409, "last_device")
    _bilingual(only.call("DELETE", f"/v1/me/devices/{device_id}?last=false"), 409, "last_device")
    assert _snapshot(only) == before
    assert only.call("DELETE", f"/v1/me/devices/{device_id}?last=true").status_code == 204
    _bilingual(only.call("GET", "/v1/me"), 401, "invalid_token")
    _bilingual(only.login(), 401, "invalid_client")


def test_another_citizen_cannot_see_revoke_or_approve_for_my_devices(world: Any) -> None:
    client, clock = world
    mine, theirs = Phone.enrolled(client, clock), Phone.enrolled(client, clock)
    my_device = mine.devices()[0]["device_id"]
    before = _snapshot(mine)
    _bilingual(theirs.call("DELETE", f"/v1/me/devices/{my_device}?last=true"), 404, "device_not_found")
    assert my_device not in {d["device_id"] for d in theirs.devices()}
    # A pairing my device opened: the other citizen can neither open nor approve it.
    started = pairing.start(client, crypto.generate_private_key(), mine.now)
    mine.shown(started)
    _bilingual(pairing.show(client, theirs.signed, started.code), 404, "pairing_not_found")
    _bilingual(theirs.approve(started, theirs.approval(started)), 404, "pairing_not_found")
    # Their device's signature sent under my token: refused (the approval is checked against my key).
    forged = pairing.approval(
        theirs.key, mine.citizen_id, started, mine.now, pairing.log_head(client, mine.signed)
    )
    _bilingual(mine.approve(started, forged), 422, "invalid_pairing_approval")
    assert _snapshot(mine) == before
    assert mine.approve(started, mine.approval(started)).status_code == 201  # still approvable by me


def test_pairing_refusals_change_nothing(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    started = pairing.start(client, crypto.generate_private_key(), old.now)
    _bilingual(old.approve(started, old.approval(started)), 404, "pairing_not_found")  # never shown
    shown = old.shown(started)
    assert shown["name"] == "Máy tính bảng"
    assert shown["words"] == crypto.thumbprint_words(started.jkt)
    before = _snapshot(old)
    other_key = crypto.jwk_thumbprint(crypto.public_jwk(crypto.generate_private_key()))
    bad = {
        "another thumbprint than the one shown": {"jkt": other_key},
        "another nonce": {"nonce": "x" * 32},
        "another code": {"code": "ABCD2345"},
        "another citizen": {"sub": "00000000-0000-4000-8000-000000000000"},
        "stale": {"iat": old.now - 301},
        "from the future": {"iat": old.now + 60},
        "no log head": {"log": None},
        "a malformed log head": {"log": {"tree_size": -1, "root_hash": "00", "sth": "x"}},
    }
    for why, changes in bad.items():
        response = old.approve(started, old.approval(started, **changes))
        _bilingual(response, 422, "invalid_pairing_approval")
        assert _snapshot(old) == before, why
    hs256 = ".".join(
        crypto.b64url_encode(part)
        for part in (b'{"alg":"HS256","typ":"device-pairing+jwt"}', b'{"sub":"x"}', b"\x00" * 32)
    )
    unsigned = (
        ".".join(
            crypto.b64url_encode(part)
            for part in (b'{"alg":"none","typ":"device-pairing+jwt"}', b'{"sub":"x"}')
        )
        + "."
    )
    for token in (hs256, unsigned, "not-a-jws"):
        _bilingual(old.approve(started, token), 422, "invalid_pairing_approval")
    assert _snapshot(old) == before
    assert pairing.status(client, started, old.now).json()["status"] == "pending"


def test_a_replayed_approval_is_refused(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    started = pairing.start(client, crypto.generate_private_key(), old.now)
    old.shown(started)
    token = old.approval(started)
    assert old.approve(started, token).status_code == 201
    before = _snapshot(old)
    _bilingual(old.approve(started, token), 409, "pairing_closed")
    _bilingual(pairing.show(client, old.signed, started.code), 409, "pairing_closed")
    # The same approval for a second pairing of the same key: another code and nonce.
    again = pairing.start(client, started.key, old.now + 1)
    old.shown(again)
    _bilingual(old.approve(again, token), 422, "invalid_pairing_approval")
    _bilingual(old.approve(again, old.approval(again)), 409, "device_already_added")
    assert _snapshot(old) == before


def test_an_approval_after_expiry_is_refused(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    started = pairing.start(client, crypto.generate_private_key(), old.now)
    old.shown(started)
    clock.now += 299
    token = old.approval(started)
    clock.now += 1  # exactly five minutes after the start
    old.login()
    before = _snapshot(old)
    _bilingual(old.approve(started, token), 410, "pairing_expired")
    assert _snapshot(old) == before
    assert pairing.status(client, started, old.now).json()["status"] == "expired"
    late = pairing.start(client, crypto.generate_private_key(), old.now)
    clock.now += 300
    old.login()
    _bilingual(pairing.show(client, old.signed, late.code), 410, "pairing_expired")


def test_a_pairing_approved_by_a_revoked_device_is_refused(world: Any) -> None:
    client, clock = world
    first = Phone.enrolled(client, clock)
    second = first.pair("Điện thoại thứ hai")
    started = pairing.start(client, crypto.generate_private_key(), first.now)
    second.shown(started)
    token = second.approval(started)
    second_id = next(d["device_id"] for d in second.devices() if d["current"])
    assert first.call("DELETE", f"/v1/me/devices/{second_id}").status_code == 204
    before = _snapshot(first)
    _bilingual(second.approve(started, token), 401, "invalid_token")
    assert second.login().status_code == 401
    # The pairing it had opened died with it; nobody else can take it over.
    assert pairing.status(client, started, first.now).json()["status"] == "cancelled"
    _bilingual(first.approve(started, first.approval(started)), 404, "pairing_not_found")
    # The revoked device's key signing under a live device's token is refused too.
    forged = pairing.approval(
        second.key, first.citizen_id, started, first.now, pairing.log_head(client, first.signed)
    )
    _bilingual(first.approve(started, forged), 404, "pairing_not_found")
    assert _snapshot(first) == before


def test_starting_a_pairing_needs_proof_of_the_key_and_a_sane_name(world: Any) -> None:
    client, _ = world
    key, other = crypto.generate_private_key(), crypto.generate_private_key()
    url = BASE + "/v1/devices/pairings"
    body = {"name": "Máy mới", "device_jwk": crypto.public_jwk(key)}
    wrong_key = crypto.make_dpop_proof(other, "POST", url, now=T0)
    _bilingual(
        client.post("/v1/devices/pairings", json=body, headers={"DPoP": wrong_key}), 401, "invalid_token"
    )
    _bilingual(client.post("/v1/devices/pairings", json=body), 401, "invalid_token")
    proof = crypto.make_dpop_proof(key, "POST", url, now=T0)
    for bad in (
        {**body, "name": "x" * 65},
        {**body, "name": "a\x00b"},
        {**body, "device_jwk": {"kty": "RSA"}},
    ):
        fresh = crypto.make_dpop_proof(key, "POST", url, now=T0)
        assert_problem(client.post("/v1/devices/pairings", json=bad, headers={"DPoP": fresh}), 400)
    assert client.post("/v1/devices/pairings", json=body, headers={"DPoP": proof}).status_code == 201
    _bilingual(client.post("/v1/devices/pairings", json=body, headers={"DPoP": proof}), 401, "invalid_token")
    started = pairing.start(client, key, T0 + 1)
    stranger = pairing.Started(other, started.pairing_id, "", "", "")
    _bilingual(pairing.status(client, stranger, T0 + 1), 404, "pairing_not_found")


def test_device_problems_read_in_both_languages(world: Any) -> None:
    client, clock = world
    only = Phone.enrolled(client, clock)
    device_id = only.devices()[0]["device_id"]
    path = f"/v1/me/devices/{device_id}"
    vi = only.call("DELETE", path, headers={"Accept-Language": "vi"}).json()
    en = only.call("DELETE", path, headers={"Accept-Language": "en"}).json()
    assert vi["code"] == en["code"] == "last_device"
    assert vi["title"] == "Đây là thiết bị cuối cùng" and en["title"] == "This is the last device"
    assert "--last" in vi["detail"] and "--last" in en["detail"] and vi["detail"] != en["detail"]
    for code, (_, title_vi, title_en, detail_vi, detail_en) in DEVICE_PROBLEMS.items():
        assert title_vi != title_en and detail_vi != detail_en, code


def _sdk_pairing(client: TestClient, clock: Clock, home: Path) -> tuple[DevicesClient, pairing.Started]:  # type: ignore[type-arg]
    """The reference phone (``mobile_stub``) on the test's clock starts a pairing."""
    new = DevicesClient(BASE, Device(home), transport=asgi.TestClientTransport(client), clock=clock)
    new.device.init()
    data = new.start_pairing("Điện thoại mới")
    key = new.device.private_key()
    return new, pairing.Started(key, data["pairing_id"], data["code"], data["nonce"], data["jkt"])


def test_the_new_device_starts_from_the_head_the_old_one_signed(world: Any, tmp_path: Path) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    old.pair()  # one entry in the log
    new, started = _sdk_pairing(client, clock, tmp_path / "new")
    old.shown(started)
    assert new.finish_pairing() is None  # not approved yet
    assert old.approve(started, old.approval(started)).status_code == 201
    assert new.finish_pairing() == old.citizen_id
    checked = check_log(new, old.citizen_id)
    assert checked.previous_size == 1 and checked.head.size == 2  # consistency proved from the vouched head


def test_the_new_device_refuses_a_log_head_the_service_did_not_sign(world: Any, tmp_path: Path) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    old.pair()
    new, started = _sdk_pairing(client, clock, tmp_path / "new")
    old.shown(started)
    head = pairing.log_head(client, old.signed)
    forged = pairing.approval(old.key, old.citizen_id, started, old.now, {**head, "root_hash": "00" * 32})
    assert old.approve(started, forged).status_code == 201  # the service checks only its shape
    with pytest.raises(LogTampered):
        new.finish_pairing()
    assert new.state.citizen_id is None  # not joined: it would otherwise trust whatever log it sees first
    assert not (tmp_path / "new" / "log_head.json").exists()


def test_both_devices_reach_the_same_wallet_independently(world: Any) -> None:
    client, clock = world
    old = Phone.enrolled(client, clock)
    new = old.pair()
    pdf = b"%PDF-1.4\nGiay khai sinh\n"
    path = "/v1/me/documents?type=other&filename=giay.pdf"
    up = new.call("POST", path, content=pdf, headers={"Content-Type": "application/pdf"})
    assert up.status_code == 201, up.text
    document_id = up.json()["id"]
    content = old.call("GET", f"/v1/me/documents/{document_id}/content")
    assert content.status_code == 200 and content.content == pdf
    old_id = next(d["device_id"] for d in new.devices() if not d["current"])
    assert new.call("DELETE", f"/v1/me/devices/{old_id}").status_code == 204  # the new one revokes the old
    _bilingual(old.call("GET", f"/v1/me/documents/{document_id}"), 401, "invalid_token")
    assert new.call("GET", f"/v1/me/documents/{document_id}").status_code == 200
    assert [d["name"] for d in new.devices() if d["revoked_at"] is None] == ["Máy tính bảng"]


def test_credentials_say_which_key_they_are_bound_to_and_when_it_is_revoked(
    world: Any, tmp_path: Path
) -> None:
    client, clock = world
    transport = asgi.TestClientTransport(client)
    old = DevicesClient(BASE, Device(tmp_path / "old"), transport=transport, clock=clock)
    old.device.init()
    cccd, dob = valid_cccd(birth_year=1990)
    citizen_id = old.enrol(cccd, "Nguyễn Thị Minh Khai", dob)
    key = crypto.generate_private_key()
    since = dt.datetime.fromtimestamp(T0 - 86400, tz=dt.UTC)
    client.app.state.services.agencies.register(
        "so-tu-phap", "Sở Tư pháp", ["issuer"], ["birth-certificate"],
        {"keys": [{**crypto.public_jwk(key), "kid": "k1"}]}, since, since + dt.timedelta(days=3650),
    )  # fmt: skip
    issuer = AgencyClient(BASE, "so-tu-phap", key, kid="k1", clock=clock, transport=transport)
    sd_jwt = issuer.sign_credential(cccd, BIRTH_VCT, BIRTH_CLAIMS, lifetime=86400)
    credential_id = issuer.issue_credential(cccd, sd_jwt)["credential_id"]
    new, started = _sdk_pairing(client, clock, tmp_path / "new")
    old.approve_pairing(old.show_pairing(started.code), started.code)
    assert new.finish_pairing() == citizen_id
    [held] = new.list_credentials()
    assert held["holder_jkt"] == old.device.thumbprint() and held["needs_reissue"] is False
    with pytest.raises(NotThisDevicesKey):  # the phone presents only what its own key can bind
        new.present(credential_id, ["full_name"], nonce="n-1", audience=BASE + "/verify")
    assert old.present(credential_id, ["full_name"], nonce="n-2", audience=BASE + "/verify")
    old_id = next(d["device_id"] for d in new.devices() if not d["current"])
    new.revoke_device(old_id)
    [held] = new.list_credentials()
    assert held["needs_reissue"] is True  # bound to a revoked key: the issuer must re-issue it
    assert new.get_credential(credential_id)["needs_reissue"] is True
    # An issuer binding a new credential gets a key the citizen still holds, never the revoked one.
    bound = issuer.holder_key(cccd, "birth-certificate")
    assert crypto.jwk_thumbprint(bound) == new.device.thumbprint()
    reissued = issuer.issue_credential(
        cccd, issuer.sign_credential(cccd, BIRTH_VCT, BIRTH_CLAIMS, lifetime=86400)
    )
    fresh = new.get_credential(reissued["credential_id"])
    assert fresh["holder_jkt"] == new.device.thumbprint() and fresh["needs_reissue"] is False
    assert new.present(reissued["credential_id"], ["full_name"], nonce="n-3", audience=BASE + "/verify")
    stale = crypto.issue_sd_jwt_vc(  # bound to the revoked key: refused at issuance
        key, kid="k1", iss="so-tu-phap", vct=BIRTH_VCT, claims=BIRTH_CLAIMS,
        holder_jwk=old.device.public_jwk(), now=int(clock.now), lifetime=86400,
        status={"status_list": issuer.allocate_status()},
    ).sd_jwt  # fmt: skip
    with pytest.raises(AgencyApiError) as refused:
        issuer.issue_credential(cccd, stale)
    assert refused.value.code == "credential_rejected"
    assert any(text in refused.value.detail for text in REASONS["wrong_holder"]), refused.value.detail
