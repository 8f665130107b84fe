"""Concurrent pulls racing for the last use of a consent: exactly one wins, on both backends.

The server runs two worker processes, so the pulls really meet in the
database: SQLite's write lock or PostgreSQL's row lock decides, through the
conditional ``UPDATE ... WHERE uses < max_uses``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.consents import (
    agencies,
    approve_credential,
    ask,
    consenting,
    issue_birth_certificate,
    race,
    reads,
)
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

RACERS = 8


@pytest.fixture(scope="module")
def two_workers(make_server: Callable[..., WalletServer]) -> WalletServer:
    return make_server(workers=2)


@pytest.mark.parametrize("round_", range(3))
def test_two_or_more_pulls_for_the_last_use_one_wins(
    two_workers: WalletServer, tmp_path: Path, round_: int
) -> None:
    parties = agencies(two_workers, tmp_path)
    citizen = RawCitizen(two_workers.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate"}], max_uses=2)
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    parties.asking().pull_credential(asked["id"], credential_id)  # one use left

    clients = [consenting(parties.requester) for _ in range(RACERS)]
    for client in clients:
        client.login()  # tokens first: the race is about the pull alone
    outcomes = race([lambda c=c: c.pull_credential(asked["id"], credential_id) for c in clients])  # type: ignore[misc]
    assert sorted(outcomes) == ["consent_used_up"] * (RACERS - 1) + ["ok"], outcomes
    assert parties.asking().consent(asked["id"])["uses"] == 2
    assert len(reads(citizen)) == 2
