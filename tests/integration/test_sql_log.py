"""The access log on SQL: the ``LogStore`` contract, races and tampering, on SQLite and PostgreSQL.

The contract bodies are those of ``tests/unit/consent/test_consent_store_contract.py``
(imported below, so pytest collects them here as well) with ``log_store`` an
``SqlLogStore``. PostgreSQL runs in a fresh schema per test; its parameter is
``scaled`` (skipped without ``WALLET_TEST_DATABASE_URL``, failing instead under
``WALLET_REQUIRE_SCALED=1``). The tables are created from ``storage.log_tables``
directly: the alembic migration is not this module's business.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from consent.log import AccessLog
from consent.log_store import LogStore
from crypto import generate_private_key
from crypto.transparency.errors import LogInconsistent
from crypto.transparency.merkle import leaf_hash, subtree_root
from storage import Conflict, log_tables
from storage.sql import SqlMetadata
from storage.sql_log import SqlLogStore
from storage.tables import CITIZENS
from tests.unit.consent.test_consent_store_contract import *  # noqa: F403  (the shared contract, collected again here)
from tests.unit.consent.test_consent_store_contract import Phone, access

KEY = generate_private_key()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.scaled)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite in ``tmp_path``, or the test PostgreSQL with ``search_path`` set to a schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'log.db'}"
        return
    scaled: str = request.getfixturevalue("scaled_database_url")
    schema = f"test_log_{uuid.uuid4().hex}"
    admin = SqlMetadata(scaled)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(scaled).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.close()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    metadata = SqlMetadata(database_url)
    log_tables.metadata.create_all(metadata.engine, tables=list(log_tables.LOG_TABLES))
    yield metadata.engine
    metadata.close()


@pytest.fixture  # type: ignore[no-redef]  # replaces the contract's memory store
def log_store(engine: Engine) -> LogStore:
    return SqlLogStore(engine)


def test_the_tables_share_the_metadata_of_storage_tables(engine: Engine) -> None:
    assert log_tables.metadata is CITIZENS.metadata
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("log_entries")["constrained_columns"] == ["citizen_id", "idx"]
    assert inspector.get_pk_constraint("log_nodes")["constrained_columns"] == ["citizen_id", "level", "idx"]
    assert inspector.get_pk_constraint("log_heads")["constrained_columns"] == ["citizen_id"]


def test_a_duplicate_index_is_a_conflict_not_an_overwrite(engine: Engine, log_store: LogStore) -> None:
    log = AccessLog(log_store)
    log.append_many("c", [access(n) for n in range(3)])
    with engine.begin() as connection:  # a head rolled back behind the log's back
        connection.execute(text("UPDATE log_heads SET size = 2 WHERE citizen_id = 'c'"))
    with pytest.raises(Conflict):
        log_store.append("c", 2, [(2, "{}", leaf_hash(b"{}"))], [], leaf_hash(b"{}"))
    assert [e.entry for e in log.entries("c", 0, 10)] == [access(n) for n in range(3)]


# --- tampering through SQL, seen by a phone holding an earlier signed head --------------------


@pytest.fixture
def watched(engine: Engine, log_store: LogStore) -> tuple[Phone, AccessLog]:
    """Ten entries logged, and a phone that has checked and kept the signed head of size 10."""
    log = AccessLog(log_store)
    log.append_many("c", [access(n) for n in range(10)])
    phone = Phone(log, KEY, "c")
    assert phone.refresh().size == 10
    assert [phone.read(i) for i in range(10)] == [access(n) for n in range(10)]
    return phone, log


def sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def test_an_entry_altered_by_sql_fails_inclusion(engine: Engine, watched: tuple[Phone, AccessLog]) -> None:
    phone, _ = watched
    sql(engine, "UPDATE log_entries SET entry = replace(entry, 'agency-0', 'agency-2') WHERE idx = 3")
    with pytest.raises(LogInconsistent):
        phone.read(3)
    assert phone.read(4) == access(4)


def test_an_entry_and_its_leaf_hash_altered_by_sql_fail_inclusion(
    engine: Engine, watched: tuple[Phone, AccessLog]
) -> None:
    phone, log = watched
    forged = log.entries("c", 3, 4)[0].data.replace("agency-0", "agency-2")
    sql(
        engine,
        "UPDATE log_entries SET entry = :e, leaf_hash = :h WHERE idx = 3",
        e=forged,
        h=leaf_hash(forged.encode()),
    )
    with pytest.raises(LogInconsistent):
        phone.read(3)


def test_an_interior_node_altered_by_sql_fails_inclusion(
    engine: Engine, watched: tuple[Phone, AccessLog]
) -> None:
    phone, _ = watched
    sql(engine, "UPDATE log_nodes SET hash = :h WHERE level = 2 AND idx = 0", h=leaf_hash(b"forged"))
    with pytest.raises(LogInconsistent):
        phone.read(5)  # its path climbs past the subtree over leaves 0..3


def test_an_entry_row_deleted_by_sql_cannot_be_shown_or_proven(
    engine: Engine, watched: tuple[Phone, AccessLog]
) -> None:
    phone, _ = watched
    sql(engine, "DELETE FROM log_entries WHERE idx = 3")
    with pytest.raises(LogInconsistent):
        phone.read(3)
    with pytest.raises(LogInconsistent):
        phone.read(2)  # its path needs leaf 3's hash


def test_a_history_rebuilt_without_an_entry_fails_consistency(
    engine: Engine, watched: tuple[Phone, AccessLog]
) -> None:
    phone, log = watched
    kept = [logged.entry for logged in log.entries("c", 0, 10) if logged.index != 3]
    for table in ("log_nodes", "log_entries", "log_heads"):
        sql(engine, f"DELETE FROM {table} WHERE citizen_id = 'c'")
    log.append_many("c", [*kept, access(99)])  # rebuilt and padded back to 10, then honestly signed
    assert log.size("c") == 10
    with pytest.raises(LogInconsistent):
        phone.refresh()


def test_a_log_truncated_by_sql_fails_consistency(engine: Engine, watched: tuple[Phone, AccessLog]) -> None:
    phone, log = watched
    leaves = [leaf_hash(logged.data.encode()) for logged in log.entries("c", 0, 8)]
    sql(engine, "DELETE FROM log_entries WHERE idx >= 8")
    sql(engine, "DELETE FROM log_nodes WHERE (level = 1 AND idx >= 4)")
    sql(engine, "UPDATE log_heads SET size = 8, root_hash = :r", r=subtree_root(leaves))
    assert log.size("c") == 8
    with pytest.raises(LogInconsistent):
        phone.refresh()


def test_honest_appends_after_the_head_still_check(watched: tuple[Phone, AccessLog]) -> None:
    phone, log = watched
    for n in range(10, 40):
        log.append("c", access(n))
    assert phone.refresh().size == 40
    assert phone.read(37) == access(37)
