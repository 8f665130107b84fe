"""The citizen's rights on SQL: pauses on new consent requests, and breach notices (SQLAlchemy Core)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.records import IncidentRecord, RestrictionRecord
from storage.sql_base import Repository, columns, translated
from storage.sql_hot import dbapi_cursor
from storage.tables import CITIZENS, INCIDENT_CITIZENS, INCIDENTS, RATE_COUNTERS, RESTRICTIONS

__all__ = ["DbapiCounters", "SqlIncidentRepository", "SqlRateCounterRepository", "SqlRestrictionRepository"]

_RESTRICTION = columns(RESTRICTIONS, RestrictionRecord)
_ACTIVE = (
    select(*_RESTRICTION)
    .where((RESTRICTIONS.c.citizen_id == bindparam("citizen_id")) & RESTRICTIONS.c.lifted_at.is_(None))
    .order_by(RESTRICTIONS.c.created_at, RESTRICTIONS.c.id)
)
_LIFT = (
    update(RESTRICTIONS)
    .where(
        (RESTRICTIONS.c.id == bindparam("restriction_id"))
        & (RESTRICTIONS.c.citizen_id == bindparam("owner"))
        & RESTRICTIONS.c.lifted_at.is_(None)
    )
    .values(lifted_at=bindparam("at"))
)
# A request is paused by a restriction naming its agency, its procedure, or both together.
_BLOCKING = _ACTIVE.where(
    (RESTRICTIONS.c.agency_id.is_(None) | (RESTRICTIONS.c.agency_id == bindparam("agency_id")))
    & (RESTRICTIONS.c.procedure_code.is_(None) | (RESTRICTIONS.c.procedure_code == bindparam("procedure")))
).limit(1)

_INCIDENT = columns(INCIDENTS, IncidentRecord)
_OF_CITIZEN = (
    select(*_INCIDENT)
    .join(INCIDENT_CITIZENS, INCIDENT_CITIZENS.c.incident_id == INCIDENTS.c.id)
    .where(INCIDENT_CITIZENS.c.citizen_id == bindparam("citizen_id"))
    .order_by(INCIDENTS.c.occurred_at.desc(), INCIDENTS.c.id)
)
_TELL = insert(INCIDENT_CITIZENS)
_CITIZEN_IDS = select(CITIZENS.c.id).where(CITIZENS.c.id > bindparam("after")).order_by(CITIZENS.c.id)


class SqlRestrictionRepository(Repository):
    """Pauses on new consent requests; lifting one ends it (the row stays, as history)."""

    @translated
    def add(self, restriction: RestrictionRecord) -> None:
        self.insert(RESTRICTIONS, restriction)

    @translated
    def active(self, citizen_id: str) -> Sequence[RestrictionRecord]:
        return [RestrictionRecord(*row) for row in self.execute(_ACTIVE, {"citizen_id": citizen_id})]

    @translated
    def lift(self, citizen_id: str, restriction_id: str, at: dt.datetime) -> bool:
        params = {"restriction_id": restriction_id, "owner": citizen_id, "at": at}
        return bool(self.execute(_LIFT, params).rowcount == 1)

    @translated
    def blocking(self, citizen_id: str, agency_id: str, procedure_code: str) -> RestrictionRecord | None:
        params = {"citizen_id": citizen_id, "agency_id": agency_id, "procedure": procedure_code}
        row = self.execute(_BLOCKING, params).first()
        return RestrictionRecord(*row) if row else None


class SqlIncidentRepository(Repository):
    """Breach notices and whom each was told to."""

    @translated
    def add(self, incident: IncidentRecord) -> None:
        self.insert(INCIDENTS, incident)

    @translated
    def tell(self, incident_id: str, citizen_ids: Iterable[str], at: dt.datetime) -> None:
        rows = [{"incident_id": incident_id, "citizen_id": c, "notified_at": at} for c in citizen_ids]
        if rows:
            self._tx.connection().execute(_TELL, rows)  # one executemany

    @translated
    def of_citizen(self, citizen_id: str) -> Sequence[IncidentRecord]:
        return [IncidentRecord(*row) for row in self.execute(_OF_CITIZEN, {"citizen_id": citizen_id})]

    @translated
    def citizen_ids(self, after: str, limit: int) -> Sequence[str]:
        """Up to ``limit`` enrolled citizens' ids after ``after`` (keyset order): everyone, page by page."""
        return [str(r[0]) for r in self.execute(_CITIZEN_IDS.limit(limit), {"after": after})]


_HIT = (
    sqlite_insert(RATE_COUNTERS)
    .values(bucket=bindparam("b"), window_start=bindparam("w"), hits=bindparam("n"))
    .on_conflict_do_update(
        index_elements=[RATE_COUNTERS.c.bucket, RATE_COUNTERS.c.window_start],
        set_={"hits": RATE_COUNTERS.c.hits + bindparam("n")},
    )
    .returning(RATE_COUNTERS.c.hits)
)
_HIT_PG = (
    pg_insert(RATE_COUNTERS)
    .values(bucket=bindparam("b"), window_start=bindparam("w"), hits=bindparam("n"))
    .on_conflict_do_update(
        index_elements=[RATE_COUNTERS.c.bucket, RATE_COUNTERS.c.window_start],
        set_={"hits": RATE_COUNTERS.c.hits + bindparam("n")},
    )
    .returning(RATE_COUNTERS.c.hits)
)
_OLD_WINDOWS = select(RATE_COUNTERS.c.bucket, RATE_COUNTERS.c.window_start).where(
    RATE_COUNTERS.c.window_start < bindparam("before")
)


class SqlRateCounterRepository(Repository):
    """Fixed-window counters: one upsert per counted call, race-free across processes."""

    @translated
    def hit(self, bucket: str, window_start: int, count: int = 1) -> int:
        connection = self._tx.connection()
        statement = _HIT_PG if connection.dialect.name == "postgresql" else _HIT
        params = {"b": bucket, "w": window_start, "n": count}
        return int(connection.execute(statement, params).scalar_one())

    @translated
    def purge(self, before: int, limit: int) -> int:
        """Remove at most ``limit`` windows that started before ``before`` (oldest first)."""
        old = _OLD_WINDOWS.order_by(RATE_COUNTERS.c.window_start).limit(limit)
        rows = list(self.execute(old, {"before": before}))
        for bucket, window_start in rows:
            self.execute(
                delete(RATE_COUNTERS).where(
                    (RATE_COUNTERS.c.bucket == bucket) & (RATE_COUNTERS.c.window_start == window_start)
                )
            )
        return len(rows)


# The same upsert as ``_HIT``/``_HIT_PG``, spelled for DB-API (one statement, both dialects).
_HIT_DBAPI = (
    "INSERT INTO rate_counters (bucket, window_start, hits) VALUES ({0}, {0}, {0})"
    " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_counters.hits + excluded.hits"
    " RETURNING hits"
)


class DbapiCounters:
    """``HotCounters``: the limiter's counter upsert as one statement on the request path's own
    connections (``storage.sql_hot``: autocommit, one round trip on PostgreSQL), instead of a unit of
    work (``BEGIN``, the upsert, ``COMMIT``: three round trips). Atomic and race-free across
    processes and nodes alike: the statement is its own transaction and the primary key decides."""

    def __init__(self, engine: Engine, write_lock: threading.Lock | None) -> None:
        self._engine = engine
        self._lock = write_lock
        self._hit = _HIT_DBAPI.format("?" if engine.dialect.name == "sqlite" else "%s")

    @translated
    def hit(self, bucket: str, window_start: int, count: int = 1) -> int:
        """Add ``count`` calls to ``bucket``'s row of the window starting at ``window_start``; the
        window's count after them (every process's and node's calls)."""
        with dbapi_cursor(self._engine, self._lock) as cursor:
            cursor.execute(self._hit, (bucket, window_start, count))
            row = cursor.fetchone()
        return int(row[0])
