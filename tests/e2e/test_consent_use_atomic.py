"""A consent use and its access-log entry are one transaction: both land or neither does.

Two ways to break the step in between, on a real ``wallet serve`` of each
backend: the append fails (the citizen's stored log head no longer matches its
tree, so the append is refused as corrupted), and the process is SIGKILLed
after the use was taken and before the entry was appended (a pause point the
test enables through the environment). Either way the use stays untaken, the
pull statistics and the log do not move, and the next pull takes use 1 and
logs exactly one read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

import storage
from tests.support.broken_log import broken_log
from tests.support.consents import (
    Agencies,
    agencies,
    approve_credential,
    ask,
    issue_birth_certificate,
    log_entries,
    reads,
    refused,
)
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


def _engine(backend_of: Backend, server: WalletServer) -> Engine:
    metadata, _ = backend_of(server)
    engine: Engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine, as an insider sees it
    return engine


def _counts(engine: Engine, consent_id: str, citizen_id: str) -> tuple[int, int, int]:
    """(uses on the consent, rows in consent_pulls, log size), straight from the database."""
    with engine.connect() as connection:
        uses = connection.execute(
            text("SELECT uses FROM consents WHERE id = :i"), {"i": consent_id}
        ).scalar_one()
        pulls = connection.execute(
            text("SELECT count(*) FROM consent_pulls WHERE consent_id = :i"), {"i": consent_id}
        ).scalar_one()
        size = connection.execute(
            text("SELECT size FROM log_heads WHERE citizen_id = :c"), {"c": citizen_id}
        ).scalar_one()
    return int(uses), int(pulls), int(size)


def _approved(server: WalletServer, parties: Agencies) -> tuple[RawCitizen, str, str]:
    """A citizen with a birth certificate and an approved consent for it: (citizen, consent, credential)."""
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate", "claims": ["full_name"]}])
    approved = approve_credential(citizen, asked["id"], credential_id, ["full_name"])
    assert approved.status_code == 200, approved.text
    return citizen, asked["id"], credential_id


def test_a_failed_log_append_leaves_the_use_untaken(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    server = make_server()
    (tmp_path / "agencies").mkdir()
    parties = agencies(server, tmp_path / "agencies")
    citizen, consent_id, credential_id = _approved(server, parties)
    citizen_id = citizen.citizen_id
    engine = _engine(backend_of, server)
    before = _counts(engine, consent_id, citizen_id)
    assert before[:2] == (0, 0)

    # The stored head no longer matches the stored tree: every append to this log is refused.
    with broken_log(engine, citizen_id):
        failed = refused(lambda: parties.asking().pull_credential(consent_id, credential_id))
    assert (failed.status, failed.code) == (500, "access_log_corrupted")
    assert _counts(engine, consent_id, citizen_id) == before  # no use, no pull row, no entry

    # mended: the next pull is use 1, logged once
    pulled = parties.asking().pull_credential(consent_id, credential_id)
    assert pulled["disclosed"] == ["full_name", "registration_number"]
    assert _counts(engine, consent_id, citizen_id) == (1, 1, before[2] + 1)
    [read] = reads(citizen)
    assert read["consent_id"] == consent_id and read["resource_id"] == credential_id


@pytest.mark.slow
def test_a_process_killed_between_the_use_and_the_entry_takes_nothing(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    mark = tmp_path / "paused"
    server = make_server(
        env={"WALLET_TEST_PAUSE_AT": "consent-use-taken", "WALLET_TEST_PAUSE_MARK": str(mark)}
    )
    (tmp_path / "agencies").mkdir()
    parties = agencies(server, tmp_path / "agencies")
    citizen, consent_id, credential_id = _approved(server, parties)
    citizen_id = citizen.citizen_id
    engine = _engine(backend_of, server)
    logged_before = len(log_entries(citizen))
    before = _counts(engine, consent_id, citizen_id)

    agency = parties.asking()
    agency.login()
    outcome: list[object] = []

    def pull() -> None:
        try:
            outcome.append(agency.pull_credential(consent_id, credential_id))
        except Exception as exc:  # the connection dies with the server
            outcome.append(exc)

    puller = threading.Thread(target=pull)
    puller.start()
    deadline = time.monotonic() + 30
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert mark.exists(), "the pull never reached the pause point"
    server.kill()  # the use is taken (uncommitted), the entry not yet appended
    puller.join(timeout=30)
    assert outcome and not isinstance(outcome[0], dict)  # nothing was served

    server.start()  # the mark exists: the pause point now lets requests through
    assert citizen.login().status_code == 200
    assert _counts(engine, consent_id, citizen_id) == before
    assert len(log_entries(citizen)) == logged_before and reads(citizen) == []
    shown = citizen.request("GET", f"/v1/me/consents/{consent_id}").json()
    assert shown["uses"] == 0

    parties.asking().pull_credential(consent_id, credential_id)
    assert _counts(engine, consent_id, citizen_id) == (1, 1, before[2] + 1)
    assert len(reads(citizen)) == 1
    assert citizen.request("GET", f"/v1/me/consents/{consent_id}").json()["uses"] == 1
