"""An act under a mandate: its write transaction on the request path's own connections.

Every request under a mandate commits, before any data is answered, one transaction that
re-checks the mandate has not ended and appends the act to both citizens' logs
(``wallet_api.mandates.service.MandateService.record_act``). Through a unit of work that cost a
pool checkout and return and, on PostgreSQL, one round trip per statement: ``BEGIN``, the
liveness check, the heads lock, the append, ``COMMIT``. Here the transaction runs on the
connections ``storage.sql_hot`` keeps (SQLite: this thread's own, under the process's write lock;
PostgreSQL: a kept autocommit connection, with an explicit ``BEGIN``), and on PostgreSQL the
``BEGIN``, the liveness check (``FOR SHARE``, so a revocation racing the act waits for it) and
the heads lock (``FOR UPDATE``, in id order) go in one pipeline: one round trip. The append
(one statement) and the ``COMMIT`` follow: three round trips in all.

Nothing is weakened: the same statements, in the same order, in one transaction; it rolls back
unless ``commit`` is called (after an exception by dropping the connection, as ``dbapi_cursor``
does after any error).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from storage.sql_base import translated
from storage.sql_hot import dbapi_cursor
from storage.sql_log import heads_statement, prefetched_store
from storage.sql_mandates import OPEN_STATEMENTS

if TYPE_CHECKING:
    from consent.log_store import LogTransaction

__all__ = ["SqlMandateAct", "mandate_act"]

_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN"}


class SqlMandateAct:
    """The open transaction of one act: whether the mandate is still open, the logs to append to."""

    def __init__(self, cursor: Any, dialect: str, is_open: bool, store: LogTransaction) -> None:
        self._cursor = cursor
        self._dialect = dialect
        self.is_open = is_open
        self.committed = False
        self._store = store

    def log_store(self) -> LogTransaction:
        """The access logs inside this transaction, their heads already read and locked."""
        return self._store

    @translated
    def commit(self) -> None:
        self._cursor.execute("COMMIT")
        self.committed = True


@contextlib.contextmanager
def mandate_act(
    engine: Engine, lock: threading.Lock | None, mandate_id: str, log_ids: Sequence[str]
) -> Iterator[SqlMandateAct]:
    """Open an act's transaction: ``BEGIN``, the mandate's liveness, the heads of ``log_ids``
    (sorted by the caller) read and locked; rolled back on leaving unless committed."""
    dialect = engine.dialect.name
    ids = list(log_ids)
    with dbapi_cursor(engine, lock) as cursor:
        is_open, heads = _open(cursor, dialect, mandate_id, ids)
        act = SqlMandateAct(
            cursor, dialect, is_open, prefetched_store(cursor.connection, dialect, ids, heads)
        )
        yield act  # an exception: ``dbapi_cursor`` drops the connection, which rolls back
        if not act.committed:
            _rollback(cursor)


@translated
def _rollback(cursor: Any) -> None:
    cursor.execute("ROLLBACK")


@translated
def _open(
    cursor: Any, dialect: str, mandate_id: str, ids: list[str]
) -> tuple[bool, dict[str, tuple[int, bytes]]]:
    heads_sql = heads_statement(dialect, len(ids))
    if dialect != "postgresql":  # SQLite, in process: no round trip to save
        cursor.execute(_BEGIN[dialect])
        cursor.execute(OPEN_STATEMENTS[dialect], (mandate_id,))
        is_open = cursor.fetchone() is not None
        cursor.execute(heads_sql, ids)
        rows = cursor.fetchall()
    else:
        connection = cursor.connection
        live, heads = connection.cursor(), connection.cursor()
        try:
            with connection.pipeline():  # BEGIN, liveness, heads: one round trip
                cursor.execute(_BEGIN[dialect])
                live.execute(OPEN_STATEMENTS[dialect], (mandate_id,))
                heads.execute(heads_sql, ids)
            is_open = live.fetchone() is not None
            rows = heads.fetchall()
        finally:
            live.close()
            heads.close()
    return is_open, {str(log_id): (int(size), bytes(root)) for log_id, size, root in rows}
