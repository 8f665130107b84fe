"""The access log inside a caller's transaction (``SqlLogStore.within``): the same contract, and rollback.

A consented pull appends its log entry on the unit of work's own connection
(DB-API statements, the head read ``FOR UPDATE`` on PostgreSQL). The shared
``LogStore`` contract runs here on that bound store, one transaction per call,
on SQLite and PostgreSQL; then an append whose transaction rolls back leaves
no trace, and a committed one reads back through the plain store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine

from consent.log import AccessLog
from consent.log_store import LogStore
from storage.sql_log import SqlLogStore
from tests.integration.test_sql_log import database_url, engine  # noqa: F401  # the same databases
from tests.unit.consent.test_consent_store_contract import *  # noqa: F403  (the shared contract, collected again here)
from tests.unit.consent.test_consent_store_contract import access


class EachCallInATransaction:
    """A ``LogStore`` whose every call runs ``within`` a transaction of its own, committed at the end."""

    def __init__(self, bound_to: Engine) -> None:
        self._plain = SqlLogStore(bound_to)
        self._engine = bound_to

    @contextmanager
    def _bound(self) -> Iterator[LogStore]:
        with self._engine.begin() as connection:
            yield self._plain.within(connection)

    def head(self, log_id: str) -> tuple[int, bytes] | None:
        with self._bound() as store:
            return store.head(log_id)

    def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        with self._bound() as store:
            return store.nodes(log_id, ids)

    def entries(self, log_id: str, start: int, stop: int) -> list[tuple[int, str]]:
        with self._bound() as store:
            return store.entries(log_id, start, stop)

    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        with self._bound() as store:
            return store.append(log_id, expected_size, entries, nodes, root_hash)

    def erase(self, log_id: str) -> None:
        self._plain.erase(log_id)


@pytest.fixture  # type: ignore[no-redef]  # replaces the contract's memory store
def log_store(engine: Engine) -> LogStore:  # noqa: F811
    return EachCallInATransaction(engine)


def test_an_append_rolled_back_with_its_transaction_leaves_no_trace(engine: Engine) -> None:  # noqa: F811
    plain = SqlLogStore(engine)
    log = AccessLog(plain)
    log.append_many("c", [access(n) for n in range(5)])
    head = plain.head("c")

    with pytest.raises(RuntimeError), engine.begin() as connection:
        assert log.append_many("c", [access(9)], store=plain.within(connection)) == range(5, 6)
        raise RuntimeError("the rest of the transaction failed")
    assert plain.head("c") == head and [i for i, _ in plain.entries("c", 0, 10)] == [0, 1, 2, 3, 4]

    with engine.begin() as connection:
        assert log.append_many("c", [access(9), access(10)], store=plain.within(connection)) == range(5, 7)
    assert plain.head("c") is not None and plain.head("c") != head
    assert [i for i, _ in plain.entries("c", 0, 10)] == list(range(7))
    proof = log.inclusion_proof("c", 6, 7)  # the bound append wrote the nodes the plain store proves from
    assert proof.tree_size == 7
