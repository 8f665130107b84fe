"""The replay guard on the hot path: one DB-API statement per request, outside any unit of work.

Every authenticated request stores its DPoP proof's ``jti`` once; through the
ORM-free Core path this still cost about four times the statement itself, so
this guard speaks DB-API directly on a pooled connection of the same engine.
The SQL is the same ``INSERT ... ON CONFLICT DO NOTHING`` as ``SqlReplayGuard``
in autocommit (``storage.sql_hot``: the statement is its own transaction, one round trip)
(the primary key decides, race-free across processes), with the same stored
forms: a SHA-256 of the ``jti`` and the UTC expiry as the dialect stores it.

Expired ids are purged as part of normal running (``ReplayPurge``): every
``every`` new ids stored by a process, that process deletes at most ``batch``
expired ones in a short transaction of its own (the ``expires_at`` index finds
them), bounded by the connection's statement timeout. ``wallet collect`` purges
the rest in one go.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from storage.errors import InsufficientStorage, NotFound, StorageError
from storage.limits import ReplayPurge
from storage.records import AgencyHolder, CitizenHolder, DocumentRecord, Holder, ProofSpend
from storage.reserve import SpaceReserve
from storage.sql_base import translated
from storage.sql_hot import DOCUMENT_COLUMNS, DbapiReads, dbapi_cursor, document_from_row

_INSERT = "INSERT INTO replay (scope, jti_sha256, expires_at) VALUES ({0}, {0}, {0}) ON CONFLICT DO NOTHING"
# With a holder, the same statement stores the id only while its holder still exists, so a token
# of an erased citizen (or of a device key revoked or never theirs) fails like a replay, in one
# round trip.
_INSERT_IF = "INSERT INTO replay (scope, jti_sha256, expires_at) SELECT {0}, {0}, {0} WHERE EXISTS ({1}) "
_CITIZEN_HOLDS = "SELECT 1 FROM devices WHERE citizen_id = {0} AND jkt = {0} AND revoked_at IS NULL"
_AGENCY_ACTIVE = (
    "SELECT 1 FROM agencies WHERE id = {0} AND valid_from <= {0} AND valid_until > {0}"
    " AND (dissolved_at IS NULL OR dissolved_at > {0})"
)
_CONFLICT = "ON CONFLICT DO NOTHING"
_PURGE = "DELETE FROM replay WHERE expires_at < {0}"
# One bounded batch (the oldest expired first, by the ``expires_at`` index); both dialects.
_PURGE_BATCH = (
    "DELETE FROM replay WHERE (scope, jti_sha256) IN"
    " (SELECT scope, jti_sha256 FROM replay WHERE expires_at < {0} ORDER BY expires_at LIMIT {0})"
)
# PostgreSQL: the request's proof spent and the citizen's document read in ONE statement (one
# round trip). A data-modifying CTE always runs to completion, whether or not the outer query reads
# it; the outer query reports whether the id was stored (fresh, and its holder still there) and
# the document's row, NULLs when there is none. The caller serves nothing unless the id was new.
_SPEND_THEN_READ_PG = (
    "WITH spent AS ({insert} RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM spent), {columns} FROM (SELECT 1) AS one"
    " LEFT JOIN (documents AS d JOIN citizens AS c ON c.id = d.citizen_id)"
    " ON d.citizen_id = %s AND d.id = %s"
)
_MARKS = {"sqlite": "?", "postgresql": "%s"}
log = logging.getLogger(__name__)


class DbapiReplayGuard:
    """``ReplayGuard`` committing each ``remember`` on its own, shared by every worker process."""

    def __init__(
        self,
        engine: Engine,
        write_lock: threading.Lock | None,
        reserve: SpaceReserve | None = None,
        purging: ReplayPurge | None = None,
    ) -> None:
        self._engine = engine
        self._reserve = reserve
        self._purging = purging
        self._lock = write_lock
        self._sqlite = engine.dialect.name == "sqlite"
        mark = _MARKS[engine.dialect.name]
        self._insert = _INSERT.format(mark)
        self._insert_citizen = _INSERT_IF.format(mark, _CITIZEN_HOLDS.format(mark)) + _CONFLICT
        self._insert_agency = _INSERT_IF.format(mark, _AGENCY_ACTIVE.format(mark)) + _CONFLICT
        self._purge = _PURGE.format(mark)
        self._purge_batch = _PURGE_BATCH.format(mark)
        self._reads = DbapiReads(engine)
        self._spend_then_read = _SPEND_THEN_READ_PG.format(
            insert=self._insert_citizen, columns=DOCUMENT_COLUMNS
        )

    def _when(self, value: dt.datetime) -> Any:
        if value.tzinfo is None:
            raise ValueError("naive datetime: records carry timezone-aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        if not self._sqlite:
            return value
        # The same text SQLAlchemy's DateTime writes on SQLite ("%Y-%m-%d %H:%M:%S.%f"), so both paths
        # compare alike; isoformat spells it several times faster than strftime.
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    def _cursor(self) -> contextlib.AbstractContextManager[Any]:
        # Autocommit: the one statement commits on its own, one round trip on PostgreSQL.
        return dbapi_cursor(self._engine, self._lock)

    def remember(self, scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None = None) -> bool:
        """True if ``jti`` is new in ``scope`` (and ``holder`` still there), False otherwise.

        On a full disk the space reserve (``storage.reserve``) is released once and the
        insert tried again, so reads and deletes keep working; the id is always recorded.
        """
        try:
            fresh = self._remember(scope, jti, expires_at, holder)
        except InsufficientStorage:
            if self._reserve is None or not self._reserve.release():
                raise
            fresh = self._remember(scope, jti, expires_at, holder)
        if fresh and self._purging is not None and self._purging.due():
            self._purge_some(self._purging.now(), self._purging.batch)
        return fresh

    def remember_then_read(
        self,
        scope: str,
        jti: str,
        expires_at: dt.datetime,
        holder: CitizenHolder,
        document_id: str,
        *,
        owner: str | None = None,
    ) -> tuple[bool, tuple[DocumentRecord, bytes] | None]:
        """``remember`` for a citizen's request, then their document ``document_id`` (a UUID) and
        their wrapped key, or None. On PostgreSQL one statement, one round trip; on SQLite the two
        statements back to back on this thread's connection. The id is stored (or refused) exactly
        as ``remember`` stores it; the caller must serve nothing when it was not new. ``owner``: whose
        document is read (default: the holder's; a delegate's read names the represented citizen,
        and the caller must still decide the mandate before serving anything)."""
        owner = holder.citizen_id if owner is None else owner
        try:
            fresh, found = self._remember_then_read(scope, jti, expires_at, holder, document_id, owner)
        except InsufficientStorage:
            if self._reserve is None or not self._reserve.release():
                raise
            fresh, found = self._remember_then_read(scope, jti, expires_at, holder, document_id, owner)
        if fresh and self._purging is not None and self._purging.due():
            self._purge_some(self._purging.now(), self._purging.batch)
        return fresh, found

    @translated
    def _remember_then_read(
        self,
        scope: str,
        jti: str,
        expires_at: dt.datetime,
        holder: CitizenHolder,
        document_id: str,
        owner: str,
    ) -> tuple[bool, tuple[DocumentRecord, bytes] | None]:
        if self._sqlite:  # in process: two statements cost no round trip
            fresh = self._remember(scope, jti, expires_at, holder)
            try:
                return fresh, self._reads.document_with_owner_key(owner, document_id)
            except NotFound:
                return fresh, None
        digest = hashlib.sha256(jti.encode()).digest()
        params = (scope, digest, self._when(expires_at), holder.citizen_id, holder.device_jkt)
        with self._cursor() as cursor:
            cursor.execute(self._spend_then_read, (*params, owner, document_id))
            row = cursor.fetchone()
        if row is None:  # the outer query always yields one row
            raise StorageError("no row from the replay and document statement")
        return bool(row[0]), (None if row[1] is None else document_from_row(row[1:]))

    def spend_then_read_statement(self, spend: ProofSpend) -> tuple[str, tuple[Any, ...]]:
        """PostgreSQL: ``remember_then_read``'s one statement and its parameters, for a caller that
        sends it in a pipeline of its own (``storage.sql_acts``); ``spend_then_read_answer`` reads
        its row, ``after_spend`` then purges as ``remember`` does."""
        return self._spend_then_read, (*self.spend_insert(spend)[1], spend.owner, spend.document_id)

    def spend_insert(self, spend: ProofSpend) -> tuple[str, tuple[Any, ...]]:
        """PostgreSQL: the insert that spends ``spend``'s proof while its holder is there (``remember``'s
        statement for a citizen) and its parameters, for a caller's larger statement (with
        ``RETURNING 1``: a row when the proof was new)."""
        digest = hashlib.sha256(spend.jti.encode()).digest()
        holder = spend.holder
        params = (spend.scope, digest, self._when(spend.expires_at), holder.citizen_id, holder.device_jkt)
        return self._insert_citizen, params

    @staticmethod
    def spend_then_read_answer(row: Sequence[Any] | None) -> tuple[bool, tuple[DocumentRecord, bytes] | None]:
        if row is None:  # the outer query always yields one row
            raise StorageError("no row from the replay and document statement")
        return bool(row[0]), (None if row[1] is None else document_from_row(row[1:]))

    def after_spend(self, fresh: bool) -> None:
        if fresh and self._purging is not None and self._purging.due():
            self._purge_some(self._purging.now(), self._purging.batch)

    def _purge_some(self, now: dt.datetime, batch: int) -> None:
        """One bounded batch of expired ids, after the request's own id committed; a failure is
        logged and left to the next batch, never the request's."""
        try:
            self.purge_batch(now, batch)
        except StorageError as exc:
            log.warning("replay guard: purging expired ids failed (%s); retried later", type(exc).__name__)

    @translated
    def _remember(self, scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None) -> bool:
        statement, params = self._remember_statement(scope, jti, expires_at, holder)
        with self._cursor() as cursor:
            cursor.execute(statement, params)
            return bool(cursor.rowcount == 1)

    def remember_many(self, spends: Sequence[tuple[str, str, dt.datetime, Holder | None]]) -> list[bool]:
        """``remember`` for several ids at once, in ONE transaction (a group commit: one durable
        write for them all): for each, in order, True if it was new in its scope (and its holder
        still there). Nothing is stored if the call fails. A full disk is met as ``remember``
        meets it (the reserve released once, then the whole group again)."""
        try:
            fresh = self._remember_many(spends)
        except InsufficientStorage:
            if self._reserve is None or not self._reserve.release():
                raise
            fresh = self._remember_many(spends)
        if any(fresh) and self._purging is not None and self._purging.due():
            self._purge_some(self._purging.now(), self._purging.batch)
        return fresh

    @translated
    def _remember_many(self, spends: Sequence[tuple[str, str, dt.datetime, Holder | None]]) -> list[bool]:
        if len(spends) == 1:
            return [self._remember(*spends[0])]
        statements = [self._remember_statement(*spend) for spend in spends]
        with self._cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE" if self._sqlite else "BEGIN")
            try:
                fresh = []
                for statement, params in statements:
                    cursor.execute(statement, params)
                    fresh.append(cursor.rowcount == 1)
                cursor.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
                raise
        return fresh

    def _remember_statement(
        self, scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None
    ) -> tuple[str, tuple[Any, ...]]:
        """``remember``'s statement and parameters for one id."""
        digest = hashlib.sha256(jti.encode()).digest()
        params: tuple[Any, ...] = (scope, digest, self._when(expires_at))
        if isinstance(holder, CitizenHolder):
            return self._insert_citizen, (*params, holder.citizen_id, holder.device_jkt)
        if isinstance(holder, AgencyHolder):
            at = self._when(holder.at)
            return self._insert_agency, (*params, holder.agency_id, at, at, at)
        return self._insert, params

    @translated
    def purge_batch(self, now: dt.datetime, limit: int) -> int:
        """Forget at most ``limit`` expired identifiers, the oldest first; how many went."""
        with self._cursor() as cursor:
            cursor.execute(self._purge_batch, (self._when(now), limit))
            return int(cursor.rowcount)

    @translated
    def purge(self, now: dt.datetime) -> int:
        """Forget identifiers whose proofs can no longer be presented."""
        with self._cursor() as cursor:
            cursor.execute(self._purge, (self._when(now),))
            return int(cursor.rowcount)
