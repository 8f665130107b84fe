"""The assisted route at a one-stop office, on a pinned clock, embedded and PostgreSQL + S3.

A citizen without a smartphone: their printed card's QR (a signed, opaque card
id) opens a visit for an officer of an ``assistant`` agency; the citizen types
their PIN on the office device to open documents for that visit; the office reads
only those, only while the visit lives (15 minutes); five wrong PINs lock it.
Every step is in the citizen's log with the office and the officer; the PDF
receipt's QR is decoded with a real decoder and verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import crypto
from tests.support.hostile import assert_refused as _refused
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, office
from tests.support.pdf import qr_of as _qr_of
from wallet_api.assisted.service import CARD_TYP
from wallet_api.settings import Settings

PIN = "482915"
BIRTH, MARRIAGE = "birth-certificate", "marriage-certificate"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[Office]:
    with office(settings) as opened:
        yield opened


def _citizen_with_card(world: Office) -> tuple[Actor, str]:
    citizen = world.citizen(birth_year=1940, name="Cụ Hoàng Văn Thụ")
    assert citizen.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    return citizen, str(citizen.ok("GET", "/v1/me/card")["card"])


def _visit(office_: Actor, card: str, officer: str = "CB-0042") -> str:
    body = {"card": card, "officer_id": officer}
    return str(office_.ok("POST", "/v1/agency/visits", 201, json=body)["visit_id"])


def _open(office_: Actor, visit: str, pin: str, *docs: str) -> Any:
    return office_.call(
        "POST", f"/v1/agency/visits/{visit}/documents", json={"pin": pin, "document_ids": list(docs)}
    )


def test_the_office_reads_only_what_the_citizen_opened_for_the_visit(world: Office) -> None:
    citizen, card = _citizen_with_card(world)
    birth, marriage = citizen.upload(BIRTH), citizen.upload(MARRIAGE)
    desk, other_desk = world.agency(["assistant"], "UBND phường Hải Châu"), world.agency(["assistant"])
    issuer = world.agency(["issuer", "requester"])

    payload = crypto.b64url_decode(card.split(".")[1]).decode()
    assert citizen.client_id not in payload and citizen.cccd not in payload and "Hoàng" not in payload
    _refused(
        issuer.call("POST", "/v1/agency/visits", json={"card": card, "officer_id": "x"}),
        403,
        "forbidden_role",
    )
    forged = crypto.sign_jws(crypto.generate_private_key(), {"card": "x", "iat": desk.now}, typ=CARD_TYP)
    _refused(
        desk.call("POST", "/v1/agency/visits", json={"card": forged, "officer_id": "x"}), 422, "invalid_card"
    )

    visit = _visit(desk, card)
    path = f"/v1/agency/visits/{visit}/documents/{birth}/content"
    _refused(desk.call("GET", path), 403, "document_not_opened")
    opened = _open(desk, visit, PIN, birth)
    assert opened.status_code == 200 and opened.json()["documents"] == [birth]
    content = desk.call("GET", path)
    assert content.status_code == 200 and content.content.startswith(b"%PDF-")
    _refused(
        desk.call("GET", f"/v1/agency/visits/{visit}/documents/{marriage}/content"),
        403,
        "document_not_opened",
    )
    _refused(other_desk.call("GET", path), 404, "visit_not_found")  # another office's visit
    _refused(_open(other_desk, visit, PIN, marriage), 404, "visit_not_found")
    _refused(issuer.call("GET", path), 403, "forbidden_role")
    stranger = world.citizen()
    _refused(_open(desk, visit, PIN, stranger.upload(BIRTH)), 404, "not_found")  # not the citizen's

    entries = citizen.log()
    by_office = [e for e in entries if e["entry"]["agency_id"] == desk.client_id]
    assert [e["entry"]["action"] for e in by_office] == ["visit", "visit", "read"]
    assert all("CB-0042" in e["entry"]["agency_name"] for e in by_office)
    assert "UBND phường Hải Châu (cán bộ / officer CB-0042) đã mở tại quầy một cửa" in by_office[1]["text_vi"]
    assert not [e for e in entries if e["entry"]["agency_id"] == other_desk.client_id]


def test_wrong_pins_lock_the_card_and_the_right_one_is_refused_meanwhile(world: Office) -> None:
    citizen, card = _citizen_with_card(world)
    doc = citizen.upload(BIRTH)
    desk = world.agency(["assistant"])
    visit = _visit(desk, card)
    for left in (4, 3, 2, 1):
        problem = _refused(_open(desk, visit, "000000", doc), 403, "wrong_pin")
        assert str(left) in problem["detail"]
    locked = _open(desk, visit, "111111", doc)
    _refused(locked, 429, "pin_locked")
    assert int(locked.headers["Retry-After"]) == 900
    _refused(_open(desk, visit, PIN, doc), 429, "pin_locked")  # the right PIN too, during the lock-out
    _refused(_open(desk, visit, "12ab", doc), 429, "pin_locked")
    assert desk.ok("POST", f"/v1/agency/visits/{visit}/end")["documents"] == []

    world.clock.now += 901  # the lock is over (and that visit too)
    visit = _visit(desk, card)
    assert _open(desk, visit, PIN, doc).status_code == 200
    for _ in range(4):
        _refused(_open(desk, visit, "999999", doc), 403, "wrong_pin")  # the count started again
    _refused(citizen.call("PUT", "/v1/me/assist-pin", json={"pin": "12345"}), 422, "invalid_pin")


def test_nothing_can_be_done_after_the_visit_ends(world: Office) -> None:
    citizen, card = _citizen_with_card(world)
    doc = citizen.upload(BIRTH)
    desk = world.agency(["assistant"])
    visit = _visit(desk, card)
    assert _open(desk, visit, PIN, doc).status_code == 200
    path = f"/v1/agency/visits/{visit}/documents/{doc}/content"
    world.clock.now += 899
    assert desk.call("GET", path).status_code == 200
    world.clock.now += 2  # 15 minutes are over
    _refused(desk.call("GET", path), 410, "visit_ended")
    _refused(_open(desk, visit, PIN, doc), 410, "visit_ended")

    again = _visit(desk, card)
    assert _open(desk, again, PIN, doc).status_code == 200
    desk.ok("POST", f"/v1/agency/visits/{again}/end")
    _refused(desk.call("GET", f"/v1/agency/visits/{again}/documents/{doc}/content"), 410, "visit_ended")
    _refused(desk.call("POST", f"/v1/agency/visits/{again}/end"), 410, "visit_ended")


def test_the_pdf_receipt_in_vietnamese_carries_a_qr_anyone_can_check(world: Office) -> None:
    citizen, card = _citizen_with_card(world)
    doc = citizen.upload(BIRTH)
    desk = world.agency(["assistant"], "UBND phường Hải Châu")
    visit = _visit(desk, card, officer="CB-0007")
    assert _open(desk, visit, PIN, doc).status_code == 200
    response = desk.call("GET", f"/v1/agency/visits/{visit}/receipt")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and b"DejaVuSans" in pdf  # the embedded font carries the diacritics

    signed = _qr_of(pdf).decode("ascii")
    checked = world.client.post("/v1/visit-receipts/check", json={"receipt": signed})
    assert checked.status_code == 200, checked.text
    claims = checked.json()
    assert claims["visit"] == visit and claims["office"] == desk.client_id and claims["officer"] == "CB-0007"
    assert claims["office_name"] == "UBND phường Hải Châu" and claims["documents"] == ["Giấy khai sinh"]
    head, body, sig = signed.split(".")
    tampered = f"{head}.{crypto.b64url_encode(body.encode()[:-4] + b'AAAA')}.{sig}"
    _refused(
        world.client.post("/v1/visit-receipts/check", json={"receipt": tampered}),
        422,
        "invalid_visit_receipt",
    )
    _refused(
        world.agency(["assistant"]).call("GET", f"/v1/agency/visits/{visit}/receipt"), 404, "visit_not_found"
    )


def test_two_openings_racing_in_one_visit_both_land(world: Office) -> None:
    """The visit's lists change by compare-and-set: a write based on a list read before another
    change is refused by the store, and ``add_to_visit`` retries on the fresh list, so nothing a
    racing opening or answer added is overwritten (it used to be read, then written blindly)."""
    from wallet_api.assisted.errors import VisitEnded
    from wallet_api.assisted.service import add_to_visit

    citizen, card = _citizen_with_card(world)
    birth, marriage = citizen.upload(BIRTH), citizen.upload(MARRIAGE)
    desk = world.agency(["assistant"])
    visit = _visit(desk, card)
    ctx = world.app.state.services.ctx
    with ctx.metadata.unit_of_work(readonly=True) as uow:
        stale = uow.assist.visit(visit).documents  # read before the other opening
    assert _open(desk, visit, PIN, birth).json()["documents"] == [birth]
    with ctx.metadata.unit_of_work() as uow:  # a blind write on the stale list: refused
        assert uow.assist.set_visit_list(visit, "documents", f'["{marriage}"]', stale) is False
        assert uow.assist.set_visit_list(visit, "consents", '["c-1"]', "[]") is False  # never set
    assert add_to_visit(ctx, visit, "documents", [marriage]) == (birth, marriage)
    assert add_to_visit(ctx, visit, "consents", ["c-1"]) == ("c-1",)
    assert add_to_visit(ctx, visit, "consents", ["c-2", "c-1"]) == ("c-1", "c-2")
    assert desk.call("GET", f"/v1/agency/visits/{visit}/documents/{marriage}/content").status_code == 200
    desk.ok("POST", f"/v1/agency/visits/{visit}/end")
    with pytest.raises(VisitEnded):
        add_to_visit(ctx, visit, "documents", [birth])
