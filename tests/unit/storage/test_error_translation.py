"""Every driver or network failure of either SQL dialect maps onto the storage error tree."""

from __future__ import annotations

import sqlite3

import psycopg
import psycopg.errors
import pytest
from sqlalchemy import exc

from storage import Conflict, InsufficientStorage, Unavailable
from storage.sql_base import storage_error_for, translated


def _sqlite(message: str, code: int) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]  # set by the C module on real errors
    return error


def _wrapped(driver: Exception, invalidated: bool = False) -> exc.DBAPIError:
    base = sqlite3.Error if isinstance(driver, sqlite3.Error) else psycopg.Error
    return exc.DBAPIError.instance("SELECT 1", {}, driver, base, connection_invalidated=invalidated)


UNAVAILABLE = [
    psycopg.OperationalError("connection refused"),  # raw, as raw_connection() raises it
    psycopg.InterfaceError("the connection is closed"),
    psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
    psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
    psycopg.errors.IdleInTransactionSessionTimeout("terminating connection due to idle-in-transaction"),
    psycopg.errors.SerializationFailure("could not serialize access"),
    _sqlite("database is locked", 5),
    exc.TimeoutError("QueuePool limit reached"),
    exc.DisconnectionError("gone"),
]


@pytest.mark.parametrize("error", UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_transient_failures_are_unavailable(error: Exception) -> None:
    assert isinstance(storage_error_for(error), Unavailable)
    if isinstance(error, psycopg.Error | sqlite3.Error):
        assert isinstance(storage_error_for(_wrapped(error)), Unavailable)


@pytest.mark.parametrize(
    "error", [psycopg.errors.DiskFull("could not extend file"), _sqlite("database or disk is full", 13)]
)
def test_a_full_disk_is_insufficient_storage(error: Exception) -> None:
    assert isinstance(storage_error_for(error), InsufficientStorage)
    assert isinstance(storage_error_for(_wrapped(error)), InsufficientStorage)


def test_uniqueness_is_a_conflict_and_a_bug_is_not_hidden() -> None:
    assert isinstance(storage_error_for(psycopg.errors.UniqueViolation("dup")), Conflict)
    assert isinstance(storage_error_for(sqlite3.IntegrityError("UNIQUE")), Conflict)
    assert storage_error_for(psycopg.errors.UndefinedTable("no such table")) is None
    assert storage_error_for(_wrapped(psycopg.errors.SyntaxError("syntax"))) is None
    assert isinstance(
        storage_error_for(_wrapped(psycopg.errors.SyntaxError("x"), invalidated=True)), Unavailable
    )


def test_translated_raises_the_storage_error_and_keeps_bugs() -> None:
    @translated
    def lost() -> None:
        raise psycopg.OperationalError("the connection is lost")

    @translated
    def bug() -> None:
        raise psycopg.errors.UndefinedColumn("no such column")

    with pytest.raises(Unavailable):
        lost()
    with pytest.raises(psycopg.errors.UndefinedColumn):
        bug()
