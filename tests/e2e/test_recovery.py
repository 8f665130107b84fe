"""Recovery when every device is lost, on a pinned clock, over the embedded default and PostgreSQL
+ S3: an identity provider's assertion or (dev mode) the recovery code, the cooling-off a device
still held can cancel, lazy completion, and every refusal (a problem+json in Vietnamese and
English that changes nothing: devices, access log and pending recovery compared before and after).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from litestar.testing import transport as asgi

import crypto
from tests.e2e.test_devices import Phone
from tests.support import recovery
from tests.support.agencies import BIRTH_CLAIMS
from tests.support.consents import BIRTH_VCT, decision
from tests.support.hostile import assert_problem
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.raw import valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.clients.agency import AgencyApiError, AgencyClient
from wallet_api.clients.agency_consents import ConsentingAgencyClient
from wallet_api.recovery import MAX_TRIES, RECOVERY_PROBLEMS
from wallet_api.settings import Settings

T0 = 1_800_000_000
DAY = 86_400


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[tuple[TestClient, Clock]]:  # type: ignore[type-arg]
    clock = Clock(T0)
    initialise(settings)
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        yield client, clock


class Citizen:
    """An enrolled citizen: the enrolment phone, the CCCD and the recovery code shown once."""

    def __init__(self, client: TestClient, clock: Clock) -> None:  # type: ignore[type-arg]
        key = crypto.generate_private_key()
        self.cccd, dob = valid_cccd()
        body = {
            "cccd": self.cccd,
            "full_name": "Lê Văn Hưng",
            "date_of_birth": dob,
            "device_jwk": crypto.public_jwk(key),
        }
        response = client.post("/v1/citizens", json=body)
        assert response.status_code == 201, response.text
        self.code: str = response.json()["recovery_code"]
        self.phone = Phone(client, clock, response.json()["citizen_id"], key)
        assert self.phone.login().status_code == 200
        self.client, self.clock = client, clock

    def snapshot(self) -> tuple[Any, ...]:
        """What a refused recovery must not change (logged in again: the clock may have moved)."""
        assert self.phone.login().status_code == 200
        me = self.phone.call("GET", "/v1/me").json()
        devices = [(d["device_id"], d["revoked_at"]) for d in self.phone.devices()]
        return devices, self.phone.log_size(), me.get("pending_recovery")

    def actions(self) -> list[str]:
        entries = self.phone.call("GET", "/v1/me/log").json()["entries"]
        return [crypto.json_object(e["data"])["action"] for e in entries]


def _bilingual(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = assert_problem(response, status)
    assert body["code"] == code, body
    assert body["title"] and body["detail"], body
    return body


def _by_idp(
    world: Any, idp: recovery.Idp, who: Citizen, device: crypto.EcPrivateKey, **changes: Any
) -> httpx.Response:
    client, clock = world
    nonce = recovery.nonce(client, who.cccd)
    assertion = idp.assertion(who.cccd, nonce, device, int(clock.now), **changes)
    return recovery.start(client, device, int(clock.now), {"nonce": nonce, "assertion": assertion})


def test_recovery_by_an_identity_provider_completes_after_the_cooling_off(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    new = crypto.generate_private_key()
    started = _by_idp(world, idp, who, new)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["status"] == "pending" and body["method"] == "idp" and body["assurance"] == "high"
    assert body["vouched_by"] == "Trung tâm định danh vneid-test"
    due = dt.datetime.fromisoformat(body["completes_at"])
    assert due == dt.datetime.fromtimestamp(T0 + DAY, tz=dt.UTC)
    # Announced on the device still held; the new key is no device yet.
    pending = who.phone.call("GET", "/v1/me").json()["pending_recovery"]
    assert pending["recovery_id"] == body["recovery_id"] and pending["name"] == "Điện thoại thay thế"
    replacement = Phone(client, clock, who.phone.citizen_id, new)
    _bilingual(replacement.login(), 401, "invalid_client")
    clock.now += DAY - 1
    assert recovery.status(client, new, body["recovery_id"], int(clock.now)).json()["status"] == "pending"
    assert who.phone.login().status_code == 200  # still held until the cooling-off ends
    assert who.phone.call("GET", "/v1/me").json()["pending_recovery"]["status"] == "pending"
    clock.now += 1
    done = recovery.status(client, new, body["recovery_id"], int(clock.now))
    assert done.status_code == 200, done.text
    completed = done.json()
    assert completed["status"] == "completed" and completed["citizen_id"] == who.phone.citizen_id
    assert completed["recovery_code"] != who.code  # a new code, shown this once
    again = recovery.status(client, new, body["recovery_id"], int(clock.now)).json()
    assert again["status"] == "completed" and "recovery_code" not in again
    # The old device is revoked (its token stops); the new one logs in and holds the wallet.
    _bilingual(who.phone.call("GET", "/v1/me"), 401, "invalid_token")
    _bilingual(who.phone.login(), 401, "invalid_client")
    assert replacement.login().status_code == 200
    devices = replacement.devices()
    assert [d["how_added"] for d in devices] == ["enrolment", "recovery"]
    active = [d for d in devices if d["revoked_at"] is None]
    assert [(d["how_added"], d["device_id"]) for d in active] == [("recovery", completed["device_id"])]
    assert replacement.call("GET", "/v1/me").json().get("pending_recovery") is None
    entries = replacement.call("GET", "/v1/me/log").json()["entries"]
    assert [crypto.json_object(e["data"])["action"] for e in entries] == [
        "recovery-start",
        "recovery-complete",
    ]
    assert "khôi phục" in entries[0]["text_vi"] and "Trung tâm định danh vneid-test" in entries[0]["text_vi"]
    assert "recovery of your wallet completed" in entries[1]["text_en"]
    # Its key was used: not again for another recovery of this wallet.
    _bilingual(_by_idp(world, idp, who, new), 409, "device_already_added")


def test_a_device_still_held_cancels_a_recovery(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    second = who.phone.pair("Máy tính bảng")
    new = crypto.generate_private_key()
    recovery_id = _by_idp(world, idp, who, new).json()["recovery_id"]
    # Another citizen's device cannot cancel it.
    other = Citizen(client, clock)
    path = f"/v1/me/recovery/{recovery_id}/cancellation"
    _bilingual(other.phone.call("POST", path), 404, "recovery_not_found")
    cancelled = second.call("POST", path)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and "recovery_code" not in cancelled.json()
    _bilingual(who.phone.call("POST", path), 409, "recovery_closed")
    clock.now += 2 * DAY
    assert recovery.status(client, new, recovery_id, int(clock.now)).json()["status"] == "cancelled"
    _bilingual(Phone(client, clock, who.phone.citizen_id, new).login(), 401, "invalid_client")
    assert who.phone.login().status_code == 200 and second.login().status_code == 200
    assert who.actions() == ["device-add", "recovery-start", "recovery-cancel"]
    entries = who.phone.call("GET", "/v1/me/log").json()["entries"]
    assert 'bởi thiết bị "Máy tính bảng"' in entries[2]["text_vi"]


def test_a_device_revoked_before_the_recovery_started_cannot_cancel_it(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    stolen = who.phone.pair("Điện thoại bị mất")
    stolen_id = next(d["device_id"] for d in stolen.devices() if d["current"])
    assert who.phone.call("DELETE", f"/v1/me/devices/{stolen_id}").status_code == 204
    recovery_id = _by_idp(world, idp, who, crypto.generate_private_key()).json()["recovery_id"]
    before = who.snapshot()
    _bilingual(stolen.call("POST", f"/v1/me/recovery/{recovery_id}/cancellation"), 401, "invalid_token")
    assert who.snapshot() == before and before[2]["status"] == "pending"


def test_assertion_refusals_change_nothing(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    issuer = recovery.Idp.registered(client, "so-tu-phap-x", roles=("issuer",), now=clock.now)
    dissolved = recovery.Idp.registered(client, "vneid-old", now=clock.now)
    successor = recovery.Idp.registered(client, "vneid-new", now=clock.now)
    at = dt.datetime.fromtimestamp(clock.now - 60, tz=dt.UTC)
    client.app.state.services.agencies.succeed(dissolved.agency_id, successor.agency_id, at)
    new = crypto.generate_private_key()
    other_cccd, _ = valid_cccd()
    before = who.snapshot()
    refusals: dict[str, httpx.Response] = {
        "an agency without the idp role": _by_idp(world, issuer, who, new),
        "an assertion for another CCCD": _by_idp(world, idp, who, new, sub=other_cccd),
        "signed by a dissolved agency": _by_idp(world, dissolved, who, new),
        "another device key": _by_idp(
            world, idp, who, new, cnf={"jwk": crypto.public_jwk(crypto.generate_private_key())}
        ),
        "a low assurance level": _by_idp(world, idp, who, new, acr="low"),
        "no assurance level": _by_idp(world, idp, who, new, acr=None),
        "a stale assertion": _by_idp(world, idp, who, new, iat=int(clock.now) - 601),
        "another issuer named than signed": _by_idp(world, idp, who, new, iss="vneid-new"),
    }
    nonce = recovery.nonce(client, who.cccd)
    forged = {
        "nonce": nonce,
        "assertion": recovery.Idp("vneid-test").assertion(who.cccd, nonce, new, int(clock.now)),
    }
    refusals["signed by a key the agency never registered"] = recovery.start(
        client, new, int(clock.now), forged
    )
    unsigned = (
        ".".join(
            crypto.b64url_encode(p)
            for p in (b'{"alg":"none","typ":"recovery-assertion+jwt"}', b'{"iss":"vneid-test"}')
        )
        + "."
    )
    refusals["alg none"] = recovery.start(
        client, new, int(clock.now), {"nonce": nonce, "assertion": unsigned}
    )
    for why, response in refusals.items():
        _bilingual(response, 422, "invalid_recovery_proof")
        assert who.snapshot() == before, why
    # A stale nonce, and a reused one.
    stale_nonce = recovery.nonce(client, who.cccd)
    clock.now += 601
    late = idp.assertion(who.cccd, stale_nonce, new, int(clock.now))
    _bilingual(
        recovery.start(client, new, int(clock.now), {"nonce": stale_nonce, "assertion": late}),
        422,
        "invalid_recovery_nonce",
    )
    _bilingual(
        recovery.start(client, new, int(clock.now), {"nonce": "never-handed-out", "assertion": late}),
        422,
        "invalid_recovery_nonce",
    )
    assert who.snapshot() == before
    fresh = recovery.nonce(client, who.cccd)
    proof = {"nonce": fresh, "assertion": idp.assertion(who.cccd, fresh, new, int(clock.now))}
    first = recovery.start(client, new, int(clock.now), proof)
    assert first.status_code == 201, first.text
    assert (
        who.phone.call("POST", f"/v1/me/recovery/{first.json()['recovery_id']}/cancellation").status_code
        == 200
    )
    after = who.snapshot()
    _bilingual(recovery.start(client, new, int(clock.now), proof), 422, "invalid_recovery_nonce")
    assert who.snapshot() == after
    # Neither both nor none of assertion and code; a DPoP proof by another key.
    _bilingual(recovery.start(client, new, int(clock.now), {"nonce": fresh}), 400, "invalid_request")
    other = crypto.generate_private_key()
    n2 = recovery.nonce(client, who.cccd)
    dpop = crypto.make_dpop_proof(other, "POST", BASE + "/v1/recovery", now=int(clock.now))
    body = {
        "name": "x",
        "device_jwk": crypto.public_jwk(new),
        "nonce": n2,
        "assertion": idp.assertion(who.cccd, n2, new, int(clock.now)),
    }
    _bilingual(client.post("/v1/recovery", json=body, headers={"DPoP": dpop}), 401, "invalid_token")
    assert who.snapshot() == after


def test_wrong_recovery_codes_lock_out_and_the_right_one_waits(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    new = crypto.generate_private_key()
    nonce = recovery.nonce(client, who.cccd)
    before = who.snapshot()
    answers = []
    for i in range(1000):
        wrong = f"{i:05d}-WRONG-CODE-XXXXX"
        answers.append(recovery.start(client, new, int(clock.now), {"nonce": nonce, "code": wrong}))
    for i, response in enumerate(answers[: MAX_TRIES - 1]):
        assert _bilingual(response, 422, "wrong_recovery_code")["detail"].count(str(MAX_TRIES - 1 - i))
    for response in answers[MAX_TRIES - 1 :]:
        body = _bilingual(response, 429, "recovery_locked")
        assert 0 < int(response.headers["Retry-After"]) <= 900 and "giây" in body["detail"]
    right = recovery.start(client, new, int(clock.now), {"nonce": nonce, "code": who.code})
    _bilingual(right, 429, "recovery_locked")  # the right code too, during the lock-out
    english = client.post(
        "/v1/recovery",
        json={"name": "x", "device_jwk": crypto.public_jwk(new), "nonce": nonce, "code": who.code},
        headers={
            "DPoP": crypto.make_dpop_proof(new, "POST", BASE + "/v1/recovery", now=int(clock.now)),
            "Accept-Language": "en",
        },
    )
    assert "Try again in" in _bilingual(english, 429, "recovery_locked")["detail"]
    assert who.snapshot() == before
    clock.now += 901
    nonce = recovery.nonce(client, who.cccd)  # the first one is older than its ten minutes now
    started = recovery.start(client, new, int(clock.now), {"nonce": nonce, "code": who.code.lower()})
    assert started.status_code == 201, started.text
    assert started.json()["method"] == "code"
    # Single use: the code is spent; a second device cannot start with it. Cancelling shows a new one.
    assert who.phone.login().status_code == 200
    assert who.phone.call("POST", f"/v1/me/recovery/{started.json()['recovery_id']}/cancellation").json()[
        "recovery_code"
    ]
    n2 = recovery.nonce(client, who.cccd)
    _bilingual(
        recovery.start(
            client, crypto.generate_private_key(), int(clock.now), {"nonce": n2, "code": who.code}
        ),
        422,
        "wrong_recovery_code",
    )


def test_the_new_code_replaces_the_used_one(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    new = crypto.generate_private_key()
    started = recovery.start(
        client, new, int(clock.now), {"nonce": recovery.nonce(client, who.cccd), "code": who.code}
    )
    assert started.status_code == 201, started.text
    clock.now += DAY
    done = recovery.status(client, new, started.json()["recovery_id"], int(clock.now)).json()
    assert done["status"] == "completed"
    newer = crypto.generate_private_key()
    old_code = {"nonce": recovery.nonce(client, who.cccd), "code": who.code}
    _bilingual(recovery.start(client, newer, int(clock.now), old_code), 422, "wrong_recovery_code")
    again = recovery.start(
        client, newer, int(clock.now), {"nonce": old_code["nonce"], "code": done["recovery_code"]}
    )
    assert again.status_code == 201, again.text


def test_two_recoveries_racing_one_wins(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    devices = [crypto.generate_private_key() for _ in range(2)]
    proofs = []
    for device in devices:
        nonce = recovery.nonce(client, who.cccd)
        proofs.append({"nonce": nonce, "assertion": idp.assertion(who.cccd, nonce, device, int(clock.now))})
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda i: recovery.start(client, devices[i], int(clock.now), proofs[i]), range(2))
        )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    _bilingual(next(a for a in answers if a.status_code == 409), 409, "recovery_pending")
    assert who.actions() == ["recovery-start"]


def test_recovery_codes_do_not_exist_in_strict_mode(settings: Settings) -> None:
    from dataclasses import replace

    strict = replace(settings, mode="strict")
    initialise(strict)
    with TestClient(create_app(strict, clock=Clock(T0)), base_url=BASE) as client:
        cccd, _ = valid_cccd()
        nonce = recovery.nonce(client, cccd)
        answer = recovery.start(
            client, crypto.generate_private_key(), T0, {"nonce": nonce, "code": "AAAAA-BBBBB-CCCCC-DDDDD"}
        )
        _bilingual(answer, 403, "recovery_code_unavailable")


def test_recovery_problems_read_in_both_languages(world: Any) -> None:
    client, _ = world
    for code, (status, title_vi, title_en, detail_vi, detail_en) in RECOVERY_PROBLEMS.items():
        assert title_vi != title_en and detail_vi != detail_en, code
        assert 400 <= status < 500
    english = client.post(
        "/v1/recovery",
        json={"name": "x", "device_jwk": {}, "nonce": "n", "code": "c"},
        headers={"Accept-Language": "en"},
    )
    assert_problem(english)


def _issuer(world: Any, agency_id: str = "so-tu-phap") -> AgencyClient:
    client, clock = world
    key = crypto.generate_private_key()
    since = dt.datetime.fromtimestamp(T0 - DAY, tz=dt.UTC)
    client.app.state.services.agencies.register(
        agency_id, f"Sở Tư pháp {agency_id}", ["issuer"], ["birth-certificate"],
        {"keys": [{**crypto.public_jwk(key), "kid": "k1"}]}, since, since + dt.timedelta(days=3650),
    )  # fmt: skip
    transport = asgi.TestClientTransport(client)
    return AgencyClient(
        BASE, agency_id, key, kid="k1", clock=clock, transport=transport, accept_language="en"
    )


def _held(phone: Phone) -> dict[str, dict[str, Any]]:
    response = phone.call("GET", "/v1/me/credentials")
    assert response.status_code == 200, response.text
    return {c["id"]: c for c in response.json()["items"]}


def test_credentials_follow_the_citizen_through_the_reissue_queue(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    issuer, stranger = _issuer(world), _issuer(world, "so-tu-phap-khac")
    old_id = issuer.issue_credential(who.cccd, issuer.sign_credential(who.cccd, BIRTH_VCT, BIRTH_CLAIMS))[
        "credential_id"
    ]
    assert issuer.reissue_queue() == []  # bound to a device the citizen holds: nothing to do
    new = crypto.generate_private_key()
    recovery_id = _by_idp(world, idp, who, new).json()["recovery_id"]
    assert issuer.reissue_queue() == []  # not before the recovery completes
    clock.now += DAY
    assert recovery.status(client, new, recovery_id, int(clock.now)).json()["status"] == "completed"
    phone = Phone(client, clock, who.phone.citizen_id, new)
    assert phone.login().status_code == 200
    assert _held(phone)[old_id]["needs_reissue"] is True
    issuer.token = stranger.token = None  # log in again on the moved clock
    assert stranger.reissue_queue() == []  # another issuer sees nothing of it
    [item] = issuer.reissue_queue()
    assert item["credential_id"] == old_id and item["cccd"] == who.cccd and item["claims"] == BIRTH_CLAIMS
    assert crypto.jwk_thumbprint(item["holder_jwk"]) == crypto.jwk_thumbprint(crypto.public_jwk(new))
    # Refused, changing nothing: another issuer; changed claims; an unknown credential.
    before = (phone.log_size(), _held(phone))
    with pytest.raises(AgencyApiError) as refused:
        stranger.reissue(item)
    assert refused.value.code == "reissue_not_found" and "re-issued already" in refused.value.detail
    with pytest.raises(AgencyApiError) as refused:
        issuer.reissue({**item, "claims": {**BIRTH_CLAIMS, "full_name": "Nguyễn Văn Giả"}})
    assert refused.value.code == "invalid_request"
    with pytest.raises(AgencyApiError) as refused:
        issuer.reissue({**item, "credential_id": "00000000-0000-4000-8000-000000000000"})
    assert refused.value.code == "reissue_not_found"
    assert (phone.log_size(), _held(phone)) == before
    result = issuer.reissue(item)
    assert result["replaces"] == old_id
    held = _held(phone)
    assert held[old_id]["status"] == "revoked"
    fresh = held[result["credential_id"]]
    assert fresh["needs_reissue"] is False and fresh["status"] == "valid"
    assert fresh["holder_jkt"] == crypto.jwk_thumbprint(crypto.public_jwk(new))
    assert issuer.reissue_queue() == []
    with pytest.raises(AgencyApiError) as refused:
        issuer.reissue(item)  # once only
    assert refused.value.code == "reissue_not_found"
    entries = phone.call("GET", "/v1/me/log").json()["entries"]
    actions = [crypto.json_object(e["data"])["action"] for e in entries]
    assert actions[-3:] == ["lookup", "issue", "credential-reissue"], actions
    assert "đã cấp lại" in entries[-1]["text_vi"] and "re-issued" in entries[-1]["text_en"]


def test_revoking_a_device_queues_the_credentials_bound_to_it(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    clock.now += 60  # the tablet is the newer device
    tablet = who.phone.pair("Máy tính bảng")
    issuer = _issuer(world)
    bound = issuer.issue_credential(who.cccd, issuer.sign_credential(who.cccd, BIRTH_VCT, BIRTH_CLAIMS))
    assert _held(who.phone)[bound["credential_id"]]["holder_jkt"] == crypto.jwk_thumbprint(
        crypto.public_jwk(tablet.key)
    )  # the newest device
    tablet_id = next(d["device_id"] for d in tablet.devices() if d["current"])
    assert who.phone.call("DELETE", f"/v1/me/devices/{tablet_id}").status_code == 204
    [item] = issuer.reissue_queue()
    assert crypto.jwk_thumbprint(item["holder_jwk"]) == crypto.jwk_thumbprint(
        crypto.public_jwk(who.phone.key)
    )
    assert issuer.reissue(item)["replaces"] == bound["credential_id"]


def test_consented_pulls_keep_working_through_a_recovery(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    issuer = _issuer(world)
    credential_id = issuer.issue_credential(
        who.cccd, issuer.sign_credential(who.cccd, BIRTH_VCT, BIRTH_CLAIMS)
    )["credential_id"]
    key = crypto.generate_private_key()
    since = dt.datetime.fromtimestamp(T0 - DAY, tz=dt.UTC)
    client.app.state.services.agencies.register(
        "ubnd-hai-chau", "Ủy ban nhân dân phường Hải Châu", ["requester"], [],
        {"keys": [{**crypto.public_jwk(key), "kid": "k1"}]}, since, since + dt.timedelta(days=3650),
    )  # fmt: skip
    ward = ConsentingAgencyClient(
        BASE, "ubnd-hai-chau", key, kid="k1", clock=clock, transport=asgi.TestClientTransport(client)
    )
    asked = ward.request_consent(
        who.cccd,
        purpose="Đăng ký khai sinh",
        procedure_code="1.001193",
        case_number="HS-1",
        max_uses=3,
        items=[{"type": "birth-certificate"}],
    )
    item = {"item": 0, "kind": "credential", "id": credential_id}
    token = decision(who.phone.key, asked["id"], "approve", [item], iat=int(clock.now))
    path = f"/v1/me/consents/{asked['id']}/decision"
    answer = who.phone.call("POST", path, json={"decision": token})
    assert answer.status_code == 200, answer.text
    assert ward.pull_credential(asked["id"], credential_id)  # before
    new = crypto.generate_private_key()
    recovery_id = _by_idp(world, idp, who, new).json()["recovery_id"]
    assert ward.pull_credential(asked["id"], credential_id)  # while pending
    clock.now += DAY
    assert recovery.status(client, new, recovery_id, int(clock.now)).json()["status"] == "completed"
    ward.token = None  # log in again on the moved clock
    assert ward.pull_credential(asked["id"], credential_id)  # after: no key binding needed


EXPIRE = 7 * DAY  # WALLET_RECOVERY_EXPIRE_SECONDS' default


def test_collect_expires_a_recovery_whose_new_device_never_came_back(world: Any) -> None:
    client, clock = world
    services = client.app.state.services
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    new = crypto.generate_private_key()
    recovery_id = _by_idp(world, idp, who, new).json()["recovery_id"]
    clock.now += DAY + EXPIRE - 1  # due, but the new device may still come back
    assert services.recovery.expire_stale() == 0
    assert who.phone.login().status_code == 200  # logged in again on the moved clock
    assert who.phone.call("GET", "/v1/me").json()["pending_recovery"]["recovery_id"] == recovery_id
    clock.now += 1
    assert services.recovery.expire_stale() == 1
    assert services.recovery.expire_stale() == 0  # once
    assert who.phone.login().status_code == 200
    assert who.phone.call("GET", "/v1/me").json().get("pending_recovery") is None  # announced no longer
    entries = who.phone.call("GET", "/v1/me/log").json()["entries"]
    assert crypto.json_object(entries[-1]["data"])["action"] == "recovery-expire"
    assert "đã hết hạn" in entries[-1]["text_vi"] and "never came back" in entries[-1]["text_en"]
    late = recovery.status(client, new, recovery_id, int(clock.now))  # too late: it did not complete
    assert late.status_code == 200 and late.json()["status"] == "expired", late.text
    _bilingual(Phone(client, clock, who.phone.citizen_id, new).login(), 401, "invalid_client")
    assert who.phone.login().status_code == 200  # the wallet is unchanged
    again = _by_idp(world, idp, who, crypto.generate_private_key())  # no longer blocks another one
    assert again.status_code == 201, again.text


def test_a_new_device_coming_back_too_late_finds_its_recovery_expired(world: Any) -> None:
    client, clock = world
    who, idp = Citizen(client, clock), recovery.Idp.registered(client, "vneid-test", now=clock.now)
    new = crypto.generate_private_key()
    recovery_id = _by_idp(world, idp, who, new).json()["recovery_id"]
    clock.now += DAY + EXPIRE  # no collect ran: the rule does not wait for it
    assert recovery.status(client, new, recovery_id, int(clock.now)).json()["status"] == "expired"
    assert who.phone.login().status_code == 200
    assert [d["revoked_at"] for d in who.phone.devices()] == [None]
    assert who.actions()[-1] == "recovery-expire"
