"""Granting a mandate looks the delegate up by CCCD, and a refusal (404 ``delegate_not_found``)
tells whether a CCCD has a wallet: an existence oracle. The lookups are limited hardest
(``mandate_lookup``, per granting citizen and per source address), a refused one changes nothing
(not even for a CCCD that has a wallet), and every attempt is in the service log by the granting
citizen's id, never by the CCCD looked up. In-process on a pinned clock, both backends."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hostile import assert_problem
from tests.support.inprocess import BACKENDS, backend_settings
from tests.support.mandates import Office, grant_body, office
from tests.support.raw import valid_cccd

HOUR = 3600
LIMIT = 3


@pytest.fixture(params=BACKENDS)
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Office]:
    settings = dataclasses.replace(
        backend_settings(request, tmp_path), rate_limits=f"mandate_lookup={LIMIT}/{HOUR}"
    )
    with office(settings) as opened:
        yield opened


def test_delegate_lookups_are_limited_and_a_refused_one_changes_nothing(
    world: Office, caplog: pytest.LogCaptureFixture
) -> None:
    mother, son, aunt = world.citizen(name="Lê Thị Hoa"), world.citizen(name="Lê Văn Nam"), world.citizen()
    until = mother.now + 24 * HOUR
    probed = [valid_cccd()[0] for _ in range(LIMIT + 1)]
    caplog.set_level(logging.INFO, logger="wallet.mandates")

    for cccd in probed[:LIMIT]:  # CCCDs without a wallet: the oracle answers, within the limit
        body = {**grant_body(son, until, documents=("birth-certificate",)), "delegate_cccd": cccd}
        problem = assert_problem(mother.call("POST", "/v1/me/mandates", json=body), 404)
        assert problem["code"] == "delegate_not_found"

    # past the limit: refused before the lookup, for a CCCD with a wallet too (the oracle is shut)
    refused = mother.call(
        "POST",
        "/v1/me/mandates",
        json=grant_body(son, until, documents=("birth-certificate",)),
        headers={"Accept-Language": "en"},
    )
    problem = assert_problem(refused, 429)
    assert problem["code"] == "rate_limited" and int(refused.headers["retry-after"]) > 0
    assert "Too many requests" in problem["title"]
    vietnamese = assert_problem(
        mother.call("POST", "/v1/me/mandates", json=grant_body(son, until, documents=("birth-certificate",))),
        429,
    )
    assert "Quá nhiều yêu cầu" in vietnamese["title"]
    assert mother.ok("GET", "/v1/me/mandates")["items"] == []  # nothing granted
    assert son.ok("GET", "/v1/me/mandates")["items"] == []
    assert not [e for e in son.log() if e["entry"]["resource_type"] == "mandate"]  # nothing in son's log

    # the limit is per source address too: another citizen behind the same address is refused
    other = assert_problem(
        aunt.call("POST", "/v1/me/mandates", json=grant_body(son, until, documents=("birth-certificate",))),
        429,
    )
    assert other["code"] == "rate_limited"

    # every attempt is in the service log by the granting citizen's id, never by a CCCD
    lines = [r.getMessage() for r in caplog.records if r.name == "wallet.mandates"]
    assert sum(f"mandate grant by {mother.client_id} refused: no wallet" in m for m in lines) == LIMIT
    assert sum(f"mandate grant by {mother.client_id} refused: too many" in m for m in lines) == 2
    assert f"mandate grant by {aunt.client_id} refused: too many" in "\n".join(lines)
    assert not any(cccd in m for m in lines for cccd in (*probed, son.cccd))

    # the next window lets the citizen in again
    world.clock.now += HOUR
    granted = mother.ok(
        "POST", "/v1/me/mandates", 201, json=grant_body(son, until + HOUR, documents=("birth-certificate",))
    )
    assert granted["delegate_id"] == son.client_id and granted["state"] == "active"
    assert f"mandate grant by {mother.client_id}: delegate found" in "\n".join(
        r.getMessage() for r in caplog.records
    )


def test_a_malformed_grant_costs_no_lookup(world: Office) -> None:
    mother, son = world.citizen(), world.citizen()
    for _ in range(LIMIT + 2):  # refused before the lookup: it tells nothing and is not counted
        bad = {**grant_body(son, mother.now - HOUR, documents=("birth-certificate",))}
        assert (
            assert_problem(mother.call("POST", "/v1/me/mandates", json=bad), 422)["code"] == "invalid_mandate"
        )
    granted = mother.ok(
        "POST",
        "/v1/me/mandates",
        201,
        json=grant_body(son, mother.now + HOUR, documents=("birth-certificate",)),
    )
    assert granted["state"] == "active"
