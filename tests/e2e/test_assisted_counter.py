"""The assisted route for a citizen with no smartphone, whole: enrolment at the counter, consents
answered with the PIN, a lost card, and the purge of old visits. In-process on a pinned clock,
embedded and PostgreSQL + S3.

A wallet enrolled at the counter has no device key; its card's PDF carries a QR (decoded here with
a real decoder) that names the wallet and nothing else. A CCCD that already has a wallet gets the
same answer: its card re-issued when the PIN is the wallet's PIN, a card that opens nothing
otherwise. Consents are answered with the PIN during a live visit; the wallet service signs the
decision for the citizen and the receipt says so; the requesting agency then pulls as usual.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crypto
from tests.support import recovery
from tests.support.hostile import assert_refused as _refused
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, office
from tests.support.pdf import qr_of
from tests.support.raw import valid_cccd
from wallet_api.settings import Settings

PIN, OTHER_PIN = "482915", "730264"
BIRTH = "birth-certificate"
BIRTH_PROCEDURE = "1.001193"
DAY = 86400


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[Office]:
    with office(settings) as opened:
        yield opened


def _enrol(desk: Actor, cccd: str, dob: str, pin: str = PIN, again: str | None = None, **extra: Any) -> Any:
    body = {
        "cccd": cccd,
        "full_name": "Cụ Hoàng Văn Thụ",
        "date_of_birth": dob,
        "pin": pin,
        "pin_again": pin if again is None else again,
        "officer_id": "CB-0042",
        **extra,
    }
    return desk.call("POST", "/v1/agency/enrolments", json=body)


def _visit(desk: Actor, card: str) -> Any:
    return desk.call("POST", "/v1/agency/visits", json={"card": card, "officer_id": "CB-0042"})


def _visit_id(desk: Actor, card: str) -> str:
    response = _visit(desk, card)
    assert response.status_code == 201, response.text
    return str(response.json()["visit_id"])


def _ask(agency: Actor, cccd: str) -> str:
    body = {
        "cccd": cccd,
        "purpose": "Đăng ký khai sinh cho cháu",
        "procedure_code": BIRTH_PROCEDURE,
        "case_number": "HS-2027-0042",
        "items": [{"type": BIRTH}],
        "valid_for_seconds": 3600,
        "max_uses": 2,
        "retention_days": 30,
    }
    return str(agency.ok("POST", "/v1/agency/consents", 201, json=body)["id"])


def test_enrolment_at_the_counter_makes_a_wallet_with_no_device_and_a_card(world: Office) -> None:
    desk, issuer = world.agency(["assistant"], "UBND phường Hải Châu"), world.agency(["issuer", "requester"])
    cccd, dob = valid_cccd(birth_year=1942)
    _refused(_enrol(issuer, cccd, dob), 403, "forbidden_role")
    _refused(_enrol(desk, cccd, dob, again="482916"), 422, "pins_differ")
    _refused(_enrol(desk, cccd, dob, pin="12345"), 422, "invalid_pin")
    _refused(_enrol(desk, "0123", dob), 422, "invalid_cccd")
    _refused(_enrol(desk, cccd, dob, extra="x"), 400, "invalid_request")

    made = _enrol(desk, cccd, dob)
    assert made.status_code == 201, made.text
    body = made.json()
    assert set(body) == {"card", "card_pdf", "recovery_code"} and body["recovery_code"]
    pdf = base64.b64decode(body["card_pdf"])
    assert pdf.startswith(b"%PDF-") and b"DejaVuSans" in pdf
    assert qr_of(pdf).decode("ascii") == body["card"]  # the printed QR is the card
    payload = crypto.b64url_decode(body["card"].split(".")[1]).decode()
    assert cccd not in payload and "Hoàng" not in payload and set(json.loads(payload)) == {"card", "iat"}

    visit = _visit_id(desk, body["card"])  # the card works, and the PIN typed at the counter
    listed = desk.call("POST", f"/v1/agency/visits/{visit}/consents", json={"pin": PIN})
    assert listed.status_code == 200 and listed.json() == []
    # No device key: an issuer cannot bind a credential to one (the same answer as for no wallet).
    _refused(
        issuer.call("POST", "/v1/agency/holder-keys", json={"cccd": cccd, "type": BIRTH}),
        404,
        "citizen_not_found",
    )


def test_an_existing_wallet_gets_the_same_answer_and_its_card_only_with_its_pin(world: Office) -> None:
    desk = world.agency(["assistant"], "UBND phường Hải Châu")
    phone = world.citizen(name="Trần Thị Bình")
    assert phone.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    old_card = str(phone.ok("GET", "/v1/me/card")["card"])
    dob = phone.ok("GET", "/v1/me")["date_of_birth"]

    wrong = _enrol(desk, phone.cccd, dob, pin=OTHER_PIN)
    assert wrong.status_code == 201 and set(wrong.json()) == {"card", "card_pdf", "recovery_code"}
    _refused(_visit(desk, wrong.json()["card"]), 410, "card_replaced")  # a decoy: opens nothing
    assert _visit(desk, old_card).status_code == 201  # the wallet's card is unchanged

    right = _enrol(desk, phone.cccd, dob, pin=PIN)
    assert right.status_code == 201 and set(right.json()) == set(wrong.json())
    new_card = right.json()["card"]
    assert _visit(desk, new_card).status_code == 201  # re-issued, PIN-confirmed
    _refused(_visit(desk, old_card), 410, "card_replaced")

    entries = phone.log()
    refused = [e for e in entries if e["entry"]["action"] == "card-refused"]
    issued = [e for e in entries if e["entry"]["action"] == "card-issue"]
    assert len(refused) == 1 and "CB-0042" in refused[0]["entry"]["agency_name"]
    assert "mã PIN không khớp" in refused[0]["text_vi"]
    assert len(issued) == 1 and "Cấp lại thẻ tại quầy" in issued[0]["text_vi"]
    # Wrong PINs count towards the lock-out (the right one reset the run): five and the card locks.
    for _ in range(5):
        assert _enrol(desk, phone.cccd, dob, pin=OTHER_PIN).status_code == 201
    visit = _visit_id(desk, new_card)
    _refused(desk.call("POST", f"/v1/agency/visits/{visit}/consents", json={"pin": PIN}), 429, "pin_locked")
    locked = _enrol(desk, phone.cccd, dob, pin=PIN)  # the right PIN during the lock-out: a decoy too
    assert locked.status_code == 201
    _refused(_visit(desk, locked.json()["card"]), 410, "card_replaced")


def test_a_wallet_with_no_device_joins_with_a_phone_by_recovery(world: Office) -> None:
    desk = world.agency(["assistant"])
    cccd, dob = valid_cccd(birth_year=1950)
    made = _enrol(desk, cccd, dob).json()
    phone = crypto.generate_private_key()
    nonce = recovery.nonce(world.client, cccd)
    started = recovery.start(
        world.client, phone, int(world.clock.now), {"nonce": nonce, "code": made["recovery_code"]}
    )
    assert started.status_code == 201, started.text
    world.clock.now += DAY
    done = recovery.status(world.client, phone, started.json()["recovery_id"], int(world.clock.now))
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text
    joined = Actor(world.client, world.clock, done.json()["citizen_id"], phone, cccd=cccd)
    joined.login()
    devices = joined.ok("GET", "/v1/me/devices")["items"]
    assert [d["how_added"] for d in devices] == ["recovery"]  # no enrolment device ever existed
    assert joined.ok("GET", "/v1/me")["cccd"] == cccd
    actions = [e["entry"]["action"] for e in joined.log()]
    assert actions[0] == "card-issue" and "recovery-start" in actions and "recovery-complete" in actions
    assert _visit(desk, made["card"]).status_code == 201  # the card still works beside the phone


def test_consents_are_answered_at_the_counter_with_the_pin(world: Office) -> None:
    desk, other_desk = world.agency(["assistant"], "UBND phường Hải Châu"), world.agency(["assistant"])
    asking = world.agency(["requester"], "Sở Tư pháp Đà Nẵng")
    citizen = world.citizen(birth_year=1945, name="Cụ Lê Văn Tám")
    assert citizen.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    card = str(citizen.ok("GET", "/v1/me/card")["card"])
    doc = citizen.upload(BIRTH)
    approve_me, deny_me = _ask(asking, citizen.cccd), _ask(asking, citizen.cccd)
    stranger = world.citizen()
    theirs = _ask(asking, stranger.cccd)

    visit = _visit_id(desk, card)
    base = f"/v1/agency/visits/{visit}/consents"
    _refused(desk.call("POST", base, json={"pin": OTHER_PIN}), 403, "wrong_pin")
    _refused(other_desk.call("POST", base, json={"pin": PIN}), 404, "visit_not_found")
    _refused(asking.call("POST", base, json={"pin": PIN}), 403, "forbidden_role")
    pending = desk.ok("POST", base, json={"pin": PIN})
    assert sorted(c["id"] for c in pending) == sorted([approve_me, deny_me])
    assert pending[0]["items"][0]["candidates"][0]["id"] == doc

    items = [{"item": 0, "kind": "document", "id": doc}]
    decide = f"{base}/{approve_me}/decision"
    _refused(
        desk.call("POST", decide, json={"pin": OTHER_PIN, "decision": "approve", "items": items}),
        403,
        "wrong_pin",
    )
    _refused(
        desk.call("POST", f"{base}/{theirs}/decision", json={"pin": PIN, "decision": "deny"}),
        404,
        "consent_not_found",
    )  # another citizen's consent
    other_doc = [{"item": 0, "kind": "document", "id": stranger.upload(BIRTH)}]
    _refused(
        desk.call("POST", decide, json={"pin": PIN, "decision": "approve", "items": other_doc}),
        422,
        "approval_exceeds_request",
    )
    answered = desk.ok("POST", decide, json={"pin": PIN, "decision": "approve", "items": items})
    receipt = answered["receipt"]
    assert receipt["state"] == "approved" and receipt["pii_principal"]["device_key_thumbprint"] is None
    by = receipt["decided_by"]
    assert by["method"] == "assisted" and by["office"] == desk.client_id and by["visit"] == visit
    assert by["officer"] == "CB-0042" and by["office_name"] == "UBND phường Hải Châu"
    jwks = world.client.get("/.well-known/jwks.json").json()["keys"]
    kid = json.loads(crypto.b64url_decode(receipt["decision_jws"].split(".")[0]))["kid"]
    key = crypto.public_key_from_jwk(next(k for k in jwks if k["kid"] == kid))
    decision = crypto.verify_jws(receipt["decision_jws"], key, typ="consent-decision+jwt")
    assert decision["method"] == "assisted" and decision["sub"] == citizen.client_id
    _refused(desk.call("POST", decide, json={"pin": PIN, "decision": "deny"}), 409, "consent_already_decided")
    assert (
        desk.ok("POST", f"{base}/{deny_me}/decision", json={"pin": PIN, "decision": "deny"})["receipt"][
            "state"
        ]
        == "denied"
    )

    pulled = asking.call("GET", f"/v1/agency/consents/{approve_me}/documents/{doc}")
    assert pulled.status_code == 200 and pulled.content.startswith(b"%PDF-")  # pulled as usual
    _refused(asking.call("GET", f"/v1/agency/consents/{deny_me}/documents/{doc}"), 403, "consent_denied")
    assert citizen.ok("GET", f"/v1/me/consents/{approve_me}/receipt")["receipt"]["decided_by"] == by
    assert desk.ok("POST", f"/v1/agency/visits/{visit}/end")["consents"] == [approve_me, deny_me]
    printed = desk.call("GET", f"/v1/agency/visits/{visit}/receipt").content
    checked = world.client.post("/v1/visit-receipts/check", json={"receipt": qr_of(printed).decode("ascii")})
    assert checked.status_code == 200 and checked.json()["consents"] == [approve_me, deny_me]

    decided = [e for e in citizen.log() if e["entry"]["action"] == "decide"]
    assert len(decided) == 2 and all("CB-0042" in e["entry"]["agency_name"] for e in decided)
    assert "UBND phường Hải Châu (cán bộ / officer CB-0042) đã trả lời" in decided[0]["text_vi"]
    assert not [e for e in stranger.log() if e["entry"]["agency_id"] == desk.client_id]

    # Nothing after the visit: ended, or its 15 minutes run out.
    _refused(desk.call("POST", base, json={"pin": PIN}), 410, "visit_ended")
    again = _visit_id(desk, card)
    later = _ask(asking, citizen.cccd)
    world.clock.now += 901
    _refused(
        desk.call(
            "POST",
            f"/v1/agency/visits/{again}/consents/{later}/decision",
            json={"pin": PIN, "decision": "deny"},
        ),
        410,
        "visit_ended",
    )


def test_a_lost_card_is_replaced_and_the_old_one_refused_everywhere(world: Office) -> None:
    desk = world.agency(["assistant"], "UBND phường Hải Châu")
    citizen = world.citizen()
    assert citizen.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    first = str(citizen.ok("GET", "/v1/me/card")["card"])
    left_open = _visit_id(desk, first)

    second = str(citizen.ok("POST", "/v1/me/card/rotation")["card"])  # from the citizen's phone
    assert second != first and citizen.ok("GET", "/v1/me/card")["card"].split(".")[1] != first.split(".")[1]
    problem = _refused(_visit(desk, first), 410, "card_replaced")
    assert "thẻ mới" in problem["detail"]
    _refused(
        desk.call("POST", f"/v1/agency/visits/{left_open}/consents", json={"pin": PIN}), 410, "visit_ended"
    )

    visit = _visit_id(desk, second)
    _refused(desk.call("POST", f"/v1/agency/visits/{visit}/card", json={"pin": OTHER_PIN}), 403, "wrong_pin")
    _refused(
        world.agency(["assistant"]).call("POST", f"/v1/agency/visits/{visit}/card", json={"pin": PIN}),
        404,
        "visit_not_found",
    )
    at_counter = desk.ok("POST", f"/v1/agency/visits/{visit}/card", json={"pin": PIN})
    assert at_counter["recovery_code"] is None
    assert qr_of(base64.b64decode(at_counter["card_pdf"])).decode("ascii") == at_counter["card"]
    _refused(_visit(desk, second), 410, "card_replaced")
    assert (
        desk.ok("POST", f"/v1/agency/visits/{visit}/consents", json={"pin": PIN}) == []
    )  # this visit goes on
    assert _visit(desk, at_counter["card"]).status_code == 201
    forged = crypto.sign_jws(
        crypto.generate_private_key(), {"card": "x", "iat": desk.now}, typ="wallet-card+jwt"
    )
    _refused(_visit(desk, forged), 422, "invalid_card")  # not ours: still the forged-card answer

    issued = [e for e in citizen.log() if e["entry"]["action"] == "card-issue"]
    assert len(issued) == 2
    assert issued[0]["entry"]["agency_id"].startswith("device:")  # the phone that asked, by its id
    assert "Đổi thẻ từ điện thoại" in issued[0]["text_vi"] and "CB-0042" in issued[1]["entry"]["agency_name"]


def test_collect_purges_visits_past_their_retention_in_batches(world: Office) -> None:
    desk = world.agency(["assistant"])
    citizen = world.citizen()
    assert citizen.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    card = str(citizen.ok("GET", "/v1/me/card")["card"])
    doc = citizen.upload(BIRTH)
    old = [_visit_id(desk, card) for _ in range(5)]
    opened = desk.call(
        "POST", f"/v1/agency/visits/{old[0]}/documents", json={"pin": PIN, "document_ids": [doc]}
    )
    assert opened.status_code == 200
    before = len(citizen.log())
    world.clock.now += 89 * DAY
    recent = _visit_id(desk, card)
    world.clock.now += DAY + 901  # the first five ended more than 90 days ago; the last one a day ago
    assist = world.app.state.services.assist
    assert assist.purge_visits(dt.timedelta(days=90), batch=2) == 5  # three batches: 2, 2, 1
    assert assist.purge_visits(dt.timedelta(days=90), batch=2) == 0
    for gone in old:
        _refused(desk.call("GET", f"/v1/agency/visits/{gone}/receipt"), 404, "visit_not_found")
    assert desk.call("GET", f"/v1/agency/visits/{recent}/receipt").status_code == 200
    assert len(citizen.log()) == before + 1  # the log keeps every entry (the one more: the recent visit)
