"""Consents on SQL: requests, decisions, uses and reuse statistics (SQLAlchemy Core).

Every change of state is one conditional UPDATE whose WHERE clause restates
the rule, so two racing requests cannot both win: a decision only lands on a
pending, unexpired consent; a use only while approved, unexpired and below
the maximum (``uses = uses + 1 ... RETURNING uses``). PostgreSQL re-checks the
WHERE clause on the row version a waiting UPDATE finally sees; SQLite runs one
writer at a time. The loser matches no row and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, func, insert, select, update

from storage.errors import NotFound
from storage.records import AgencyRecord, ConsentPullRecord, ConsentRecord, PageWindow, ReuseStat
from storage.sql_base import Repository, columns, keyset_page, translated, values
from storage.tables import AGENCIES, CONSENT_PULLS, CONSENTS

__all__ = ["SqlConsentRepository"]

_CONSENT = columns(CONSENTS, ConsentRecord)
_GET = select(*_CONSENT).where(CONSENTS.c.id == bindparam("consent_id"))
_AGENCY = columns(AGENCIES, AgencyRecord)
# A pull's one read of the consent and the agency that asked, joined on the primary key.
_GET_WITH_AGENCY = (
    select(*_CONSENT, *_AGENCY)
    .join(AGENCIES, AGENCIES.c.id == CONSENTS.c.agency_id)
    .where(CONSENTS.c.id == bindparam("consent_id"))
)
_OF_CITIZEN = (
    select(*_CONSENT)
    .where(CONSENTS.c.citizen_id == bindparam("citizen_id"))
    .order_by(CONSENTS.c.created_at.desc(), CONSENTS.c.id)
)
_OF_CITIZEN_WITH_STATUS = _OF_CITIZEN.where(CONSENTS.c.status == bindparam("status"))
_DECIDE = (
    update(CONSENTS)
    .where(
        (CONSENTS.c.id == bindparam("consent_id"))
        & (CONSENTS.c.citizen_id == bindparam("owner"))
        & (CONSENTS.c.status == "pending")
        & (CONSENTS.c.valid_until > bindparam("at"))
    )
    .values(
        status=bindparam("new_status"),
        approved=bindparam("new_approved"),
        decision=bindparam("new_decision"),
        device_jkt=bindparam("new_jkt"),
        decided_at=bindparam("at"),
    )
)
_END = (
    update(CONSENTS)
    .where(
        (CONSENTS.c.id == bindparam("consent_id"))
        & CONSENTS.c.status.in_(bindparam("from_statuses", expanding=True))
    )
    .values(status=bindparam("new_status"), ended_at=bindparam("at"))
)
_CONSUME = (
    update(CONSENTS)
    .where(
        (CONSENTS.c.id == bindparam("consent_id"))
        & (CONSENTS.c.agency_id == bindparam("agency"))
        & (CONSENTS.c.status == "approved")
        & (CONSENTS.c.uses < CONSENTS.c.max_uses)
        & (CONSENTS.c.valid_until > bindparam("now"))
    )
    .values(uses=CONSENTS.c.uses + 1)
    .returning(CONSENTS.c.uses)
)
_ADD_PULL = insert(CONSENT_PULLS)
_SERVED = select(
    CONSENT_PULLS.c.procedure_code,
    CONSENT_PULLS.c.agency_id,
    CONSENT_PULLS.c.consent_id,
    func.count().label("pulls"),
).group_by(
    CONSENT_PULLS.c.procedure_code,
    CONSENT_PULLS.c.agency_id,
    CONSENT_PULLS.c.consent_id,
    CONSENT_PULLS.c.resource_kind,
    CONSENT_PULLS.c.resource_id,
)


def _stats(served: Sequence[tuple[str, str, str, int]]) -> list[ReuseStat]:
    """Per (procedure, agency): consents used, distinct items served, pulls."""
    groups: dict[tuple[str, str], tuple[set[str], int, int]] = {}
    for procedure_code, agency_id, consent_id, pulls in served:
        consents, items, total = groups.get((procedure_code, agency_id), (set(), 0, 0))
        consents.add(consent_id)
        groups[procedure_code, agency_id] = (consents, items + 1, total + int(pulls))
    return [
        ReuseStat(procedure_code, agency_id, len(consents), items, pulls)
        for (procedure_code, agency_id), (consents, items, pulls) in sorted(groups.items())
    ]


class SqlConsentRepository(Repository):
    """Consents and their uses on SQL."""

    __slots__ = ()

    @translated
    def add(self, consent: ConsentRecord) -> None:
        self.insert(CONSENTS, consent)

    @translated
    def get(self, consent_id: str) -> ConsentRecord:
        row = self.execute(_GET, {"consent_id": consent_id}).first()
        if row is None:
            raise NotFound("no such consent")
        return ConsentRecord(*row)

    @translated
    def get_with_agency(self, consent_id: str) -> tuple[ConsentRecord, AgencyRecord]:
        row = self.execute(_GET_WITH_AGENCY, {"consent_id": consent_id}).first()
        if row is None:
            raise NotFound("no such consent")
        split = len(_CONSENT)
        return ConsentRecord(*row[:split]), AgencyRecord(*row[split:])

    @translated
    def list_for_citizen(self, citizen_id: str, status: str | None = None) -> Sequence[ConsentRecord]:
        if status is None:
            result = self.execute(_OF_CITIZEN, {"citizen_id": citizen_id})
        else:
            result = self.execute(_OF_CITIZEN_WITH_STATUS, {"citizen_id": citizen_id, "status": status})
        return [ConsentRecord(*row) for row in result]

    @translated
    def page_for_citizen(
        self, citizen_id: str, window: PageWindow, status: str | None = None
    ) -> Sequence[ConsentRecord]:
        statement = select(*_CONSENT).where(CONSENTS.c.citizen_id == citizen_id)
        if status is not None:
            statement = statement.where(CONSENTS.c.status == status)
        return [ConsentRecord(*row) for row in self.execute(keyset_page(statement, CONSENTS, window))]

    @translated
    def decide(self, decided: ConsentRecord) -> bool:
        params = {
            "consent_id": decided.id,
            "owner": decided.citizen_id,
            "new_status": decided.status,
            "new_approved": decided.approved,
            "new_decision": decided.decision,
            "new_jkt": decided.device_jkt,
            "at": decided.decided_at,
        }
        return bool(self.execute(_DECIDE, params).rowcount == 1)

    @translated
    def end(self, consent_id: str, from_statuses: Sequence[str], status: str, at: dt.datetime) -> bool:
        params: dict[str, object] = {"consent_id": consent_id, "from_statuses": list(from_statuses)}
        params.update(new_status=status, at=at)
        return bool(self.execute(_END, params).rowcount == 1)

    @translated
    def consume(self, consent_id: str, agency_id: str, now: dt.datetime) -> int | None:
        row = self.execute(_CONSUME, {"consent_id": consent_id, "agency": agency_id, "now": now}).first()
        return None if row is None else int(row[0])

    @translated
    def add_pull(self, pull: ConsentPullRecord) -> None:
        # No SAVEPOINT (``Repository.insert``): the key is the use number just taken, it cannot clash.
        self.execute(_ADD_PULL, values(pull))

    @translated
    def reuse_stats(self, citizen_id: str | None = None) -> Sequence[ReuseStat]:
        statement = _SERVED
        if citizen_id is not None:
            statement = statement.where(CONSENT_PULLS.c.citizen_id == bindparam("citizen_id"))
        rows = self.execute(statement, {"citizen_id": citizen_id} if citizen_id is not None else None)
        return _stats([(str(a), str(b), str(c), int(d)) for a, b, c, d in rows])
