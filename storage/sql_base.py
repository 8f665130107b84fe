"""Shared pieces of the SQL adapters: error translation, record mapping, the lazy transaction."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, Table, exc, insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql import Executable

from storage.errors import Conflict, Unavailable

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_P = ParamSpec("_P")
_R = TypeVar("_R")
READONLY = "wallet_readonly"  # execution option: this transaction only reads


def translated(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Map SQLAlchemy errors onto the storage error tree."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except exc.IntegrityError as err:
            raise Conflict("a uniqueness or reference rule was broken") from err
        except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError) as err:
            raise Unavailable("the metadata database is unavailable") from err

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
        self.erased = False  # this transaction deleted a citizen

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
