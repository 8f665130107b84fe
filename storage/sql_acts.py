"""An act under a mandate: its write transaction on the request path's own connections.

Every request under a mandate commits, before any data is answered, one transaction that
re-checks the mandate has not ended and appends the act to both citizens' logs
(``wallet_api.mandates.service.MandateService``). Through a unit of work that cost a pool
checkout and return and, on PostgreSQL, one round trip per statement: ``BEGIN``, the liveness
check, the heads lock, the append, ``COMMIT``. Here the transaction runs on the connections
``storage.sql_hot`` keeps (SQLite: this thread's own, under the process's write lock;
PostgreSQL: a kept autocommit connection, with an explicit ``BEGIN``), and on PostgreSQL in two
pipelines, one round trip each:

1. (optionally the delegate's proof spent and the represented citizen's document read, the
   replay guard's one statement, committing on its own as on the owner's path,) ``BEGIN``, the
   liveness check (``FOR SHARE``: a revocation racing the act waits for it) and the heads lock
   (``FOR UPDATE``, in id order);
2. the append (one statement, made to fail unless every locked head advanced) and ``COMMIT``:
   a failing append aborts the pipeline, the ``COMMIT`` is not run and ``commit`` raises.

Nothing is weakened: the same statements, in the same order, in one transaction; it rolls back
unless ``commit`` is called (after an exception by dropping the connection, as ``dbapi_cursor``
does after any error).

When the process remembers both logs' frontiers, PostgreSQL needs no transaction at all:
``act_append`` appends an act computed ahead in ONE autocommit statement that re-reads the
mandate's liveness (``FOR SHARE``), locks the heads in id order and writes only if both are still
the heads the act extends; ``read_act`` puts a delegate's proof spend and document read in front
of it, the append then made only if the proof was new and the document of the type the entries
name (one round trip for the whole read). Either writes nothing when a condition fails; the
caller then takes the transaction above.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import psycopg.errors as _pg_errors
from sqlalchemy import Engine

from storage.errors import StorageError
from storage.records import DocumentRecord, ProofSpend
from storage.sql_base import translated
from storage.sql_hot import DOCUMENT_COLUMNS, dbapi_cursor, document_from_row
from storage.sql_log import ACT_PLAIN, act_append_statement, heads_statement, prefetched_store
from storage.sql_mandates import OPEN_STATEMENTS
from storage.sql_replay import DbapiReplayGuard

if TYPE_CHECKING:
    from consent.log_store import LogAppend, LogTransaction

__all__ = ["SqlMandateAct", "act_append", "mandate_act", "read_act"]

_BEGIN = {"sqlite": "BEGIN IMMEDIATE", "postgresql": "BEGIN"}
Spent = tuple[bool, tuple[DocumentRecord, bytes] | None]


class SqlMandateAct:
    """The open transaction of one act: whether the mandate is still open, the logs to append to,
    and the answer of the proof's spend and document read when one was asked for."""

    def __init__(
        self,
        cursor: Any,
        dialect: str,
        is_open: bool,
        ids: list[str],
        heads: dict[str, tuple[int, bytes]],
        spent: Spent | None,
    ) -> None:
        self._cursor = cursor
        self.is_open = is_open
        self.spent = spent
        self.committed = False
        self._queued: tuple[str, list[Any]] | None = None
        deferred = self._defer if dialect == "postgresql" else None
        self._store = prefetched_store(cursor.connection, dialect, ids, heads, deferred)

    def log_store(self) -> LogTransaction:
        """The access logs inside this transaction, their heads already read and locked."""
        return self._store

    def _defer(self, statement: str, params: list[Any]) -> None:
        if self._queued is not None:
            raise StorageError("one append per act")
        self._queued = (statement, params)

    @translated
    def commit(self) -> None:
        """Commit; on PostgreSQL the append's statement and the ``COMMIT`` in one round trip."""
        queued, self._queued = self._queued, None
        if queued is None:
            self._cursor.execute("COMMIT")
        else:
            with self._cursor.connection.pipeline():
                self._cursor.execute(*queued)
                self._cursor.execute("COMMIT")
        self.committed = True


@contextlib.contextmanager
def mandate_act(
    engine: Engine,
    lock: threading.Lock | None,
    guard: DbapiReplayGuard,
    mandate_id: str,
    log_ids: Sequence[str],
    spend: ProofSpend | None = None,
) -> Iterator[SqlMandateAct]:
    """Open an act's transaction: ``BEGIN``, the mandate's liveness, the heads of ``log_ids``
    (sorted by the caller) read and locked, after ``spend`` (spent and read first, on its own);
    rolled back on leaving unless committed."""
    dialect = engine.dialect.name
    ids = list(log_ids)
    spent: Spent | None = None
    if spend is not None and dialect != "postgresql":  # SQLite: in process, nothing to save
        spent = guard.remember_then_read(
            spend.scope, spend.jti, spend.expires_at, spend.holder, spend.document_id, owner=spend.owner
        )
    with dbapi_cursor(engine, lock) as cursor:
        if dialect == "postgresql":
            first = None if spend is None else guard.spend_then_read_statement(spend)
            is_open, heads, row = _open_pipelined(cursor, mandate_id, ids, first)
            if first is not None:
                spent = guard.spend_then_read_answer(row)
        else:
            is_open, heads = _open(cursor, dialect, mandate_id, ids)
        act = SqlMandateAct(cursor, dialect, is_open, ids, heads, spent)
        yield act  # an exception: ``dbapi_cursor`` drops the connection, which rolls back
        if not act.committed:
            _rollback(cursor)
    if spend is not None and dialect == "postgresql" and spent is not None:
        guard.after_spend(spent[0])


@translated
def _rollback(cursor: Any) -> None:
    cursor.execute("ROLLBACK")


@translated
def _open(
    cursor: Any, dialect: str, mandate_id: str, ids: list[str]
) -> tuple[bool, dict[str, tuple[int, bytes]]]:
    cursor.execute(_BEGIN[dialect])
    cursor.execute(OPEN_STATEMENTS[dialect], (mandate_id,))
    is_open = cursor.fetchone() is not None
    cursor.execute(heads_statement(dialect, len(ids)), ids)
    return is_open, _heads(cursor.fetchall())


@translated
def _open_pipelined(
    cursor: Any, mandate_id: str, ids: list[str], first: tuple[str, tuple[Any, ...]] | None
) -> tuple[bool, dict[str, tuple[int, bytes]], Any]:
    """PostgreSQL: [``first``,] ``BEGIN``, liveness, heads in one pipeline; ``first``'s row."""
    connection = cursor.connection
    spend, live, heads = connection.cursor(), connection.cursor(), connection.cursor()
    try:
        with connection.pipeline():  # one round trip
            if first is not None:  # autocommit: commits on its own, before the transaction begins
                spend.execute(*first)
            cursor.execute(_BEGIN["postgresql"])
            live.execute(OPEN_STATEMENTS["postgresql"], (mandate_id,))
            heads.execute(heads_statement("postgresql", len(ids)), ids)
        row = spend.fetchone() if first is not None else None
        return live.fetchone() is not None, _heads(heads.fetchall()), row
    finally:
        for opened in (spend, live, heads):
            opened.close()


def _heads(rows: Sequence[Any]) -> dict[str, tuple[int, bytes]]:
    return {str(log_id): (int(size), bytes(root)) for log_id, size, root in rows}


@translated
def act_append(
    engine: Engine, mandate_id: str, appends: Sequence[LogAppend], roots: Mapping[str, bytes]
) -> Literal["appended", "ended", "moved"]:
    """PostgreSQL: an act's append computed ahead (``AccessLog.prepare_remembered``) in ONE
    autocommit statement on a kept connection, one round trip, no ``BEGIN`` or ``COMMIT``: the
    mandate's liveness re-read (``FOR SHARE``) and every head advanced, entry and node stored in
    that statement, all or none (``storage.sql_log._PG_ACT_APPEND``). ``appended``: committed;
    ``ended``: the mandate had ended, nothing written; ``moved``: a head was no longer the one the
    appends extend, nothing written (the caller appends the usual way). PostgreSQL only: on SQLite
    the act's transaction (``mandate_act``) costs no round trip."""
    if engine.dialect.name != "postgresql":
        raise StorageError("an act's append in one statement is for PostgreSQL")
    statement, params = act_append_statement(mandate_id, appends, roots, ACT_PLAIN)
    with dbapi_cursor(engine) as cursor:
        try:
            cursor.execute(statement, params)
        except _pg_errors.DivisionByZero:  # a part of the heads had moved: the statement wrote nothing
            return "moved"
        row = cursor.fetchone()
    if row is None:
        raise StorageError("no row from the act's append")
    if not row[0]:
        return "ended"
    return "appended" if int(row[1]) == len(appends) else "moved"


# A delegate's read and its act in ONE statement (``read_act``): before the act's ``m``, the proof
# spent as the owner's read spends it (``spent``) and the represented citizen's document read
# (``rd``); ``m`` has its row only if the proof was new and the document is of the type the
# entries name, so nothing is appended otherwise; the answer adds whether the proof was new,
# whether ``m`` had its row (then a head that did not advance had moved) and the document's row
# (NULLs when there is none).
_READ_FIRST = (
    "spent AS ({insert} RETURNING 1), rd AS MATERIALIZED (SELECT {columns} FROM documents AS d"
    " JOIN citizens AS c ON c.id = d.citizen_id WHERE d.citizen_id = %s AND d.id = %s), "
)
_READ_WHEN = " AND EXISTS (SELECT 1 FROM spent) AND EXISTS (SELECT 1 FROM rd WHERE rd.doc_type = %s)"
_READ_ANSWER = "EXISTS (SELECT 1 FROM spent)"
_READ_MORE = ", EXISTS (SELECT 1 FROM m), rd.*"
_READ_JOIN = " LEFT JOIN rd ON true"


@translated
def read_act(
    engine: Engine,
    guard: DbapiReplayGuard,
    spend: ProofSpend,
    doc_type: str,
    mandate_id: str,
    appends: Sequence[LogAppend],
    roots: Mapping[str, bytes],
) -> tuple[bool, tuple[DocumentRecord, bytes] | None, Literal["appended", "moved", "not"]] | None:
    """PostgreSQL: a delegate's read in ONE autocommit statement, one round trip: the proof spent
    (committed whatever else happens, as on the owner's path), the represented citizen's document
    read, and the act's append computed ahead for a document of ``doc_type`` (``act_append``'s,
    made only if the proof was new and the document is of that type). Whether the proof was new,
    the document read, and ``appended`` (committed), ``moved`` (nothing written: the proof was new,
    the document of that type and the mandate open, but a head had moved) or ``not`` (nothing
    written: a replayed proof, no such document, another type, the mandate ended). None when the
    statement failed as a whole (a part of the heads had moved, the disk is full): nothing spent,
    nothing written; the caller takes the usual path."""
    if engine.dialect.name != "postgresql":
        raise StorageError("a delegate's read in one statement is for PostgreSQL")
    insert, spend_params = guard.spend_insert(spend)
    shape = (
        _READ_FIRST.format(insert=insert, columns=DOCUMENT_COLUMNS),
        _READ_WHEN,
        _READ_ANSWER,
        _READ_MORE,
        _READ_JOIN,
    )
    first = (*spend_params, spend.owner, spend.document_id)
    statement, params = act_append_statement(mandate_id, appends, roots, shape, first, (doc_type,))
    with dbapi_cursor(engine) as cursor:
        try:
            cursor.execute(statement, params)
        except (_pg_errors.DivisionByZero, _pg_errors.DiskFull):  # rolled back whole
            return None
        row = cursor.fetchone()
    if row is None:
        raise StorageError("no row from the delegate's read")
    fresh = bool(row[0])
    found = None if row[3] is None else document_from_row(row[3:])
    if fresh:
        guard.after_spend(True)
    if not row[2]:
        return fresh, found, "not"
    return fresh, found, "appended" if int(row[1]) == len(appends) else "moved"
