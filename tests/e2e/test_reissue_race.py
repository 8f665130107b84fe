"""Issuers racing to re-issue the same queue item: exactly one new credential lands, on both backends.

The server runs two worker processes, so the re-issues really meet in the database: the queue item
is claimed by a conditional ``UPDATE ... WHERE done_at IS NULL`` in the transaction that stores the
new credential, and SQLite's write lock or PostgreSQL's row lock decides which one wins; the others
are refused with ``reissue_not_found`` and leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.consents import agencies, issue_birth_certificate, log_entries, race
from tests.support.raw import RawCitizen
from tests.support.recovery import recover_by_code
from tests.support.server import WalletServer

RACERS = 6
COOLING_OFF = 1


@pytest.fixture(scope="module")
def two_workers(make_server: Callable[..., WalletServer]) -> WalletServer:
    return make_server(workers=2, env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": str(COOLING_OFF)})


def _credentials(citizen: RawCitizen) -> dict[str, dict[str, Any]]:
    response = citizen.request("GET", "/v1/me/credentials")
    assert response.status_code == 200, response.text
    return {c["id"]: c for c in response.json()["items"]}


@pytest.mark.parametrize("round_", range(2))
def test_issuers_racing_on_one_queue_item_store_one_credential(
    two_workers: WalletServer, tmp_path: Path, round_: int
) -> None:
    parties = agencies(two_workers, tmp_path)
    citizen = RawCitizen(two_workers.url)
    enrolled = citizen.enrol()
    assert enrolled.status_code == 201 and citizen.login().status_code == 200
    old_id = issue_birth_certificate(parties.issuer, citizen)
    phone = recover_by_code(two_workers.url, citizen, enrolled.json()["recovery_code"])
    assert _credentials(phone)[old_id]["needs_reissue"] is True
    [item] = parties.issuer.client().reissue_queue()

    clients = [parties.issuer.client() for _ in range(RACERS)]
    for client in clients:
        client.login()  # tokens first: the race is about the re-issue alone
    outcomes = race([lambda c=c: c.reissue(item) for c in clients])  # type: ignore[misc]
    assert sorted(outcomes) == ["ok"] + ["reissue_not_found"] * (RACERS - 1), outcomes

    held = _credentials(phone)
    assert len(held) == 2, held  # the old one (revoked) and exactly one re-issued
    [fresh] = [c for c in held.values() if c["id"] != old_id]
    assert held[old_id]["status"] == "revoked"
    assert fresh["status"] == "valid" and fresh["needs_reissue"] is False
    assert parties.issuer.client().reissue_queue() == []
    actions = [e["action"] for e in log_entries(phone)]
    assert actions.count("credential-reissue") == 1, actions
