"""The assisted route on SQL (SQLAlchemy Core): wallet cards with their PIN, and office visits.

A wrong PIN is counted by one UPDATE (``failures = failures + 1``) in the unit
of work that checks it, so racing guesses each count; a visit's documents and
its end are conditional UPDATEs on a visit not yet ended.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Update, bindparam, delete, select, update

from storage.errors import NotFound
from storage.mandate_tables import ASSIST_CARDS, VISITS
from storage.records import AssistCardRecord, VisitRecord
from storage.sql_base import Repository, columns, translated

__all__ = ["SqlAssistRepository"]

_CARD = columns(ASSIST_CARDS, AssistCardRecord)
_VISIT = columns(VISITS, VisitRecord)
_CARD_OF = select(*_CARD).where(ASSIST_CARDS.c.citizen_id == bindparam("citizen_id"))
_CARD_BY_ID = select(*_CARD).where(ASSIST_CARDS.c.card_id == bindparam("card_id"))
_CARD_LOCKED = _CARD_OF.with_for_update()
_SET_PIN = (
    update(ASSIST_CARDS)
    .where(ASSIST_CARDS.c.citizen_id == bindparam("owner"))
    .values(pin_hash=bindparam("new_hash"), pin_salt=bindparam("new_salt"), failures=0, locked_until=None)
)
_FAILED = (
    update(ASSIST_CARDS)
    .where(ASSIST_CARDS.c.citizen_id == bindparam("owner"))
    .values(failures=ASSIST_CARDS.c.failures + 1)
)
_LOCK = (
    update(ASSIST_CARDS)
    .where(ASSIST_CARDS.c.citizen_id == bindparam("owner"))
    .values(locked_until=bindparam("until"))
)
_PIN_OK = (
    update(ASSIST_CARDS)
    .where(ASSIST_CARDS.c.citizen_id == bindparam("owner"))
    .values(failures=0, locked_until=None)
)
_VISIT_BY_ID = select(*_VISIT).where(VISITS.c.id == bindparam("visit_id"))


def _compare_and_set(column: str) -> Update:
    """Set a visit's JSON list ``column`` only if it is still the one the caller read (two answers
    or openings racing in one visit: the later retries on the fresh list instead of overwriting)."""
    return (
        update(VISITS)
        .where(
            VISITS.c.id == bindparam("visit_id"),
            VISITS.c.ended_at.is_(None),
            VISITS.c[column].is_not_distinct_from(bindparam("expected")),
        )
        .values({column: bindparam("value")})
    )


_SET_LIST = {column: _compare_and_set(column) for column in ("documents", "consents")}
_ROTATE = (
    update(ASSIST_CARDS)
    .where(ASSIST_CARDS.c.citizen_id == bindparam("owner"), ASSIST_CARDS.c.card_id == bindparam("old"))
    .values(card_id=bindparam("new"))
)
_END_OTHERS = (
    update(VISITS)
    .where(
        VISITS.c.citizen_id == bindparam("owner"),
        VISITS.c.ended_at.is_(None),
        VISITS.c.expires_at > bindparam("at"),
        VISITS.c.id != bindparam("keep"),
    )
    .values(ended_at=bindparam("at"))
)
_PURGE_VISITS = delete(VISITS).where(
    VISITS.c.id.in_(
        select(VISITS.c.id)
        .where(VISITS.c.expires_at < bindparam("before"))
        .order_by(VISITS.c.expires_at)
        .limit(bindparam("batch"))
        .scalar_subquery()
    )
)
_END = (
    update(VISITS)
    .where(VISITS.c.id == bindparam("visit_id"), VISITS.c.ended_at.is_(None))
    .values(ended_at=bindparam("at"))
)


class SqlAssistRepository(Repository):
    """Wallet cards and visits on SQL."""

    __slots__ = ()

    @translated
    def card(self, citizen_id: str, *, lock: bool = False) -> AssistCardRecord | None:
        row = self.execute(_CARD_LOCKED if lock else _CARD_OF, {"citizen_id": citizen_id}).first()
        return None if row is None else AssistCardRecord(*row)

    @translated
    def by_card(self, card_id: str) -> AssistCardRecord | None:
        row = self.execute(_CARD_BY_ID, {"card_id": card_id}).first()
        return None if row is None else AssistCardRecord(*row)

    @translated
    def add_card(self, card: AssistCardRecord) -> None:
        self.insert(ASSIST_CARDS, card)

    @translated
    def set_pin(self, citizen_id: str, pin_hash: bytes, salt: bytes) -> None:
        self.execute(_SET_PIN, {"owner": citizen_id, "new_hash": pin_hash, "new_salt": salt})

    @translated
    def pin_failed(self, citizen_id: str) -> int:
        self.execute(_FAILED, {"owner": citizen_id})
        card = self.card(citizen_id)
        return 0 if card is None else card.failures

    @translated
    def lock(self, citizen_id: str, until: dt.datetime) -> None:
        self.execute(_LOCK, {"owner": citizen_id, "until": until})

    @translated
    def pin_ok(self, citizen_id: str) -> None:
        self.execute(_PIN_OK, {"owner": citizen_id})

    @translated
    def add_visit(self, visit: VisitRecord) -> None:
        self.insert(VISITS, visit)

    @translated
    def visit(self, visit_id: str) -> VisitRecord:
        row = self.execute(_VISIT_BY_ID, {"visit_id": visit_id}).first()
        if row is None:
            raise NotFound("no such visit")
        return VisitRecord(*row)

    @translated
    def set_visit_list(self, visit_id: str, column: str, value: str, expected: str | None) -> bool:
        params = {"visit_id": visit_id, "value": value, "expected": expected}
        return self.execute(_SET_LIST[column], params).rowcount == 1

    @translated
    def end_visit(self, visit_id: str, at: dt.datetime) -> bool:
        return self.execute(_END, {"visit_id": visit_id, "at": at}).rowcount == 1

    @translated
    def rotate_card(self, citizen_id: str, old_card_id: str, new_card_id: str) -> bool:
        params = {"owner": citizen_id, "old": old_card_id, "new": new_card_id}
        return self.execute(_ROTATE, params).rowcount == 1

    @translated
    def end_open_visits(self, citizen_id: str, at: dt.datetime, keep: str = "") -> int:
        return int(self.execute(_END_OTHERS, {"owner": citizen_id, "at": at, "keep": keep}).rowcount)

    @translated
    def purge_visits(self, before: dt.datetime, batch: int) -> int:
        return int(self.execute(_PURGE_VISITS, {"before": before, "batch": batch}).rowcount)
