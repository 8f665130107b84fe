"""A citizen's rights request changed, or a breach notice told, and its log entry: together or not at all.

Each step of a deletion or correction request (asked by the citizen or by the wallet's sweep,
attested, re-issued, refused, escalated as overdue) and each citizen told of a breach used to
commit first and append the log entry in a second transaction: a failed append, or a process dying
in between, kept a change the citizen's log never mentioned. Now each is one transaction with its
entry.

The append is made to fail for real (``tests.support.broken_log``: the stored head off its tree,
500 ``access_log_corrupted``). Then nothing of the step may be in the database (rows read straight
from it), nor in the API's view (the citizen's and the agency's), nor in the log; mended, the same
step goes through and is logged exactly once. In-process on a pinned clock, embedded and
PostgreSQL + S3.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.e2e.test_rights_requests import (
    DAY,
    HOUR,
    Citizen,
    World,
    _ask_deletion,
    _consent,
    _credential,
    rights_world,
)
from tests.support.agencies import BIRTH_CLAIMS
from tests.support.broken_log import assert_corrupted, broken_log, log_size
from tests.support.consents import refused
from tests.support.inprocess import BACKENDS, backend_settings
from wallet_api.errors_consent import AccessLogCorrupted
from wallet_api.settings import Settings


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    with rights_world(settings) as opened:
        yield opened


def _engine(w: World) -> Engine:
    engine: Engine = w.services.ctx.metadata.engine
    return engine


def _requests(w: World, citizen: Citizen) -> list[tuple[str, str, str, bool]]:
    """(kind, origin, status, escalated) of every rights request of the citizen, as stored."""
    with _engine(w).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, origin, status, escalated_at FROM rights_requests"
                " WHERE citizen_id = :c ORDER BY created_at, id"
            ),
            {"c": citizen.id},
        ).all()
    return [
        (str(kind), str(origin), str(status), escalated is not None)
        for kind, origin, status, escalated in rows
    ]


def _entries(citizen: Citizen, action: str) -> list[dict[str, Any]]:
    return [d for d in (json.loads(e["data"]) for e in citizen.log()) if d["action"] == action]


def _size(w: World, citizen: Citizen) -> int:
    return log_size(_engine(w), citizen.id)


def _corrupted(call: Any) -> None:
    """An agency's call refused because the citizen's log could not take its entry."""
    problem = refused(call)
    assert (problem.status, problem.code) == (500, "access_log_corrupted"), problem


def test_a_deletion_request_is_not_kept_without_its_log_entry(world: World) -> None:
    w = world
    consent_id = _consent(w, w.alice)  # the pull under it: the log exists before it is broken
    size = _size(w, w.alice)

    with broken_log(_engine(w), w.alice.id):
        assert_corrupted(_ask_deletion(w.alice, consent_id, "Hồ sơ đã xong"))
    assert _requests(w, w.alice) == []
    assert w.alice.call("GET", "/v1/me/deletion-requests").json()["items"] == []
    assert w.ward.deletion_requests() == []  # the agency was never asked
    assert _size(w, w.alice) == size

    asked = _ask_deletion(w.alice, consent_id, "Hồ sơ đã xong")  # mended
    assert asked.status_code == 201, asked.text
    assert _requests(w, w.alice) == [("deletion", "citizen", "open", False)]
    assert [i["id"] for i in w.ward.deletion_requests()] == [asked.json()["id"]]
    assert [e["resource_id"] for e in _entries(w.alice, "deletion-asked")] == [asked.json()["id"]]
    assert _size(w, w.alice) == size + 1


@pytest.mark.parametrize("answer", ["attest", "refuse"])
def test_a_deletion_answer_is_not_kept_without_its_log_entry(world: World, answer: str) -> None:
    w = world
    asked = _ask_deletion(w.alice, _consent(w, w.alice)).json()
    size = _size(w, w.alice)

    def answered() -> dict[str, Any]:
        if answer == "attest":
            attestation = w.ward.sign_attestation(asked, what="Giấy khai sinh", copies=["Hồ sơ điện tử"])
            return w.ward.attest_deletion(asked["id"], attestation)
        return w.ward.refuse_deletion(asked["id"], "Điều 18 Nghị định 13/2023: lưu hồ sơ hộ tịch")

    with broken_log(_engine(w), w.alice.id):
        _corrupted(answered)
    assert _requests(w, w.alice) == [("deletion", "citizen", "open", False)]  # the answer not kept
    assert [i["id"] for i in w.ward.deletion_requests()] == [asked["id"]]  # still to answer
    assert _size(w, w.alice) == size

    done = answered()  # mended
    status, action = (
        ("answered", "deletion-attested") if answer == "attest" else ("refused", "deletion-refused")
    )
    assert done["status"] == status
    assert _requests(w, w.alice) == [("deletion", "citizen", status, False)]
    assert len(_entries(w.alice, action)) == 1
    assert _size(w, w.alice) == size + 1


def test_a_correction_request_is_not_kept_without_its_log_entry(world: World) -> None:
    w = world
    credential = _credential(w, w.alice)
    w.issuer.corrections()  # a lookup in her log: the log exists before it is broken
    size = _size(w, w.alice)
    path = f"/v1/me/credentials/{credential}/corrections"
    body = {"claim": "place_of_birth", "proposed": "Bệnh viện C Đà Nẵng"}

    with broken_log(_engine(w), w.alice.id):
        assert_corrupted(w.alice.call("POST", path, body))
    assert _requests(w, w.alice) == []
    assert w.alice.call("GET", "/v1/me/corrections").json()["items"] == []
    assert _size(w, w.alice) == size

    asked = w.alice.call("POST", path, body)  # mended
    assert asked.status_code == 201, asked.text
    assert _requests(w, w.alice) == [("correction", "citizen", "open", False)]
    assert [e["resource_id"] for e in _entries(w.alice, "correction-asked")] == [credential]
    assert _size(w, w.alice) == size + 1


@pytest.mark.parametrize("answer", ["reissue", "refuse"])
def test_a_correction_answer_is_not_kept_without_its_log_entry(world: World, answer: str) -> None:
    w = world
    old = _credential(w, w.alice)
    body = {"claim": "place_of_birth", "proposed": "Bệnh viện C Đà Nẵng"}
    asked = w.alice.call("POST", f"/v1/me/credentials/{old}/corrections", body).json()
    new = _credential(w, w.alice, {**BIRTH_CLAIMS, "place_of_birth": "Bệnh viện C Đà Nẵng"})
    size = _size(w, w.alice)

    def answered() -> dict[str, Any]:
        if answer == "reissue":
            return w.issuer.reissue_correction(asked["id"], new)
        return w.issuer.refuse_correction(asked["id"], "Giấy tờ gốc ghi nơi sinh khác")

    with broken_log(_engine(w), w.alice.id):
        _corrupted(answered)
    assert _requests(w, w.alice) == [("correction", "citizen", "open", False)]
    assert w.alice.call("GET", f"/v1/me/credentials/{old}").json()["status"] == "valid"  # not revoked
    assert _size(w, w.alice) == size

    done = answered()  # mended
    status, action = (
        ("answered", "correction-reissued") if answer == "reissue" else ("refused", "correction-refused")
    )
    assert done["status"] == status
    assert _requests(w, w.alice) == [("correction", "citizen", status, False)]
    revoked = answer == "reissue"
    assert w.alice.call("GET", f"/v1/me/credentials/{old}").json()["status"] == (
        "revoked" if revoked else "valid"
    )
    assert [e["resource_id"] for e in _entries(w.alice, action)] == [old]
    assert _size(w, w.alice) == size + 1


def test_the_wallet_does_not_ask_for_deletion_without_its_log_entry(world: World) -> None:
    """The sweep: Alice's log refusing leaves her consent unasked (next run asks), not Bob's."""
    w = world
    _consent(w, w.alice, retention_days=1)
    _consent(w, w.bob, retention_days=1)
    size = _size(w, w.alice)
    w.clock.now += 2 * DAY  # the retention promised has passed: the sweep asks for deletion

    with broken_log(_engine(w), w.alice.id):
        assert w.services.rights_sweep.run().auto_asked == 1  # Bob's only; the run is not stopped
    assert _requests(w, w.alice) == []
    assert _requests(w, w.bob) == [("deletion", "retention", "open", False)]
    assert _size(w, w.alice) == size

    assert w.services.rights_sweep.run().auto_asked == 1  # mended: Alice's, once
    assert w.services.rights_sweep.run().auto_asked == 0
    assert _requests(w, w.alice) == [("deletion", "retention", "open", False)]
    assert len(_entries(w.alice, "deletion-auto-asked")) == 1
    assert len(_entries(w.bob, "deletion-auto-asked")) == 1
    assert _size(w, w.alice) == size + 1


def test_an_overdue_request_is_not_escalated_without_its_log_entry(world: World) -> None:
    """The sweep: Alice's log refusing leaves her request unescalated (next run escalates), not Bob's."""
    w = world
    assert _ask_deletion(w.alice, _consent(w, w.alice)).status_code == 201
    assert _ask_deletion(w.bob, _consent(w, w.bob)).status_code == 201
    size = _size(w, w.alice)
    w.clock.now += 73 * HOUR  # past the deadline: the sweep escalates them

    with broken_log(_engine(w), w.alice.id):
        assert w.services.rights_sweep.run().escalated == 1  # Bob's only; the run is not stopped
    assert _requests(w, w.alice) == [("deletion", "citizen", "open", False)]  # not marked escalated
    assert _requests(w, w.bob) == [("deletion", "citizen", "open", True)]
    assert _size(w, w.alice) == size

    assert w.services.rights_sweep.run().escalated == 1  # mended: Alice's, once
    assert w.services.rights_sweep.run().escalated == 0
    assert _requests(w, w.alice) == [("deletion", "citizen", "open", True)]
    assert len(_entries(w.alice, "request-overdue")) == 1
    assert _size(w, w.alice) == size + 1


def test_no_citizen_is_told_of_a_breach_without_its_log_entry(world: World) -> None:
    """The citizens told in one transaction with their entries: one log refusing rolls back all."""
    w = world
    _credential(w, w.alice)  # issuing looked Alice up: her log exists before it is broken
    sizes = _size(w, w.alice), _size(w, w.bob)

    def record() -> int:
        _, told = w.services.incidents.record(
            title=("Sự cố thử", "A test incident"),
            detail=("Chi tiết", "Detail"),
            occurred_at=dt.datetime.fromtimestamp(w.clock.now - DAY, tz=dt.UTC),
            citizen_ids=[w.bob.id, w.alice.id],
        )
        return told

    def told(citizen: Citizen) -> int:
        with _engine(w).connect() as connection:
            count = connection.execute(
                text("SELECT count(*) FROM incident_citizens WHERE citizen_id = :c"), {"c": citizen.id}
            ).scalar_one()
        return int(count)

    with broken_log(_engine(w), w.alice.id), pytest.raises(AccessLogCorrupted):
        record()
    assert (told(w.alice), told(w.bob)) == (0, 0)
    assert w.alice.call("GET", "/v1/me/incidents").json()["items"] == []
    assert w.bob.call("GET", "/v1/me/incidents").json()["items"] == []
    assert (_size(w, w.alice), _size(w, w.bob)) == sizes  # Bob's entry rolled back with Alice's

    assert record() == 2  # mended
    assert (told(w.alice), told(w.bob)) == (1, 1)
    assert len(_entries(w.alice, "incident")) == 1 and len(_entries(w.bob, "incident")) == 1
    assert (_size(w, w.alice), _size(w, w.bob)) == (sizes[0] + 1, sizes[1] + 1)
