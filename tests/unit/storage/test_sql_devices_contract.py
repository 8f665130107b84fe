"""The devices and pairings contract on SQLite (tests/integration/test_sql_devices.py runs it on
PostgreSQL): the enrolment key as first device, migration 0009 moving existing citizens, the
holder check following revocation, and the conditional state changes of pairings."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select

from storage.device_tables import DEVICES
from storage.errors import Conflict, NotFound
from storage.records import CitizenHolder, DeviceRecord, PairingRecord
from storage.sql import SqlMetadata, alembic_config
from storage.sql_devices import enrolment_device
from storage.tables import CITIZENS
from tests.unit.storage.test_sql_contract import FAR, T0, citizen, store


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wallet.db'}"


@pytest.fixture
def metadata(database_url: str) -> Iterator[SqlMetadata]:
    backend = SqlMetadata(database_url)
    backend.migrate()
    yield backend
    backend.close()


def _device(owner: str, n: int, **changes: object) -> DeviceRecord:
    fields: dict[str, object] = {
        "id": f"{owner}-device-{n}",
        "citizen_id": owner,
        "jwk": "{}",
        "jkt": f"{owner}-paired-{n}",
        "name": f"Thiết bị {n}",
        "added_at": T0 + dt.timedelta(minutes=n),
        "last_used_at": None,
        "how_added": "pairing",
    }
    fields.update(changes)
    return DeviceRecord(**fields)  # type: ignore[arg-type]


def _pairing(n: int, **changes: object) -> PairingRecord:
    fields: dict[str, object] = {
        "id": f"pairing-{n}",
        "code_sha256": bytes([n]) * 32,
        "nonce": f"nonce-{n}",
        "jwk": "{}",
        "jkt": f"new-key-{n}",
        "name": "Máy mới",
        "status": "pending",
        "created_at": T0,
        "expires_at": T0 + dt.timedelta(minutes=5),
    }
    fields.update(changes)
    return PairingRecord(**fields)  # type: ignore[arg-type]


def test_enrolment_adds_the_enrolment_key_as_first_device(metadata: SqlMetadata) -> None:
    alice = citizen(1)
    store(metadata, alice)
    with metadata.unit_of_work(readonly=True) as uow:
        devices = uow.devices.list(alice.id)
        assert devices == [enrolment_device(alice)]
        assert devices[0].how_added == "enrolment" and devices[0].jkt == alice.device_jkt
        assert uow.devices.active(alice.id, alice.device_jkt) == devices[0]
        assert uow.devices.active(alice.id, "another key") is None
        assert uow.devices.active("citizen-9", alice.device_jkt) is None


def test_revocation_ends_the_holder_and_counts_are_scoped(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1), citizen(2))
    with metadata.unit_of_work() as uow:
        uow.devices.add(_device("citizen-1", 2))
        with pytest.raises(Conflict):
            uow.devices.add(_device("citizen-1", 3, jkt="citizen-1-paired-2"))  # one key, one device
        uow.commit()
    guard = metadata.replay_guard()
    holder = CitizenHolder("citizen-1", "citizen-1-paired-2")
    assert guard.remember("dpop", "a", FAR, holder) is True
    with metadata.unit_of_work() as uow:
        assert uow.devices.count_active("citizen-1") == 2
        assert uow.devices.count_active("citizen-2") == 1
        with pytest.raises(NotFound):
            uow.devices.get("citizen-2", "citizen-1-device-2")  # another citizen's
        assert uow.devices.revoke("citizen-2", "citizen-1-device-2", T0) is False
        assert uow.devices.revoke("citizen-1", "citizen-1-device-2", T0) is True
        assert uow.devices.revoke("citizen-1", "citizen-1-device-2", T0) is False  # once
        uow.commit()
    assert guard.remember("dpop", "b", FAR, holder) is False
    assert guard.remember("dpop", "c", FAR, CitizenHolder("citizen-1", "jkt-1")) is True
    with metadata.unit_of_work() as uow:
        assert uow.devices.count_active("citizen-1") == 1
        assert uow.devices.get("citizen-1", "citizen-1-device-2").revoked_at == T0
        with pytest.raises(NotFound):
            uow.devices.count_active("citizen-9")


def test_erasure_takes_devices_and_pairings_with_it(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1))
    with metadata.unit_of_work() as uow:
        uow.pairings.add(_pairing(1))
        assert uow.pairings.show("pairing-1", "citizen-1", "jkt-1", T0)
        uow.citizens.delete("citizen-1")
        uow.commit()
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.devices.list("citizen-1") == []
        with pytest.raises(NotFound):
            uow.pairings.get("pairing-1")


def test_a_pairing_is_shown_to_one_device_and_approved_once_before_expiry(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1), citizen(2))
    with metadata.unit_of_work() as uow:
        uow.pairings.add(_pairing(1))
        uow.pairings.add(_pairing(2))
        with pytest.raises(Conflict):
            uow.pairings.add(_pairing(3, code_sha256=bytes([1]) * 32))  # one live code, one pairing
        assert uow.pairings.by_code(bytes([1]) * 32) == _pairing(1)
        assert uow.pairings.by_code(b"\x00" * 32) is None
        late = T0 + dt.timedelta(minutes=5)
        assert uow.pairings.show("pairing-1", "citizen-1", "jkt-1", late) is False  # expired
        assert uow.pairings.show("pairing-1", "citizen-1", "jkt-1", T0) is True
        assert uow.pairings.show("pairing-1", "citizen-1", "jkt-1", T0) is True  # the same device again
        assert uow.pairings.show("pairing-1", "citizen-2", "jkt-2", T0) is False  # another citizen
        shown = uow.pairings.get("pairing-1")
        approved = replace(shown, approval="jws", device_id="d")
        assert uow.pairings.approve(replace(approved, approver_jkt="jkt-x"), T0) is False  # another device
        assert uow.pairings.approve(approved, late) is False  # expired
        assert uow.pairings.approve(approved, T0) is True
        assert uow.pairings.approve(approved, T0) is False  # once
        assert uow.pairings.get("pairing-1").status == "approved"
        assert uow.pairings.show("pairing-2", "citizen-1", "jkt-1", T0) is True
        assert uow.pairings.cancel_shown_to("citizen-1", "jkt-1") == 1  # not the approved one
        assert uow.pairings.get("pairing-2").status == "cancelled"
        assert (
            uow.pairings.approve(replace(uow.pairings.get("pairing-2"), approval="x", device_id="e"), T0)
            is False
        )
        uow.commit()


def test_pairings_long_over_are_purged_and_live_ones_kept(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow:
        uow.pairings.add(_pairing(1))  # ends at T0 + 5 min
        uow.pairings.add(_pairing(2, expires_at=T0 + dt.timedelta(days=2)))
        uow.commit()
    with metadata.unit_of_work() as uow:
        assert uow.pairings.purge(T0 + dt.timedelta(minutes=5)) == 0  # not before its end
        assert uow.pairings.purge(T0 + dt.timedelta(days=1)) == 1
        uow.commit()
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.pairings.by_code(bytes([1]) * 32) is None
        assert uow.pairings.by_code(bytes([2]) * 32) == _pairing(2, expires_at=T0 + dt.timedelta(days=2))


def test_migration_0009_moves_every_enrolment_key_into_devices(database_url: str) -> None:
    backend = SqlMetadata(database_url)
    try:
        with backend.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0006")
        people = [citizen(n) for n in range(1, 4)]
        with backend.engine.begin() as connection:
            for person in people:
                row = {column.name: getattr(person, column.name) for column in CITIZENS.c}
                connection.execute(insert(CITIZENS), row)
        backend.migrate()
        with backend.unit_of_work(readonly=True) as uow:
            for person in people:
                assert uow.devices.list(person.id) == [enrolment_device(person)]
        assert backend.replay_guard().remember(
            "dpop", str(uuid.uuid4()), FAR, CitizenHolder("citizen-2", "jkt-2")
        )
        with backend.engine.connect() as connection:
            assert len(connection.execute(select(DEVICES.c.id)).all()) == 3
    finally:
        backend.close()
