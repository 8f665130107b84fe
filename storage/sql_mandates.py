"""Mandates on SQL (SQLAlchemy Core): one citizen acting for another within a scope.

Ending a mandate is one conditional UPDATE (only a mandate not yet ended, by one
of the two citizens it names or the agency that established it), so a
revocation and a renunciation racing end it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, or_, select, update

from storage.errors import NotFound
from storage.mandate_tables import MANDATES
from storage.records import MandateRecord
from storage.sql_base import Repository, columns, translated

__all__ = ["SqlMandateRepository"]

_MANDATE = columns(MANDATES, MandateRecord)
_GET = select(*_MANDATE).where(MANDATES.c.id == bindparam("mandate_id"))
_OF_CITIZEN = (
    select(*_MANDATE)
    .where(
        or_(
            MANDATES.c.represented_id == bindparam("citizen_id"),
            MANDATES.c.delegate_id == bindparam("citizen_id"),
        )
    )
    .order_by(MANDATES.c.created_at, MANDATES.c.id)
)
# An act's liveness check, in its write transaction, as DB-API text (it runs on every act under a
# mandate; through Core it cost several times the statement): FOR SHARE on PostgreSQL, so a
# revocation racing the act waits for it; nothing on SQLite, whose writer holds the one write lock.
_RAW_OPEN = "SELECT 1 FROM mandates WHERE id = {0} AND ended_at IS NULL"
OPEN_STATEMENTS = {"sqlite": _RAW_OPEN.format("?"), "postgresql": _RAW_OPEN.format("%s") + " FOR SHARE"}
_END = (
    update(MANDATES)
    .where(MANDATES.c.id == bindparam("mandate_id"), MANDATES.c.ended_at.is_(None))
    .values(ended_at=bindparam("at"), ended_by=bindparam("by"))
)


class SqlMandateRepository(Repository):
    """Mandates on SQL; a citizen's list reads both indexes (granted and held)."""

    __slots__ = ()

    @translated
    def add(self, mandate: MandateRecord) -> None:
        self.insert(MANDATES, mandate)

    @translated
    def get(self, mandate_id: str) -> MandateRecord:
        row = self.execute(_GET, {"mandate_id": mandate_id}).first()
        if row is None:
            raise NotFound("no such mandate")
        return MandateRecord(*row)

    @translated
    def of_citizen(self, citizen_id: str) -> Sequence[MandateRecord]:
        return [MandateRecord(*row) for row in self.execute(_OF_CITIZEN, {"citizen_id": citizen_id})]

    @translated
    def is_open(self, mandate_id: str) -> bool:
        connection = self._tx.connection()
        cursor = connection.connection.cursor()  # the driver's, inside the transaction
        try:
            cursor.execute(OPEN_STATEMENTS[connection.dialect.name], (mandate_id,))
            return cursor.fetchone() is not None
        finally:
            cursor.close()

    @translated
    def end(self, mandate_id: str, at: dt.datetime, by: str) -> bool:
        return self.execute(_END, {"mandate_id": mandate_id, "at": at, "by": by}).rowcount == 1
