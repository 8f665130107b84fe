"""Shared pieces of the SQL adapters: error translation, record mapping, the lazy transaction."""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import psycopg as _pg
from sqlalchemy import Connection, Engine, Select, Table, and_, exc, insert, or_
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable

from storage.errors import Conflict, InsufficientStorage, Unavailable
from storage.records import PageWindow

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_P = ParamSpec("_P")
_R = TypeVar("_R")
READONLY = "wallet_readonly"  # execution option: this transaction only reads


_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"
_PG_DISK_FULL = "53100"
# SQLSTATE classes that mean "the backend could not do it now": connection exception,
# insufficient resources, operator intervention (shutdown, query cancelled by a
# timeout), lock not available, idle-in-transaction timeout, transaction rollback.
_PG_TRANSIENT = ("08", "53", "57", "55P03", "25P03", "40")


def storage_error_for(err: BaseException) -> Exception | None:
    """The storage error for a SQLAlchemy or raw DB-API failure, or None if it is a bug (re-raise).

    One classification for every path to the database (units of work, the access
    log store, the replay guard's raw connections, pool checkouts): a driver or
    network failure of either dialect is ``Unavailable``, a full disk
    ``InsufficientStorage``, a broken uniqueness rule ``Conflict``.
    """
    driver = err.orig if isinstance(err, exc.DBAPIError) else err
    if isinstance(err, exc.IntegrityError) or isinstance(driver, sqlite3.IntegrityError | _pg.IntegrityError):
        return Conflict("a uniqueness or reference rule was broken")
    if _disk_full(driver):
        return InsufficientStorage("the metadata database has no space left")
    if isinstance(err, exc.DBAPIError) and err.connection_invalidated:
        return Unavailable("the metadata database connection was lost")
    if isinstance(err, exc.TimeoutError | exc.DisconnectionError):  # pool wait, dead connection
        return Unavailable("the metadata database is unavailable")
    if isinstance(driver, sqlite3.OperationalError | _pg.OperationalError | _pg.InterfaceError):
        return Unavailable("the metadata database is unavailable")
    if isinstance(driver, _pg.Error) and (driver.sqlstate or "").startswith(_PG_TRANSIENT):
        return Unavailable("the metadata database is unavailable")
    if isinstance(err, exc.OperationalError | exc.InterfaceError):
        return Unavailable("the metadata database is unavailable")
    return None


def _disk_full(driver: BaseException | None) -> bool:
    if isinstance(driver, sqlite3.Error):
        return getattr(driver, "sqlite_errorcode", None) == _SQLITE_FULL
    return isinstance(driver, _pg.Error) and driver.sqlstate == _PG_DISK_FULL


def translated(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Map SQLAlchemy and driver errors onto the storage error tree (``storage_error_for``)."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except (exc.SQLAlchemyError, sqlite3.Error, _pg.Error) as err:
            mapped = storage_error_for(err)
            if mapped is None:
                raise
            raise mapped from err

    return wrapper


def columns(table: Table, record: type[DataclassInstance]) -> list[Any]:
    """The table's columns in the record's field order, so ``Record(*row)`` builds it."""
    return [table.c[field.name] for field in fields(record)]


def values(record: DataclassInstance) -> dict[str, Any]:
    return {field.name: getattr(record, field.name) for field in fields(record)}


class Transaction:
    """One connection and its transaction, opened at first use (Core only: no ORM session)."""

    __slots__ = ("_connection", "_engine", "_lock", "_readonly", "_transaction", "erased")

    def __init__(self, engine: Engine, lock: threading.Lock | None, readonly: bool) -> None:
        self._engine = engine
        self._lock = None if readonly else lock
        self._readonly = readonly
        self._connection: Connection | None = None
        self._transaction: Any = None
        self.erased = False  # this transaction deleted a citizen or a document

    @property
    def engine(self) -> Engine:
        return self._engine

    def connection(self) -> Connection:
        if self._connection is None:
            # Threads of one process queue on a mutex for SQLite's single write lock: its own busy
            # handler sleeps for milliseconds, which would dominate every request under load.
            if self._lock is not None:
                self._lock.acquire()
            try:
                connection = self._engine.connect()
                if self._readonly:
                    connection = connection.execution_options(**{READONLY: True})
                self._transaction = connection.begin()
            except BaseException:
                self._release()
                raise
            self._connection = connection
        return self._connection

    def _release(self) -> None:
        if self._lock is not None and self._lock.locked():
            self._lock.release()

    def commit(self) -> None:
        if self._transaction is not None:
            self._transaction.commit()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()  # rolls back whatever was not committed
            finally:
                self._connection = None
                self._release()


class Repository:
    """Shares the unit of work's transaction."""

    __slots__ = ("_tx",)

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def execute(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> CursorResult[*tuple[Any, ...]]:
        # Core on the transaction's connection: no ORM identity map, no lazy loads.
        return self._tx.connection().execute(statement, params)

    def insert(self, table: Table, record: DataclassInstance) -> None:
        # A SAVEPOINT keeps the transaction usable after a Conflict on PostgreSQL
        # too (SQLite would survive anyway): same behaviour on both dialects.
        with self._tx.connection().begin_nested():
            self.execute(insert(table), values(record))

    def insert_row(self, table: Table, row: Mapping[str, Any]) -> None:
        """Insert a plain row inside a SAVEPOINT (see ``insert``)."""
        with self._tx.connection().begin_nested():
            self.execute(insert(table), row)


def keyset_page(
    statement: Select[Any],
    table: Table,
    window: PageWindow,
) -> Select[Any]:
    """``statement`` narrowed to one page: newest first by ``created_at``, ties by ``id``, strictly
    after the cursor's ``(created_at, id)``, within ``[since, until)``, ``limit`` rows.

    Keyset paging: each page costs the same however many rows precede it (an index on
    ``(owner, created_at, id)`` serves it).
    """
    created, ident = table.c.created_at, table.c.id
    if window.since is not None:
        statement = statement.where(created >= window.since)
    if window.until is not None:
        statement = statement.where(created < window.until)
    if window.after is not None:
        at, last = window.after
        statement = statement.where(or_(created < at, and_(created == at, ident < last)))
    return statement.order_by(created.desc(), ident.desc()).limit(window.limit)
