"""The request path's single statements over DB-API: one pooled connection, one round trip each.

Through SQLAlchemy Core a one-row read still costs several times the statement itself (compiled
cache lookups, result processing, events), and on PostgreSQL the driver adds a ``BEGIN`` and the
pool a ``ROLLBACK``: three round trips for one ``SELECT``. Here a statement runs on a pooled
connection in the driver's autocommit mode: a single statement is its own transaction on both
dialects (atomic, one snapshot), so nothing is weakened and one round trip is left.

``dbapi_cursor`` is shared by the replay guard (``storage.sql_replay``) and ``DbapiReads``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg as _pg
from sqlalchemy import Engine

from storage.errors import NotFound
from storage.records import DocumentRecord
from storage.sql_base import translated

_MARKS = {"sqlite": "?", "postgresql": "%s"}
# The columns of ``DocumentRecord`` in field order, then the owner's wrapped key (``_GET_OWNED``).
DOCUMENT_COLUMNS = (
    "d.id, d.citizen_id, d.version, d.doc_type, d.provenance, d.content_type, d.size,"
    " d.wrapped_dek, d.blob_key, d.filename_sealed, d.created_at, d.issuance, c.wrapped_kek"
)
_DOCUMENT_WITH_OWNER_KEY = (
    "SELECT {columns} FROM documents AS d JOIN citizens AS c ON c.id = d.citizen_id"
    " WHERE d.citizen_id = {mark} AND d.id = {mark}"
)


class _Pinned:
    """SQLite: one DB-API connection per thread for the hot statements, detached from the pool.

    A pool checkout and its reset-on-return (a ``ROLLBACK`` call) cost several times the hot
    statement itself on SQLite (5-15 us against under 1 us). The connection is made by the engine,
    so it is configured like every other (``busy_timeout``, WAL, foreign keys); it is only ever used
    by the thread that made it, in autocommit, and dropped after any error."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.lock = threading.Lock()
        self.open: list[Any] = []

    def connection(self, engine: Engine) -> Any:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = engine.raw_connection()
            connection.detach()  # ours for this thread's life; the pool keeps its slots
            self.local.connection = connection
            with self.lock:
                self.open.append(connection)
        return connection

    def drop(self, connection: Any) -> None:
        self.local.connection = None
        with self.lock:
            if connection in self.open:
                self.open.remove(connection)
        with contextlib.suppress(Exception):
            connection.close()

    def close_all(self) -> None:
        with self.lock:
            connections, self.open = self.open, []
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.close()


_PINNED: weakref.WeakKeyDictionary[Engine, _Pinned] = weakref.WeakKeyDictionary()
_PINNED_LOCK = threading.Lock()


def _pinned(engine: Engine) -> _Pinned:
    pinned = _PINNED.get(engine)
    if pinned is None:
        with _PINNED_LOCK:
            pinned = _PINNED.setdefault(engine, _Pinned())
    return pinned


def close_pinned(engine: Engine) -> None:
    """Close the SQLite connections the hot statements kept (``SqlMetadata.close``)."""
    pinned = _PINNED.pop(engine, None)
    if pinned is not None:
        pinned.close_all()


class _Kept:
    """PostgreSQL: a few connections of the engine kept in autocommit for the hot statements.

    Through the pool, each statement paid a checkout and return (events, reset-on-return) and two
    autocommit switches: about half the client-side CPU of the statement itself. Here at most
    ``slots`` connections, made by the engine (same connect arguments: statement, lock and idle
    timeouts, keepalives), are kept idle in autocommit and taken LIFO; past ``slots`` in use at
    once, a statement falls back to the pool. A connection is dropped after any error (after a
    lost connection, every idle one: they likely died together, as the pool does) and when older
    than the pool's recycle age."""

    def __init__(self, slots: int, recycle: float) -> None:
        self.lock = threading.Lock()
        self.idle: list[tuple[float, Any]] = []
        self.in_use = 0
        self.slots = slots
        self.recycle = recycle

    def take(self, engine: Engine) -> tuple[float, Any] | None:
        with self.lock:
            while self.idle:
                made, connection = self.idle.pop()
                if time.monotonic() - made < self.recycle:
                    self.in_use += 1
                    return made, connection
                _close(connection)
            if self.in_use >= self.slots:
                return None
            self.in_use += 1
        try:
            connection = engine.raw_connection()
            connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            connection.detach()  # ours; the pool keeps its slots for units of work
        except BaseException:
            with self.lock:
                self.in_use -= 1
            raise
        return time.monotonic(), connection

    def give_back(self, kept: tuple[float, Any], broken: BaseException | None) -> None:
        with self.lock:
            self.in_use -= 1
            if broken is None:
                self.idle.append(kept)
                return
            dropped = [kept]
            if _lost(broken):
                dropped += self.idle
                self.idle = []
        for _, connection in dropped:
            _close(connection)

    def close_all(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for _, connection in idle:
            _close(connection)


def _close(connection: Any) -> None:
    with contextlib.suppress(Exception):
        connection.close()


_KEPT: weakref.WeakKeyDictionary[Engine, _Kept] = weakref.WeakKeyDictionary()


def _kept(engine: Engine) -> _Kept:
    kept = _KEPT.get(engine)
    if kept is None:
        with _PINNED_LOCK:
            pool: Any = engine.pool
            size = pool.size() if hasattr(pool, "size") else 5
            kept = _KEPT.setdefault(engine, _Kept(max(1, size), float(getattr(pool, "_recycle", 1800))))
    return kept


def close_kept(engine: Engine) -> None:
    """Close the PostgreSQL connections the hot statements kept (``SqlMetadata.close``)."""
    kept = _KEPT.pop(engine, None)
    if kept is not None:
        kept.close_all()


class _PinnedCursor:
    """``dbapi_cursor`` on SQLite: a fresh cursor of this thread's own connection (``_Pinned``),
    under ``lock`` if given; after any exception the connection is dropped (whatever broke, the next
    statement starts afresh). A class rather than a generator: this runs twice per request."""

    __slots__ = ("connection", "cursor", "engine", "lock", "pinned")

    def __init__(self, engine: Engine, lock: threading.Lock | None) -> None:
        self.engine = engine
        self.lock = lock
        self.pinned = _pinned(engine)

    def __enter__(self) -> Any:
        if self.lock is not None:
            self.lock.acquire()
        try:
            self.connection = self.pinned.connection(self.engine)
            self.cursor = self.connection.dbapi_connection.cursor()
        except BaseException:
            if self.lock is not None:
                self.lock.release()
            raise
        return self.cursor

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            if kind is None:
                try:
                    self.cursor.close()
                except BaseException:
                    self.pinned.drop(self.connection)
                    raise
            else:
                self.pinned.drop(self.connection)
        finally:
            if self.lock is not None:
                self.lock.release()


def dbapi_cursor(
    engine: Engine, lock: threading.Lock | None = None
) -> contextlib.AbstractContextManager[Any]:
    """A DB-API cursor in autocommit mode (each statement commits on its own): on PostgreSQL on a
    kept connection (``_Kept``, else a pooled one), on SQLite on this thread's own (``_Pinned``);
    ``lock`` serialises writers (SQLite's single write lock within one process)."""
    if engine.dialect.name != "postgresql":  # SQLite's connections are in autocommit already
        return _PinnedCursor(engine, lock)
    return _postgresql_cursor(engine, lock)


@contextlib.contextmanager
def _postgresql_cursor(engine: Engine, lock: threading.Lock | None) -> Iterator[Any]:
    keeper = _kept(engine)
    kept = keeper.take(engine)
    if kept is not None:
        try:
            cursor = kept[1].cursor()
            yield cursor
            cursor.close()
        except BaseException as exc:
            keeper.give_back(kept, exc)
            raise
        keeper.give_back(kept, None)
        return
    with lock or contextlib.nullcontext():
        connection = engine.raw_connection()
        try:
            connection.driver_connection.autocommit = True  # type: ignore[union-attr]
            cursor = connection.cursor()
            yield cursor
            cursor.close()
        finally:
            with contextlib.suppress(Exception):
                # the pool and SQLAlchemy expect the driver's transactions back
                connection.driver_connection.autocommit = False  # type: ignore[union-attr]
            with contextlib.suppress(Exception):
                connection.close()  # back to the pool (or discarded if it broke)


def _lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection to the database is gone (not a statement's own error)."""
    return isinstance(exc, _pg.OperationalError | _pg.InterfaceError)


def read_utc(value: Any) -> dt.datetime:
    """A stored ``UtcDateTime`` as the ORM path returns it: aware UTC (SQLite keeps naive text)."""
    when: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


class DbapiReads:
    """The request path's one-row reads, each one statement on its own (no unit of work)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._document_with_owner_key = _DOCUMENT_WITH_OWNER_KEY.format(
            columns=DOCUMENT_COLUMNS, mark=_MARKS[engine.dialect.name]
        )

    @translated
    def document_with_owner_key(self, citizen_id: str, document_id: str) -> tuple[DocumentRecord, bytes]:
        """The citizen's document and their wrapped key (``DocumentRepository.get_with_owner_key``)."""
        with dbapi_cursor(self._engine) as cursor:
            cursor.execute(self._document_with_owner_key, (citizen_id, document_id))
            row = cursor.fetchone()
        if row is None:
            raise NotFound("no such document")
        return document_from_row(row)


def document_from_row(row: Sequence[Any]) -> tuple[DocumentRecord, bytes]:
    """A ``DocumentRecord`` and the owner's wrapped key from the columns ``DOCUMENT_COLUMNS`` names."""
    (doc_id, owner, version, doc_type, provenance, content_type, size) = row[:7]
    wrapped_dek, blob_key, filename_sealed, created_at, issuance, wrapped_kek = row[7:13]
    record = DocumentRecord(
        doc_id,
        owner,
        int(version),
        doc_type,
        provenance,
        content_type,
        int(size),
        bytes(wrapped_dek),
        blob_key,
        bytes(filename_sealed),
        read_utc(created_at),
        issuance,
    )
    return record, bytes(wrapped_kek)
