"""Nodes racing their very first start on one fresh database make ONE service signing key.

The check for a current key and the insert of the first one are one transaction, and the database
keeps at most one current key (migration 0016's unique partial index): the later of two racing
nodes fails its insert, re-reads, and signs with the other's key. Checked with real processes on a
fresh PostgreSQL, with threads released together on both backends, with a node whose check saw the
database just before the other's commit (the race's exact interleaving, made certain), and against
the rule itself.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import Engine

import crypto
import storage
from storage.sql import SqlSigningKeyRepository, alembic_config
from tests.support.server import WalletServer, free_port, scaled_env
from wallet_api import keyring

BACKENDS = ["embedded", pytest.param("scaled", marks=pytest.mark.scaled)]


def _database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return f"sqlite:///{tmp_path / 'wallet.db'}"
    database = request.getfixturevalue("scaled_database_url")
    blobs = request.getfixturevalue("scaled_blob_url")
    return scaled_env(database, blobs)["WALLET_DATABASE_URL"]


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> storage.Metadata:
    """A fresh, migrated metadata database of either backend, with no signing key yet."""
    metadata = storage.open_metadata(_database_url(request, tmp_path))
    metadata.migrate()
    request.addfinalizer(metadata.close)
    return metadata


def _engine(metadata: storage.Metadata) -> Engine:
    engine: Engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine, as an insider sees it
    return engine


def _current_keys(metadata: storage.Metadata) -> list[str]:
    with metadata.unit_of_work(readonly=True) as uow:
        return [r.kid for r in uow.signing_keys.all() if r.retired_at is None]


def test_threads_racing_the_first_key_make_one(fresh: storage.Metadata, tmp_path: Path) -> None:
    master = crypto.open_master_key(f"file:{tmp_path / 'master.key'}", create=True)
    racers = 8
    made: list[str] = []
    failures: list[Exception] = []
    start = threading.Barrier(racers)

    def race() -> None:
        start.wait()
        try:
            kid = keyring.first_signing_key(master, fresh, now=int(time.time()))
        except Exception as exc:  # any failure of a racer fails the test below
            failures.append(exc)
            return
        if kid is not None:
            made.append(kid)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(made) == 1, made
    assert _current_keys(fresh) == made
    assert keyring.first_signing_key(master, fresh, now=int(time.time())) is None  # a restart adds none
    ring = keyring.load_service_keys(master, fresh)
    assert [key["kid"] for key in ring.jwks()["keys"]] == made


def test_a_node_whose_check_missed_the_others_key_keeps_the_others(
    fresh: storage.Metadata, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = crypto.open_master_key(f"file:{tmp_path / 'master.key'}", create=True)
    theirs = keyring.first_signing_key(master, fresh, now=int(time.time()))  # the other node, committed
    assert theirs is not None
    real_all = SqlSigningKeyRepository.all
    reads: list[int] = []

    def before_their_commit(self: SqlSigningKeyRepository) -> Sequence[storage.SigningKeyRecord]:
        reads.append(1)  # the first read sees the database as it was before the other node committed
        return [] if len(reads) == 1 else real_all(self)

    monkeypatch.setattr(SqlSigningKeyRepository, "all", before_their_commit)
    assert keyring.first_signing_key(master, fresh, now=int(time.time())) is None
    assert len(reads) == 2  # its insert was refused, it read again
    assert _current_keys(fresh) == [theirs]


def test_the_database_refuses_a_second_current_key(fresh: storage.Metadata, tmp_path: Path) -> None:
    master = crypto.open_master_key(f"file:{tmp_path / 'master.key'}", create=True)
    first = keyring.first_signing_key(master, fresh, now=int(time.time()))
    assert first is not None
    rival = storage.SigningKeyRecord("rival-kid", b"not a key", dt.datetime.now(dt.UTC), None)
    with pytest.raises(storage.Conflict), fresh.unit_of_work() as uow:
        uow.signing_keys.add(rival)
        uow.commit()
    assert _current_keys(fresh) == [first]
    rotated = keyring.rotate_signing_key(master, fresh, now=int(time.time()), announce=0, overlap=60)
    assert rotated.previous == first and _current_keys(fresh) == [rotated.kid]  # rotation still works


def test_the_migration_retires_duplicates_an_earlier_race_left(fresh: storage.Metadata) -> None:
    engine = _engine(fresh)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0015")
    base = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with fresh.unit_of_work() as uow:
        for n, kid in enumerate(("raced-a", "raced-b", "raced-c")):
            uow.signing_keys.add(storage.SigningKeyRecord(kid, b"k", base + dt.timedelta(seconds=n), None))
        uow.commit()
    fresh.migrate()
    with fresh.unit_of_work(readonly=True) as uow:
        keys = {r.kid: r.retired_at for r in uow.signing_keys.all()}
    newest = base + dt.timedelta(seconds=2)
    assert keys == {"raced-a": newest, "raced-b": newest, "raced-c": None}
    late = storage.SigningKeyRecord("raced-d", b"k", newest, None)
    with pytest.raises(storage.Conflict), fresh.unit_of_work() as uow:  # and the rule holds from now on
        uow.signing_keys.add(late)
        uow.commit()


@pytest.mark.scaled
def test_two_nodes_starting_at_once_on_fresh_postgresql_sign_with_one_key(
    tmp_path: Path, scaled_database_url: str, scaled_blob_url: str
) -> None:
    for attempt in range(3):  # each a fresh database: three chances for the starts to collide
        env = {**scaled_env(scaled_database_url, scaled_blob_url)}
        env["WALLET_PUBLIC_URL"] = f"http://127.0.0.1:{free_port()}"
        env["WALLET_MASTER_KEY_URL"] = f"file:{tmp_path / f'master-{attempt}.key'}"  # both mount it
        nodes = [WalletServer(tmp_path / f"{attempt}-{name}" / "data", env=env) for name in "ab"]
        for node in nodes:
            node.data_dir.parent.mkdir(parents=True)
        starters = [threading.Thread(target=node.start) for node in nodes]
        try:
            for starter in starters:
                starter.start()
            for starter in starters:
                starter.join()
            published = [httpx.get(node.url + "/.well-known/jwks.json").json()["keys"] for node in nodes]
            assert all(node.proc is not None for node in nodes), "a node did not start"
            assert len(published[0]) == 1 and published[0] == published[1], published
            metadata = storage.open_metadata(env["WALLET_DATABASE_URL"])
            try:
                assert _current_keys(metadata) == [published[0][0]["kid"]]
            finally:
                metadata.close()
        finally:
            for node in nodes:
                node.stop()
