"""What an office does at the counter and its entry in the citizen's log land together or not at all.

Each counter step that changes something (the wallet made at enrolment, a visit opened, documents
opened for it, a consent answered, a card replaced) used to commit first and append its log entry
in a second transaction: a failed append, or a process dying in between, left the change without
the line that tells the citizen about it. Now each is one transaction with its entry.

The append is made to fail for real: the citizen's stored log head no longer matches its tree, so
every append is refused as corrupted (500 ``access_log_corrupted``). Then nothing of the step may
be in the database; once the head is mended, the same step goes through and is logged exactly
once. In-process on a pinned clock, embedded and PostgreSQL + S3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import crypto
from tests.support.broken_log import assert_corrupted, broken_log, log_size
from tests.support.hostile import assert_refused
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Actor, Office, office
from tests.support.raw import valid_cccd
from wallet_api.settings import Settings

PIN = "482915"
BIRTH = "birth-certificate"


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[Office]:
    with office(settings) as opened:
        yield opened


def _engine(world: Office) -> Engine:
    engine: Engine = world.app.state.services.ctx.metadata.engine
    return engine


def _visit_row(engine: Engine, visit_id: str) -> tuple[list[str], list[str]]:
    """(documents opened, consents answered) as stored."""
    with engine.connect() as connection:
        documents, consents = connection.execute(
            text("SELECT documents, consents FROM visits WHERE id = :v"), {"v": visit_id}
        ).one()
    return json.loads(documents or "[]"), json.loads(consents or "[]")


def _citizen_at_the_counter(world: Office) -> tuple[Actor, Actor, str]:
    """A citizen with a PIN and a card, an assistant office, and a live visit of theirs."""
    citizen = world.citizen(birth_year=1944, name="Cụ Nguyễn Thị Định")
    assert citizen.call("PUT", "/v1/me/assist-pin", json={"pin": PIN}).status_code == 204
    card = str(citizen.ok("GET", "/v1/me/card")["card"])
    desk = world.agency(["assistant"], "UBND phường Hải Châu")
    visit = desk.ok("POST", "/v1/agency/visits", 201, json={"card": card, "officer_id": "CB-0042"})
    citizen.log()  # the log exists (the visit's entry) before it is broken
    return citizen, desk, str(visit["visit_id"])


def _card_id(citizen: Actor) -> str:
    """The card id the citizen's current card names."""
    signed = str(citizen.ok("GET", "/v1/me/card")["card"])
    return str(json.loads(crypto.b64url_decode(signed.split(".")[1]))["card"])


def _entries(citizen: Actor, action: str) -> list[dict[str, object]]:
    return [e for e in citizen.log() if e["entry"]["action"] == action]


def test_a_consent_answered_at_the_counter_is_not_kept_without_its_log_entry(world: Office) -> None:
    citizen, desk, visit = _citizen_at_the_counter(world)
    asking = world.agency(["requester"], "Sở Tư pháp Đà Nẵng")
    body = {
        "cccd": citizen.cccd,
        "purpose": "Đăng ký khai sinh cho cháu",
        "procedure_code": "1.001193",
        "case_number": "HS-2027-0042",
        "items": [{"type": BIRTH}],
        "valid_for_seconds": 3600,
        "max_uses": 1,
        "retention_days": 30,
    }
    consent = str(asking.ok("POST", "/v1/agency/consents", 201, json=body)["id"])
    engine = _engine(world)
    size = log_size(engine, citizen.client_id)
    decide = f"/v1/agency/visits/{visit}/consents/{consent}/decision"

    with broken_log(engine, citizen.client_id):
        failed = desk.call("POST", decide, json={"pin": PIN, "decision": "deny"})
        assert_corrupted(failed)
    assert citizen.ok("GET", f"/v1/me/consents/{consent}")["state"] == "pending"  # not decided
    assert _visit_row(engine, visit) == ([], [])  # not on the visit's receipt either
    assert log_size(engine, citizen.client_id) == size

    answered = desk.ok("POST", decide, json={"pin": PIN, "decision": "deny"})  # mended: it goes through
    assert answered["receipt"]["state"] == "denied"
    assert _visit_row(engine, visit) == ([], [consent])
    [entry] = _entries(citizen, "decide")
    assert entry["entry"]["consent_id"] == consent  # type: ignore[index]
    assert log_size(engine, citizen.client_id) == size + 1


def test_documents_are_not_opened_for_a_visit_without_their_log_entries(world: Office) -> None:
    citizen, desk, visit = _citizen_at_the_counter(world)
    document = citizen.upload(BIRTH)
    engine = _engine(world)
    size = log_size(engine, citizen.client_id)
    opening = {"pin": PIN, "document_ids": [document]}

    with broken_log(engine, citizen.client_id):
        failed = desk.call("POST", f"/v1/agency/visits/{visit}/documents", json=opening)
        assert_corrupted(failed)
    assert _visit_row(engine, visit) == ([], [])
    content = f"/v1/agency/visits/{visit}/documents/{document}/content"
    assert_refused(desk.call("GET", content), 403, "document_not_opened")  # not opened: not readable
    assert log_size(engine, citizen.client_id) == size

    assert desk.ok("POST", f"/v1/agency/visits/{visit}/documents", json=opening)["documents"] == [document]
    assert desk.call("GET", content).status_code == 200
    opened = [e for e in _entries(citizen, "visit") if e["entry"]["resource_id"] == document]  # type: ignore[index]
    assert len(opened) == 1


def test_a_card_is_not_replaced_without_its_log_entry(world: Office) -> None:
    citizen, desk, visit = _citizen_at_the_counter(world)
    engine = _engine(world)
    before = _entries(citizen, "card-issue")
    size = log_size(engine, citizen.client_id)
    card = _card_id(citizen)

    with broken_log(engine, citizen.client_id):
        assert_corrupted(citizen.call("POST", "/v1/me/card/rotation"))
        failed = desk.call("POST", f"/v1/agency/visits/{visit}/card", json={"pin": PIN})
        assert_corrupted(failed)
    assert _card_id(citizen) == card  # the old card still stands
    assert log_size(engine, citizen.client_id) == size
    assert desk.ok("POST", f"/v1/agency/visits/{visit}/consents", json={"pin": PIN}) == []  # visit alive

    citizen.ok("POST", "/v1/me/card/rotation")
    assert _card_id(citizen) != card and len(_entries(citizen, "card-issue")) == len(before) + 1


def test_a_visit_is_not_opened_without_its_log_entry(world: Office) -> None:
    citizen, desk, _ = _citizen_at_the_counter(world)
    engine = _engine(world)
    card = str(citizen.ok("GET", "/v1/me/card")["card"])

    def visits() -> int:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM visits WHERE citizen_id = :c"), {"c": citizen.client_id}
            ).scalar_one()
        return int(count)

    opened = visits()
    with broken_log(engine, citizen.client_id):
        failed = desk.call("POST", "/v1/agency/visits", json={"card": card, "officer_id": "CB-0042"})
        assert_corrupted(failed)
    assert visits() == opened
    assert desk.ok("POST", "/v1/agency/visits", 201, json={"card": card, "officer_id": "CB-0042"})
    assert visits() == opened + 1


def test_a_wallet_made_at_the_counter_starts_with_its_card_entry(world: Office) -> None:
    """Enrolment at the counter: the wallet and its first log entry are one transaction."""
    desk = world.agency(["assistant"], "UBND phường Hải Châu")
    cccd, dob = valid_cccd(birth_year=1941)
    body = {
        "cccd": cccd,
        "full_name": "Cụ Hoàng Văn Thụ",
        "date_of_birth": dob,
        "pin": PIN,
        "pin_again": PIN,
        "officer_id": "CB-0042",
    }
    made = desk.call("POST", "/v1/agency/enrolments", json=body)
    assert made.status_code == 201, made.text
    engine = _engine(world)
    with engine.connect() as connection:
        citizen_id = connection.execute(
            text("SELECT citizen_id FROM assist_cards ORDER BY created_at DESC LIMIT 1")
        ).scalar_one()
    assert log_size(engine, str(citizen_id)) == 1
