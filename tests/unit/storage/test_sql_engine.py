"""How SqlMetadata sets up its engine: SQLite pragmas, URL handling, errors at the boundary."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.errors import Conflict, Unavailable
from storage.limits import Timeouts
from storage.sql import SqlMetadata
from tests.unit.storage.test_sql_contract import T0, citizen, document, store


@pytest.fixture
def metadata(tmp_path: Path) -> Iterator[SqlMetadata]:
    backend = SqlMetadata(f"sqlite:///{tmp_path / 'wallet.db'}")
    backend.migrate()
    yield backend
    backend.close()


def test_sqlite_is_set_up_for_several_worker_processes(metadata: SqlMetadata) -> None:
    with metadata.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": Timeouts().read_ms,  # a lock held by another process: waited for the read bound
    }


def test_sqlite_keeps_datetimes_as_naive_utc_text(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1))
    with metadata.engine.connect() as connection:
        raw = connection.exec_driver_sql("SELECT created_at FROM citizens").scalar()
    assert raw == (T0 + dt.timedelta(seconds=1)).replace(tzinfo=None).isoformat(" ")


def test_errors_do_not_carry_the_values_involved(metadata: SqlMetadata) -> None:
    alice = citizen(1)
    store(metadata, alice)
    with metadata.unit_of_work() as uow, pytest.raises(Conflict) as caught:
        uow.citizens.add(citizen(2, blind_index=alice.blind_index))
    assert alice.blind_index not in str(caught.value)
    assert alice.blind_index not in str(caught.value.__cause__)


def test_an_unopenable_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    backend = SqlMetadata(f"sqlite:///{tmp_path / 'missing-dir' / 'wallet.db'}")
    with pytest.raises(Unavailable):
        backend.migrate()
    with backend.unit_of_work() as uow, pytest.raises(Unavailable):
        uow.citizens.get("citizen-1")
    backend.close()


def test_an_unreachable_postgresql_is_unavailable() -> None:
    backend = SqlMetadata("postgresql+psycopg://wallet:secret@127.0.0.1:1/wallet")
    with backend.unit_of_work() as uow, pytest.raises(Unavailable) as caught:
        uow.citizens.get("citizen-1")
    assert "secret" not in str(caught.value)
    backend.close()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    backend = SqlMetadata("postgresql://wallet@db.invalid/wallet")
    assert backend.engine.url.drivername == "postgresql+psycopg"
    backend.close()


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported metadata database 'mysql'"):
        SqlMetadata("mysql://wallet@db.invalid/wallet")


def test_a_unit_of_work_holds_the_sqlite_write_lock_from_its_first_statement(
    tmp_path: Path, metadata: SqlMetadata
) -> None:
    with metadata.unit_of_work() as uow:
        uow.citizens.find_by_index("0" * 64)  # a read, yet BEGIN IMMEDIATE took the lock
        other = sqlite3.connect(tmp_path / "wallet.db", timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released when the unit of work ended
    other.close()


def test_an_erased_citizens_keys_leave_the_database_files(tmp_path: Path, metadata: SqlMetadata) -> None:
    alice, bob = citizen(1, wrapped_kek=b"ALICE-KEK" * 8), citizen(2)
    doc = document(alice, 1)
    store(metadata, alice, bob, doc)
    checkpoint = sqlite3.connect(tmp_path / "wallet.db", isolation_level=None)
    checkpoint.execute("PRAGMA wal_checkpoint(PASSIVE)")  # so that the main file holds the keys too
    checkpoint.close()
    with metadata.unit_of_work() as uow:
        uow.documents.delete_all(alice.id)
        uow.citizens.delete(alice.id)
        uow.commit()
    files = {path.name: path.read_bytes() for path in tmp_path.glob("wallet.db*")}
    assert "wallet.db" in files
    for name, content in files.items():
        assert alice.wrapped_kek not in content, name
        assert doc.wrapped_dek not in content, name
    with metadata.unit_of_work() as uow:
        assert uow.citizens.get(bob.id) == bob
