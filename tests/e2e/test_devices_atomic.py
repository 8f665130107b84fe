"""A device added or revoked and its entry in the citizen's log land together or not at all.

Pairing (a device added) and revoking a device used to commit first and append the log entry in a
second transaction: a failed append, or a process dying in between, kept a device the citizen's
log never mentioned. Now each is one transaction with its entry.

The append is made to fail for real (``tests.support.broken_log``: the stored head off its tree,
500 ``access_log_corrupted``). Then nothing of the step may be in the database (rows read straight
from it), nor in the API's view, nor in the log; mended, the same step goes through and is logged
exactly once. In-process on a pinned clock, embedded and PostgreSQL + S3.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

import crypto
from tests.support import devices as pairing
from tests.support.broken_log import assert_corrupted, broken_log, log_size
from tests.support.inprocess import BACKENDS, BASE, backend_settings
from tests.support.mandates import Actor, Office, office
from tests.support.raw import ASSERTION_TYPE
from wallet_api.settings import Settings


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


def _signed(actor: Actor) -> pairing.Signed:
    """The Authorization and DPoP headers of ``actor``'s next request (what ``pairing`` needs)."""

    def signed(method: str, path: str) -> dict[str, str]:
        if not actor.token:
            actor.login()
        url = BASE + path.split("?", 1)[0]
        proof = crypto.make_dpop_proof(actor.key, method, url, now=actor.now, access_token=actor.token)
        return {"Authorization": f"DPoP {actor.token}", "DPoP": proof}

    return signed


def _login(world: Office, citizen_id: str, key: crypto.EcPrivateKey) -> httpx.Response:
    """A token request by the device holding ``key``: 200 only while it is a device of the wallet."""
    url = BASE + "/v1/token"
    now = int(world.clock.now)
    form = {
        "grant_type": "client_credentials",
        "client_id": citizen_id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": crypto.make_client_assertion(key, citizen_id, url, now=now),
    }
    proof = crypto.make_dpop_proof(key, "POST", url, now=now)
    return world.client.post("/v1/token", data=form, headers={"DPoP": proof})


def _shown(world: Office, citizen: Actor, name: str) -> tuple[pairing.Started, str]:
    """A pairing a new device started and ``citizen``'s device was shown, with its signed approval."""
    started = pairing.start(world.client, crypto.generate_private_key(), int(world.clock.now), name)
    shown = pairing.show(world.client, _signed(citizen), started.code)
    assert shown.status_code == 200, shown.text
    head = pairing.log_head(world.client, _signed(citizen))
    return started, pairing.approval(citizen.key, citizen.client_id, started, citizen.now, head)


def _paired(world: Office, citizen: Actor, name: str) -> Actor:
    """A new device paired through the API, logged in."""
    started, approval = _shown(world, citizen, name)
    approved = pairing.approve(world.client, _signed(citizen), started.pairing_id, approval)
    assert approved.status_code == 201, approved.text
    device = Actor(world.client, world.clock, citizen.client_id, started.key)
    device.login()
    return device


def _devices(engine: Engine, citizen_id: str) -> list[tuple[str, bool]]:
    """(name, revoked) of every device row of the citizen, as stored, by name."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT name, revoked_at FROM devices WHERE citizen_id = :c"),
            {"c": citizen_id},
        ).all()
    return sorted((str(name), revoked is not None) for name, revoked in rows)


def _pairing_row(engine: Engine, pairing_id: str) -> tuple[str, str | None]:
    """(status, device id) of the pairing, as stored."""
    with engine.connect() as connection:
        status, device_id = connection.execute(
            text("SELECT status, device_id FROM pairings WHERE id = :p"), {"p": pairing_id}
        ).one()
    return str(status), device_id


def _actions(citizen: Actor, action: str) -> list[dict[str, object]]:
    return [e["entry"] for e in citizen.log() if e["entry"]["action"] == action]


def test_a_device_is_not_added_without_its_log_entry(world: Office) -> None:
    citizen = world.citizen()
    _paired(world, citizen, "Điện thoại của con")  # the log exists (its entry) before it is broken
    engine = _engine(world)
    devices, size = _devices(engine, citizen.client_id), log_size(engine, citizen.client_id)
    started, approval = _shown(world, citizen, "Máy tính bảng")

    with broken_log(engine, citizen.client_id):
        failed = pairing.approve(world.client, _signed(citizen), started.pairing_id, approval)
        assert_corrupted(failed)
    assert _devices(engine, citizen.client_id) == devices  # no device row
    assert _pairing_row(engine, started.pairing_id) == ("shown", None)  # the pairing not approved
    listed = sorted(d["name"] for d in citizen.ok("GET", "/v1/me/devices")["items"])
    assert listed == sorted(n for n, _ in devices)
    assert pairing.status(world.client, started, int(world.clock.now)).json()["status"] == "pending"
    assert _login(world, citizen.client_id, started.key).status_code == 401  # not a device of the wallet
    assert log_size(engine, citizen.client_id) == size

    # Mended: the same pairing is approved, the device works, and the log says so once.
    approved = pairing.approve(world.client, _signed(citizen), started.pairing_id, approval)
    assert approved.status_code == 201, approved.text
    device_id = approved.json()["device_id"]
    assert _pairing_row(engine, started.pairing_id) == ("approved", device_id)
    assert _devices(engine, citizen.client_id) == sorted([*devices, ("Máy tính bảng", False)])
    assert _login(world, citizen.client_id, started.key).status_code == 200
    added = [e for e in _actions(citizen, "device-add") if e["resource_id"] == device_id]
    assert len(added) == 1
    assert log_size(engine, citizen.client_id) == size + 1


def test_a_device_is_not_revoked_without_its_log_entry(world: Office) -> None:
    citizen = world.citizen()
    tablet = _paired(world, citizen, "Máy tính bảng")
    tablet_id = next(d["device_id"] for d in tablet.ok("GET", "/v1/me/devices")["items"] if d["current"])
    started, _ = _shown(world, tablet, "Điện thoại mới")  # a pairing shown to the tablet: dies with it
    engine = _engine(world)
    devices, size = _devices(engine, citizen.client_id), log_size(engine, citizen.client_id)

    with broken_log(engine, citizen.client_id):
        assert_corrupted(citizen.call("DELETE", f"/v1/me/devices/{tablet_id}"))
    assert _devices(engine, citizen.client_id) == devices  # not revoked
    assert _pairing_row(engine, started.pairing_id) == ("shown", None)  # its pairing not cancelled
    assert tablet.call("GET", "/v1/me").status_code == 200  # its token still serves
    assert log_size(engine, citizen.client_id) == size
    assert _actions(citizen, "device-revoke") == []

    assert citizen.call("DELETE", f"/v1/me/devices/{tablet_id}").status_code == 204  # mended
    assert ("Máy tính bảng", True) in _devices(engine, citizen.client_id)
    assert _pairing_row(engine, started.pairing_id)[0] == "cancelled"
    assert tablet.call("GET", "/v1/me").status_code == 401
    assert [e["resource_id"] for e in _actions(citizen, "device-revoke")] == [tablet_id]
    assert log_size(engine, citizen.client_id) == size + 1
