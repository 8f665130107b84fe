"""The SQL metadata contract, here on SQLite in tmp_path.

The tests reach the database only through the ``database_url`` and
``metadata`` fixtures, so ``tests/integration/test_sql_metadata.py`` imports
this module and runs the same bodies against PostgreSQL by overriding
``database_url``. (This module is not named ``test_sql_metadata.py``: with
pytest's default import mode two test modules may not share a basename.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import multiprocessing
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, select
from sqlalchemy.exc import StatementError
from sqlmodel import SQLModel

from storage.errors import Conflict, NotFound, StorageError
from storage.records import (
    AgencyHolder,
    AgencyRecord,
    CitizenHolder,
    CitizenRecord,
    DocumentRecord,
    ErasureRecord,
    Holder,
    SigningKeyRecord,
)
from storage.sql import SqlMetadata
from storage.tables import REPLAY, TABLE_NAMES

T0 = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
FAR = T0 + dt.timedelta(days=3650)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wallet.db'}"


@pytest.fixture
def metadata(database_url: str) -> Iterator[SqlMetadata]:
    backend = SqlMetadata(database_url)
    backend.migrate()
    yield backend
    backend.close()


def citizen(n: int, **changes: Any) -> CitizenRecord:
    fields: dict[str, Any] = {
        "id": f"citizen-{n}",
        "blind_index": f"{n:064x}",
        "wrapped_kek": b"\x01kek" + bytes([n]) * 40,
        "national_id_sealed": b"\x01nid" + bytes(range(30)),
        "full_name_sealed": "Nguyễn Văn A".encode(),
        "date_of_birth_sealed": b"\x00\xff" * 10,
        "device_jwk": '{"kty":"EC","crv":"P-256","x":"x","y":"y"}',
        "device_jkt": f"jkt-{n}",
        "created_at": T0 + dt.timedelta(seconds=n),
    }
    fields.update(changes)
    return CitizenRecord(**fields)


def document(owner: CitizenRecord, n: int, doc_type: str = "birth_certificate") -> DocumentRecord:
    return DocumentRecord(
        id=f"{owner.id}-doc-{n}",
        citizen_id=owner.id,
        version=1,
        doc_type=doc_type,
        provenance="issued",
        content_type="application/pdf",
        size=5 * 2**30 + n,  # past 32 bits on purpose
        wrapped_dek=b"\x01dek" + bytes([n]) * 44,
        blob_key=f"c/{owner.id}/{owner.id}-doc-{n}/1",
        filename_sealed=b"\x01name" + bytes([n]),
        created_at=T0 + dt.timedelta(minutes=n),
    )


def signing_key(kid: str, minutes: int) -> SigningKeyRecord:
    return SigningKeyRecord(kid, b"\x00\x00\x00\x01" + kid.encode(), T0 + dt.timedelta(minutes=minutes), None)


def store(metadata: SqlMetadata, *records: CitizenRecord | DocumentRecord) -> None:
    with metadata.unit_of_work() as uow:
        for record in records:
            if isinstance(record, CitizenRecord):
                uow.citizens.add(record)
            else:
                uow.documents.add(record)
        uow.commit()


def remember(metadata: SqlMetadata, jti: str, scope: str = "dpop", expires_at: dt.datetime = FAR) -> bool:
    with metadata.unit_of_work() as uow:
        new = uow.replay.remember(scope, jti, expires_at)
        uow.commit()
    return new


def test_citizen_round_trip(metadata: SqlMetadata) -> None:
    alice = citizen(1)
    store(metadata, alice)
    with metadata.unit_of_work() as uow:
        loaded = uow.citizens.get(alice.id)
        found = uow.citizens.find_by_index(alice.blind_index)
    assert loaded == alice == found
    assert type(loaded) is CitizenRecord
    assert loaded.created_at.tzinfo is dt.UTC


def test_missing_citizen_is_not_found_and_unknown_index_is_none(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.citizens.get("nobody")
        assert uow.citizens.find_by_index("0" * 64) is None
        with pytest.raises(NotFound):
            uow.citizens.delete("nobody")


def test_duplicates_are_conflicts_and_the_work_goes_on(metadata: SqlMetadata) -> None:
    alice = citizen(1)
    with metadata.unit_of_work() as uow:
        uow.citizens.add(alice)
        with pytest.raises(Conflict):
            uow.citizens.add(citizen(2, blind_index=alice.blind_index))
        with pytest.raises(Conflict):
            uow.citizens.add(citizen(3, id=alice.id))
        uow.citizens.add(citizen(4))  # the transaction survived (a SAVEPOINT on PostgreSQL)
        uow.commit()
    with metadata.unit_of_work() as uow:
        assert uow.citizens.get(alice.id) == alice
        assert uow.citizens.get("citizen-4") == citizen(4)
        with pytest.raises(NotFound):
            uow.citizens.get("citizen-2")


def test_a_blind_index_taken_earlier_is_a_conflict(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1))
    with metadata.unit_of_work() as uow, pytest.raises(Conflict):
        uow.citizens.add(citizen(2, blind_index=citizen(1).blind_index))


def test_deleting_a_citizen_removes_their_documents(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    store(metadata, alice, bob, document(alice, 1), document(bob, 1))
    with metadata.unit_of_work() as uow:
        uow.citizens.delete(alice.id)
        uow.commit()
    with metadata.unit_of_work() as uow:
        with pytest.raises(NotFound):
            uow.citizens.get(alice.id)
        assert uow.documents.list(alice.id) == []
        assert uow.documents.all_blob_keys() == {document(bob, 1).blob_key}


def test_nothing_is_kept_without_commit(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow:
        uow.citizens.add(citizen(1))
        assert uow.replay.remember("dpop", "j1", FAR)
    with pytest.raises(RuntimeError), metadata.unit_of_work() as uow:
        uow.citizens.add(citizen(2))
        raise RuntimeError("crash half-way")
    with metadata.unit_of_work() as uow:
        for n in (1, 2):
            with pytest.raises(NotFound):
                uow.citizens.get(f"citizen-{n}")
        assert uow.replay.remember("dpop", "j1", FAR)


def test_work_after_the_last_commit_is_rolled_back(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow:
        uow.citizens.add(citizen(1))
        uow.commit()
        uow.citizens.add(citizen(2))
    with metadata.unit_of_work() as uow:
        assert uow.citizens.get("citizen-1") == citizen(1)
        with pytest.raises(NotFound):
            uow.citizens.get("citizen-2")


def test_a_naive_datetime_is_refused(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.citizens.add(citizen(1, created_at=T0.replace(tzinfo=None)))


def test_other_zones_come_back_as_the_same_instant_in_utc(metadata: SqlMetadata) -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    store(metadata, citizen(1, created_at=T0.astimezone(hanoi)))
    with metadata.unit_of_work() as uow:
        created = uow.citizens.get("citizen-1").created_at
    assert created == T0
    assert created.tzinfo is dt.UTC
    assert created.hour == T0.hour


def test_document_round_trip(metadata: SqlMetadata) -> None:
    alice = citizen(1)
    doc = document(alice, 1)
    store(metadata, alice, doc)
    with metadata.unit_of_work() as uow:
        loaded = uow.documents.get(alice.id, doc.id)
    assert loaded == doc
    assert type(loaded) is DocumentRecord
    assert loaded.created_at.tzinfo is dt.UTC


def test_documents_are_scoped_by_their_owner(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    doc = document(alice, 1)
    store(metadata, alice, bob, doc)
    with metadata.unit_of_work() as uow:
        with pytest.raises(NotFound) as missing:
            uow.documents.get(bob.id, "no-such-document")
        with pytest.raises(NotFound) as foreign:
            uow.documents.get(bob.id, doc.id)
        assert str(foreign.value) == str(missing.value)  # indistinguishable
        with pytest.raises(NotFound):
            uow.documents.delete(bob.id, doc.id)
        assert uow.documents.delete_all(bob.id) == []
        uow.commit()
    with metadata.unit_of_work() as uow:
        assert uow.documents.get(alice.id, doc.id) == doc


def test_a_document_of_an_unknown_citizen_is_a_conflict(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow, pytest.raises(Conflict):
        uow.documents.add(document(citizen(9), 1))


def test_list_by_owner_and_type_in_creation_order(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    docs = [document(alice, 3, "diploma"), document(alice, 1), document(alice, 2, "diploma")]
    store(metadata, alice, bob, *docs, document(bob, 1, "diploma"))
    with metadata.unit_of_work() as uow:
        assert uow.documents.list(alice.id) == sorted(docs, key=lambda d: d.created_at)
        assert uow.documents.list(alice.id, "diploma") == [docs[2], docs[0]]
        assert uow.documents.list(alice.id, "driving_licence") == []
        assert uow.documents.list("nobody") == []


def test_delete_returns_the_record_and_delete_all_the_owners(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    first, second, third = document(alice, 1), document(alice, 2), document(alice, 3)
    store(metadata, alice, bob, first, second, third, document(bob, 1))
    with metadata.unit_of_work() as uow:
        assert uow.documents.delete(alice.id, second.id) == second
        with pytest.raises(NotFound):
            uow.documents.delete(alice.id, second.id)
        assert uow.documents.delete_all(alice.id) == [first, third]
        uow.commit()
    with metadata.unit_of_work() as uow:
        assert uow.documents.list(alice.id) == []
        assert uow.documents.list(bob.id) == [document(bob, 1)]


def test_all_blob_keys_names_every_referenced_blob(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    docs = [document(alice, 1), document(alice, 2), document(bob, 1)]
    with metadata.unit_of_work() as uow:
        assert uow.documents.all_blob_keys() == set()
    store(metadata, alice, bob, *docs)
    with metadata.unit_of_work() as uow:
        assert uow.documents.all_blob_keys() == {d.blob_key for d in docs}


def test_a_jti_is_new_once_per_scope(metadata: SqlMetadata) -> None:
    with metadata.unit_of_work() as uow:
        assert uow.replay.remember("dpop", "jti-1", FAR) is True
        assert uow.replay.remember("dpop", "jti-1", FAR) is False
        assert uow.replay.remember("client-assertion", "jti-1", FAR) is True
        uow.citizens.add(citizen(1))  # the transaction survived the refused insert
        uow.commit()
    assert remember(metadata, "jti-1") is False
    with metadata.unit_of_work() as uow:
        assert uow.citizens.get("citizen-1") == citizen(1)


def test_only_a_digest_of_the_jti_is_stored(metadata: SqlMetadata) -> None:
    remember(metadata, "the-secret-jti")
    with metadata.engine.connect() as connection:
        rows = connection.execute(select(REPLAY)).all()
    assert [(r.scope, r.jti_sha256) for r in rows] == [("dpop", hashlib.sha256(b"the-secret-jti").digest())]
    assert all(b"the-secret-jti" not in bytes(r.jti_sha256) for r in rows)


def test_replay_is_seen_by_another_instance(database_url: str, metadata: SqlMetadata) -> None:
    other = SqlMetadata(database_url)
    try:
        assert remember(metadata, "shared") is True
        assert remember(other, "shared") is False
        assert remember(other, "fresh") is True
        assert remember(metadata, "fresh") is False
    finally:
        other.close()


def test_a_concurrent_remember_waits_for_the_first_transaction(metadata: SqlMetadata) -> None:
    outcomes: dict[str, bool] = {}

    def second(jti: str) -> None:
        outcomes[jti] = remember(metadata, jti)

    for jti, keep in (("committed", True), ("rolled-back", False)):
        with metadata.unit_of_work() as uow:
            assert uow.replay.remember("dpop", jti, FAR)
            thread = threading.Thread(target=second, args=(jti,))
            thread.start()
            time.sleep(0.3)  # let it reach the lock or the conflicting row
            assert thread.is_alive()
            if keep:
                uow.commit()
        thread.join(timeout=30)
    assert outcomes == {"committed": False, "rolled-back": True}


def _race(url: str, jtis: list[str], start: Any, results: Any) -> None:
    backend = SqlMetadata(url)
    with backend.unit_of_work() as uow:  # connect before the start, so that all really race
        uow.citizens.find_by_index("0" * 64)
    start.wait()
    results.put([jti for jti in jtis if remember(backend, jti)])
    backend.close()


def test_racing_processes_win_each_jti_exactly_once(database_url: str, metadata: SqlMetadata) -> None:
    context = multiprocessing.get_context("fork")  # children open their own engines
    jtis = [f"race-{n}" for n in range(100)]
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_race, args=(database_url, jtis, start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    won = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sorted(jti for batch in won for jti in batch) == sorted(jtis)


def test_purge_deletes_expired_entries_only(metadata: SqlMetadata) -> None:
    for minutes in (1, 2, 10):
        remember(metadata, f"jti-{minutes}", expires_at=T0 + dt.timedelta(minutes=minutes))
    with metadata.unit_of_work() as uow:
        assert uow.replay.purge(T0 + dt.timedelta(minutes=5)) == 2
        assert uow.replay.purge(T0 + dt.timedelta(minutes=5)) == 0
        uow.commit()
    assert remember(metadata, "jti-1") is True  # forgotten once expired
    assert remember(metadata, "jti-10") is False


def test_signing_keys_add_list_and_retire(metadata: SqlMetadata) -> None:
    old, new = signing_key("kid-old", 1), signing_key("kid-new", 2)
    retired_at = T0 + dt.timedelta(days=1)
    with metadata.unit_of_work() as uow:
        assert uow.signing_keys.all() == []
        uow.signing_keys.add(old)
        with pytest.raises(Conflict):
            uow.signing_keys.add(old)
        uow.commit()
    with metadata.unit_of_work() as uow, pytest.raises(Conflict):  # at most one current key
        uow.signing_keys.add(new)
    with metadata.unit_of_work() as uow:  # a rotation: the old key retired, then the new one added
        uow.signing_keys.retire(old.kid, retired_at)
        uow.signing_keys.add(new)
        with pytest.raises(NotFound):
            uow.signing_keys.retire("kid-unknown", retired_at)
        uow.commit()
    with metadata.unit_of_work() as uow:
        keys = uow.signing_keys.all()
    assert keys == [SigningKeyRecord(old.kid, old.wrapped_private, old.created_at, retired_at), new]
    assert keys[0].retired_at is not None and keys[0].retired_at.tzinfo is dt.UTC


def test_migrate_is_idempotent_and_matches_the_models(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1))
    metadata.migrate()
    metadata.migrate()
    ours = MetaData()
    for name in sorted(TABLE_NAMES):
        SQLModel.metadata.tables[name].to_metadata(ours)
    with metadata.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, ours) == []
        assert context.get_current_revision() is not None
    with metadata.unit_of_work() as uow:
        assert uow.citizens.get("citizen-1") == citizen(1)


def test_the_standalone_guard_agrees_with_the_unit_of_work_guard(metadata: SqlMetadata) -> None:
    guard = metadata.replay_guard()
    assert guard.remember("dpop", "standalone-1", FAR) is True
    assert guard.remember("dpop", "standalone-1", FAR) is False
    assert remember(metadata, "standalone-1") is False  # the same rows, the same digest
    assert remember(metadata, "unit-of-work-1") is True
    assert guard.remember("dpop", "unit-of-work-1", FAR) is False
    assert guard.remember("client-assertion", "unit-of-work-1", FAR) is True


def test_the_standalone_guard_stores_expiry_as_the_unit_of_work_does(metadata: SqlMetadata) -> None:
    guard = metadata.replay_guard()
    for minutes in (1, 2, 10):
        guard.remember("dpop", f"s-{minutes}", T0 + dt.timedelta(minutes=minutes))
    with metadata.unit_of_work() as uow:  # the ORM-side purge compares the standalone's values
        assert uow.replay.purge(T0 + dt.timedelta(minutes=5)) == 2
        uow.commit()
    assert guard.purge(T0 + dt.timedelta(minutes=11)) == 1
    assert guard.remember("dpop", "s-10", FAR) is True


def _race_standalone(guard: Any, jtis: list[str]) -> list[str]:
    return [jti for jti in jtis if guard.remember("dpop", jti, FAR)]


def _racer(url: str, spend: Any, jtis: list[str], start: Any, results: Any) -> None:
    backend = SqlMetadata(url)
    start.wait()
    results.put(spend(backend.replay_guard(), jtis))
    backend.close()


def _race_guards(database_url: str, spend: Any, jtis: list[str]) -> None:
    """Three processes spending the same ids with ``spend(guard, jtis)`` (the ids each found new):
    each id is new for exactly one."""
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(3), context.Queue()
    workers = [
        context.Process(target=_racer, args=(database_url, spend, jtis, start, results)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    won = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sorted(jti for batch in won for jti in batch) == sorted(jtis)


def test_racing_processes_through_the_standalone_guard(database_url: str, metadata: SqlMetadata) -> None:
    _race_guards(database_url, _race_standalone, [f"standalone-race-{n}" for n in range(100)])


def test_a_document_with_its_owners_key_in_one_read(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    doc = document(alice, 1)
    store(metadata, alice, bob, doc)
    with metadata.unit_of_work(readonly=True) as uow:
        record, wrapped = uow.documents.get_with_owner_key(alice.id, doc.id)
        assert record == doc and wrapped == alice.wrapped_kek
        with pytest.raises(NotFound):
            uow.documents.get_with_owner_key(bob.id, doc.id)


def test_the_hot_read_matches_the_unit_of_work_and_leaves_transactions_alone(metadata: SqlMetadata) -> None:
    alice, bob = citizen(1), citizen(2)
    plain = document(alice, 1)
    issued = dataclasses.replace(document(alice, 2), issuance='{"issuer": "x"}')
    store(metadata, alice, bob, plain, issued)
    reads = metadata.hot_reads()
    for doc in (plain, issued):
        with metadata.unit_of_work(readonly=True) as uow:
            expected = uow.documents.get_with_owner_key(alice.id, doc.id)
        assert reads.document_with_owner_key(alice.id, doc.id) == expected == (doc, alice.wrapped_kek)
    with pytest.raises(NotFound):  # another citizen's document is simply not there
        reads.document_with_owner_key(bob.id, plain.id)
    with pytest.raises(NotFound):
        reads.document_with_owner_key(alice.id, "no-such-document")
    # The pooled connections went back in transactional mode: uncommitted work still rolls back.
    with metadata.unit_of_work() as uow:
        uow.citizens.add(citizen(3))
    with metadata.unit_of_work(readonly=True) as uow, pytest.raises(NotFound):
        uow.citizens.get(citizen(3).id)


def agency(name: str, **changes: Any) -> AgencyRecord:
    fields: dict[str, Any] = {
        "id": name,
        "display_name": name,
        "roles": "issuer",
        "doc_types": "birth-certificate",
        "jwks": '{"keys": []}',
        "valid_from": T0 - dt.timedelta(days=1),
        "valid_until": T0 + dt.timedelta(days=1),
        "successor_id": None,
        "dissolved_at": None,
        "created_at": T0,
    }
    fields.update(changes)
    return AgencyRecord(**fields)


def _holder_world(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1), citizen(2))
    with metadata.unit_of_work() as uow:
        uow.agencies.add(agency("active"))
        uow.agencies.add(agency("dissolved", dissolved_at=T0 - dt.timedelta(minutes=1)))
        uow.agencies.add(agency("expired", valid_until=T0 - dt.timedelta(seconds=1)))
        uow.agencies.add(agency("not-yet", valid_from=T0 + dt.timedelta(seconds=1)))
        uow.commit()


def _via_unit_of_work(metadata: SqlMetadata) -> Any:
    def remember_in_uow(scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None = None) -> bool:
        with metadata.unit_of_work() as uow:
            new = uow.replay.remember(scope, jti, expires_at, holder)
            uow.commit()
        return new

    return remember_in_uow


@pytest.mark.parametrize("path", ["standalone", "unit_of_work"])
def test_a_one_time_id_counts_only_while_its_citizen_holds_the_device_key(
    metadata: SqlMetadata, path: str
) -> None:
    _holder_world(metadata)
    remember_it = metadata.replay_guard().remember if path == "standalone" else _via_unit_of_work(metadata)
    assert remember_it("dpop", f"{path}-1", FAR, CitizenHolder("citizen-1", "jkt-1")) is True
    assert remember_it("dpop", f"{path}-1", FAR, CitizenHolder("citizen-1", "jkt-1")) is False  # replay
    assert (
        remember_it("dpop", f"{path}-2", FAR, CitizenHolder("citizen-1", "jkt-2")) is False
    )  # not their key
    assert remember_it("dpop", f"{path}-3", FAR, CitizenHolder("citizen-9", "jkt-9")) is False  # no such
    with metadata.unit_of_work() as uow:
        uow.citizens.delete("citizen-2")
        uow.commit()
    assert remember_it("dpop", f"{path}-4", FAR, CitizenHolder("citizen-2", "jkt-2")) is False  # erased
    assert remember_it("dpop", f"{path}-4", FAR) is True  # refused ids were not stored
    with metadata.engine.connect() as connection:
        stored = connection.execute(select(REPLAY.c.jti_sha256)).scalars().all()
    assert len(stored) == 2


@pytest.mark.parametrize("path", ["standalone", "unit_of_work"])
def test_a_one_time_id_counts_only_while_its_agency_is_active(metadata: SqlMetadata, path: str) -> None:
    _holder_world(metadata)
    remember_it = metadata.replay_guard().remember if path == "standalone" else _via_unit_of_work(metadata)
    assert remember_it("dpop", f"{path}-a", FAR, AgencyHolder("active", T0)) is True
    assert remember_it("dpop", f"{path}-a", FAR, AgencyHolder("active", T0)) is False  # replay
    for n, name in enumerate(("dissolved", "expired", "not-yet", "unknown")):
        assert remember_it("dpop", f"{path}-{n}", FAR, AgencyHolder(name, T0)) is False, name
    later = T0 + dt.timedelta(days=2)
    assert remember_it("dpop", f"{path}-b", FAR, AgencyHolder("active", later)) is False  # past valid_until


# --- key epochs (storage.sql_epochs) ---


def test_key_epoch_batches_and_compare_and_swap(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1), citizen(2), citizen(3))
    with metadata.unit_of_work(readonly=True) as uow:
        first = uow.key_epochs.batch("citizens", "", 2)
        rest = uow.key_epochs.batch("citizens", first[-1].key, 2)
    assert [r.key for r in first + rest] == ["citizen-1", "citizen-2", "citizen-3"]
    assert first[0].owner == "citizen-1" and first[0].wrapped == citizen(1).wrapped_kek
    with metadata.unit_of_work() as uow:
        assert not uow.key_epochs.swap("citizens", "citizen-1", b"not what is stored", b"new")
        assert uow.key_epochs.swap("citizens", "citizen-1", citizen(1).wrapped_kek, b"new-1")
        changes = [
            ("citizen-2", citizen(2).wrapped_kek, b"new-2"),
            ("citizen-3", b"changed meanwhile", b"new-3"),
            ("citizen-9", b"deleted meanwhile", b"new-9"),
        ]
        assert uow.key_epochs.swap_many("citizens", changes) == 1
        uow.commit()
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.citizens.get("citizen-1").wrapped_kek == b"new-1"
        assert uow.citizens.get("citizen-2").wrapped_kek == b"new-2"
        assert uow.citizens.get("citizen-3").wrapped_kek == citizen(3).wrapped_kek
        with pytest.raises(NotFound):
            uow.citizens.get("citizen-9")


def test_erasures_pending_until_their_version_goes(metadata: SqlMetadata) -> None:
    at = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)
    erasures = [ErasureRecord(f"e-{v}", "account", at + dt.timedelta(minutes=v), v) for v in (1, 2, 3)]
    with metadata.unit_of_work() as uow:
        for erasure in erasures:
            uow.erasures.add(erasure)
        uow.commit()
    with metadata.unit_of_work() as uow:
        assert uow.erasures.pending(1) == erasures
        assert uow.erasures.pending(3) == erasures[2:]
        assert uow.erasures.prune(3) == 2
        uow.commit()
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.erasures.pending(1) == erasures[2:]


def test_the_hot_counter_adds_to_the_rows_the_unit_of_work_counts(metadata: SqlMetadata) -> None:
    counters = metadata.hot_counters()
    assert counters.hit("device:a", 600, 5) == 5
    with metadata.unit_of_work() as uow:
        assert uow.rate_counters.hit("device:a", 600, 2) == 7  # one row, both paths
        uow.commit()
    assert counters.hit("device:a", 600) == 8
    assert counters.hit("device:a", 660) == 1  # the next window
    assert counters.hit("device:b", 600, 3) == 3  # another caller
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.rate_counters.hit("device:a", 600, 0) == 8


def _race_counter(url: str, calls: int, start: Any, results: Any) -> None:
    backend = SqlMetadata(url)
    counters = backend.hot_counters()
    start.wait()
    results.put([counters.hit("agency:race", 0, 3) for _ in range(calls)])
    backend.close()


def test_racing_processes_add_every_call_to_the_hot_counter(database_url: str, metadata: SqlMetadata) -> None:
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(3), context.Queue()
    workers = [
        context.Process(target=_race_counter, args=(database_url, 50, start, results)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    seen = [total for _ in workers for total in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    # Every answer is a distinct count after its own 3 calls: no update lost, none counted twice.
    assert sorted(seen) == list(range(3, 3 * 150 + 1, 3))


def test_a_group_of_ids_is_remembered_as_each_would_be(metadata: SqlMetadata) -> None:
    """``remember_many`` (the group commit): each id's answer is the one ``remember`` would give, in
    order, a repeat inside the group included; refused ids are not stored."""
    _holder_world(metadata)
    guard = metadata.replay_guard()
    assert guard.remember("dpop", "group-old", FAR) is True
    answers = guard.remember_many(
        [
            ("dpop", "group-1", FAR, CitizenHolder("citizen-1", "jkt-1")),
            ("dpop", "group-1", FAR, CitizenHolder("citizen-1", "jkt-1")),  # the same proof twice
            ("dpop", "group-old", FAR, None),  # spent before the group
            ("dpop", "group-2", FAR, CitizenHolder("citizen-1", "jkt-2")),  # not their key
            ("dpop", "group-3", FAR, CitizenHolder("citizen-9", "jkt-9")),  # no such citizen
            ("dpop", "group-4", FAR, AgencyHolder("active", T0)),
            ("dpop", "group-5", FAR, AgencyHolder("dissolved", T0)),
            ("client-assertion", "group-1", FAR, None),  # another scope
        ]
    )
    assert answers == [True, False, False, False, False, True, False, True]
    assert guard.remember("dpop", "group-2", FAR) is True  # refused ids were not stored
    assert guard.remember("dpop", "group-4", FAR) is False
    assert guard.remember_many([("dpop", "group-6", FAR, None)]) == [True]  # a group of one


def test_a_failing_group_stores_none_of_its_ids(metadata: SqlMetadata) -> None:
    guard = metadata.replay_guard()
    with pytest.raises(StorageError):
        # the third breaks the table's NOT NULL scope: the whole transaction is rolled back
        guard.remember_many(
            [("dpop", "fail-1", FAR, None), ("dpop", "fail-2", FAR, None), (None, "x", FAR, None)]
        )  # type: ignore[list-item]
    assert guard.remember("dpop", "fail-1", FAR) is True
    assert guard.remember("dpop", "fail-2", FAR) is True


def _race_groups(guard: Any, jtis: list[str]) -> list[str]:
    won = []
    for at in range(0, len(jtis), 10):
        group = jtis[at : at + 10]
        answers = guard.remember_many([("dpop", jti, FAR, None) for jti in group])
        won += [jti for jti, new in zip(group, answers, strict=True) if new]
    return won


def test_racing_processes_spending_in_groups(database_url: str, metadata: SqlMetadata) -> None:
    """Three processes spending the same ids in groups of ten: each id is new for exactly one."""
    _race_guards(database_url, _race_groups, [f"group-race-{n}" for n in range(200)])
