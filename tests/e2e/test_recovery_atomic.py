"""A recovery's each step and its entry in the citizen's log land together or not at all.

Starting a recovery (its nonce spent, the recovery code consumed), cancelling it (the code
replaced), completing it (every device revoked, the new one added, credentials queued, a new code)
and expiring it used to commit first and append the log entry in a second transaction: a failed
append, or a process dying in between, kept a recovery the citizen's log never announced. Now each
step is one transaction with its entry.

The append is made to fail for real (``tests.support.broken_log``: the stored head off its tree,
500 ``access_log_corrupted``). Then nothing of the step may be in the database (rows read straight
from it), nor in the API's view, nor in the log; mended, the same step goes through (the same
nonce, the same code: neither was spent) and is logged exactly once. In-process on a pinned clock,
embedded and PostgreSQL + S3.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine, text

import crypto
from tests.e2e.test_devices import Phone
from tests.e2e.test_recovery import Citizen
from tests.support import recovery
from tests.support.broken_log import assert_corrupted, broken_log, log_size
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
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


def _engine(client: TestClient) -> Engine:  # type: ignore[type-arg]
    engine: Engine = client.app.state.services.ctx.metadata.engine
    return engine


def _recoveries(engine: Engine, citizen_id: str) -> list[tuple[str, str | None]]:
    """(status, device id) of every recovery of the citizen, as stored."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT status, device_id FROM recoveries WHERE citizen_id = :c ORDER BY started_at"),
            {"c": citizen_id},
        ).all()
    return [(str(status), device_id) for status, device_id in rows]


def _devices(engine: Engine, citizen_id: str) -> list[tuple[str, bool]]:
    """(thumbprint, revoked) of every device row of the citizen, as stored."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT jkt, revoked_at FROM devices WHERE citizen_id = :c"), {"c": citizen_id}
        ).all()
    return sorted((str(jkt), revoked is not None) for jkt, revoked in rows)


def _entries(phone: Phone, action: str) -> list[dict[str, Any]]:
    entries = phone.call("GET", "/v1/me/log", params={"limit": 500}).json()["entries"]
    return [d for d in (crypto.json_object(e["data"]) for e in entries) if d["action"] == action]


def _proof(world: Any, who: Citizen, device: crypto.EcPrivateKey, idp: recovery.Idp | None) -> dict[str, str]:
    """What the new device starts a recovery with: a nonce and an idp's assertion, or the code."""
    client, clock = world
    nonce = recovery.nonce(client, who.cccd)
    if idp is None:
        return {"nonce": nonce, "code": who.code}
    return {"nonce": nonce, "assertion": idp.assertion(who.cccd, nonce, device, int(clock.now))}


def _started(world: Any, who: Citizen, device: crypto.EcPrivateKey) -> str:
    """A recovery by an identity provider, started for ``device``; its id."""
    client, clock = world
    idp = recovery.Idp.registered(client, f"vneid-{uuid.uuid4().hex[:8]}", now=clock.now)
    started = recovery.start(client, device, int(clock.now), _proof(world, who, device, idp))
    assert started.status_code == 201, started.text
    return str(started.json()["recovery_id"])


@pytest.mark.parametrize("method", ["idp", "code"])
def test_a_recovery_does_not_start_without_its_log_entry(world: Any, method: str) -> None:
    client, clock = world
    who = Citizen(client, clock)
    who.phone.pair()  # the log exists (its device-add entry) before it is broken
    engine, citizen_id = _engine(client), who.phone.citizen_id
    size = log_size(engine, citizen_id)
    idp = recovery.Idp.registered(client, "vneid-test", now=clock.now) if method == "idp" else None
    new = crypto.generate_private_key()
    proof = _proof(world, who, new, idp)

    with broken_log(engine, citizen_id):
        assert_corrupted(recovery.start(client, new, int(clock.now), proof))
    assert _recoveries(engine, citizen_id) == []
    assert who.phone.call("GET", "/v1/me").json().get("pending_recovery") is None  # nothing announced
    assert log_size(engine, citizen_id) == size

    # Mended: the same nonce (and the same code) start it: neither was spent by the failed try.
    started = recovery.start(client, new, int(clock.now), proof)
    assert started.status_code == 201, started.text
    recovery_id = started.json()["recovery_id"]
    assert _recoveries(engine, citizen_id) == [("pending", None)]
    assert who.phone.call("GET", "/v1/me").json()["pending_recovery"]["recovery_id"] == recovery_id
    assert [e["resource_id"] for e in _entries(who.phone, "recovery-start")] == [recovery_id]
    assert log_size(engine, citizen_id) == size + 1


def test_a_recovery_is_not_cancelled_without_its_log_entry(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    recovery_id = _started(world, who, crypto.generate_private_key())
    engine, citizen_id = _engine(client), who.phone.citizen_id
    size = log_size(engine, citizen_id)
    cancel = f"/v1/me/recovery/{recovery_id}/cancellation"

    with broken_log(engine, citizen_id):
        assert_corrupted(who.phone.call("POST", cancel))
    assert _recoveries(engine, citizen_id) == [("pending", None)]
    assert who.phone.call("GET", "/v1/me").json()["pending_recovery"]["status"] == "pending"
    assert log_size(engine, citizen_id) == size

    cancelled = who.phone.call("POST", cancel)  # mended
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert _recoveries(engine, citizen_id) == [("cancelled", None)]
    assert [e["resource_id"] for e in _entries(who.phone, "recovery-cancel")] == [recovery_id]
    assert log_size(engine, citizen_id) == size + 1


def test_a_recovery_does_not_complete_without_its_log_entry(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    new = crypto.generate_private_key()
    recovery_id = _started(world, who, new)
    engine, citizen_id = _engine(client), who.phone.citizen_id
    devices, size = _devices(engine, citizen_id), log_size(engine, citizen_id)
    clock.now += DAY  # the cooling-off is over: the new device's next status call completes it

    with broken_log(engine, citizen_id):
        assert_corrupted(recovery.status(client, new, recovery_id, int(clock.now)))
    assert _recoveries(engine, citizen_id) == [("pending", None)]
    assert _devices(engine, citizen_id) == devices  # the old device not revoked, the new one not added
    assert who.phone.login().status_code == 200  # the device still held still logs in
    replacement = Phone(client, clock, citizen_id, new)
    assert replacement.login().status_code == 401  # the new key is no device yet
    assert log_size(engine, citizen_id) == size

    done = recovery.status(client, new, recovery_id, int(clock.now))  # mended
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and done.json()["recovery_code"]
    assert _recoveries(engine, citizen_id) == [("completed", done.json()["device_id"])]
    assert who.phone.login().status_code == 401
    assert replacement.login().status_code == 200
    assert [e["resource_id"] for e in _entries(replacement, "recovery-complete")] == [recovery_id]
    assert log_size(engine, citizen_id) == size + 1


def test_a_recovery_does_not_expire_without_its_log_entry(world: Any) -> None:
    client, clock = world
    who = Citizen(client, clock)
    new = crypto.generate_private_key()
    recovery_id = _started(world, who, new)
    engine, citizen_id = _engine(client), who.phone.citizen_id
    size = log_size(engine, citizen_id)
    clock.now += DAY + 7 * DAY  # the new device never came back in time: the next look expires it

    with broken_log(engine, citizen_id):
        assert_corrupted(recovery.status(client, new, recovery_id, int(clock.now)))
    assert _recoveries(engine, citizen_id) == [("pending", None)]
    assert log_size(engine, citizen_id) == size

    expired = recovery.status(client, new, recovery_id, int(clock.now))  # mended
    assert expired.status_code == 200, expired.text
    assert expired.json()["status"] == "expired"
    assert _recoveries(engine, citizen_id) == [("expired", None)]
    assert who.phone.login().status_code == 200
    assert [e["resource_id"] for e in _entries(who.phone, "recovery-expire")] == [recovery_id]
    assert log_size(engine, citizen_id) == size + 1


def test_wallet_collect_expires_the_others_when_one_log_refuses(world: Any) -> None:
    """``expire_stale`` (``wallet collect``): a recovery whose log refuses stays pending and is expired
    by the next run; the other citizens' recoveries expire meanwhile, the run is not stopped."""
    client, clock = world
    first, second = Citizen(client, clock), Citizen(client, clock)
    first_id = _started(world, first, crypto.generate_private_key())
    second_id = _started(world, second, crypto.generate_private_key())
    engine = _engine(client)
    size = log_size(engine, first.phone.citizen_id)
    clock.now += DAY + 7 * DAY
    service = client.app.state.services.recovery

    with broken_log(engine, first.phone.citizen_id):
        assert service.expire_stale(limit=1) == 1  # pages of one: the refused one does not loop
    assert _recoveries(engine, first.phone.citizen_id) == [("pending", None)]
    assert _recoveries(engine, second.phone.citizen_id) == [("expired", None)]
    assert log_size(engine, first.phone.citizen_id) == size

    assert service.expire_stale() == 1  # mended
    assert service.expire_stale() == 0
    assert _recoveries(engine, first.phone.citizen_id) == [("expired", None)]
    assert first.phone.login().status_code == second.phone.login().status_code == 200  # the clock moved
    assert [e["resource_id"] for e in _entries(first.phone, "recovery-expire")] == [first_id]
    assert [e["resource_id"] for e in _entries(second.phone, "recovery-expire")] == [second_id]
    assert log_size(engine, first.phone.citizen_id) == size + 1
