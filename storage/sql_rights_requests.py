"""The citizen's requests to agencies on SQL (deletion, correction); answers are conditional UPDATEs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, exists, func, select, update

from storage.errors import NotFound
from storage.records import RightsRequestRecord
from storage.rights_tables import RIGHTS_REQUESTS
from storage.sql_base import Repository, columns, translated
from storage.tables import CONSENT_PULLS, CONSENTS

__all__ = ["SqlRightsRequestRepository"]

_R = RIGHTS_REQUESTS.c
_REQUEST = columns(RIGHTS_REQUESTS, RightsRequestRecord)
_GET = select(*_REQUEST).where(_R.id == bindparam("request_id"))
_OF_CITIZEN = (
    select(*_REQUEST)
    .where((_R.citizen_id == bindparam("citizen_id")) & (_R.kind == bindparam("kind")))
    .order_by(_R.created_at.desc(), _R.id)
)
_FOR_CONSENT = select(*_REQUEST).where((_R.kind == "deletion") & (_R.consent_id == bindparam("consent_id")))
_OPEN_FOR = (
    select(*_REQUEST)
    .where(
        _R.agency_id.in_(bindparam("agency_ids", expanding=True))
        & (_R.kind == bindparam("kind"))
        & (_R.status == "open")
    )
    .order_by(_R.due_at, _R.id)
)
# An answer lands once, on an open request addressed to that agency: the loser of a race matches nothing.
_ANSWER = (
    update(RIGHTS_REQUESTS)
    .where(
        (_R.id == bindparam("request_id"))
        & _R.agency_id.in_(bindparam("agency_ids", expanding=True))
        & (_R.status == "open")
    )
    .values(
        status=bindparam("new_status"),
        answered_at=bindparam("at"),
        answer=bindparam("new_answer"),
        refusal=bindparam("new_refusal"),
    )
)
_OVERDUE = (
    select(*_REQUEST)
    .where((_R.status == "open") & (_R.due_at <= bindparam("now")))
    .order_by(_R.due_at, _R.id)
)
_ESCALATE = (
    update(RIGHTS_REQUESTS)
    .where((_R.id == bindparam("request_id")) & (_R.status == "open") & _R.escalated_at.is_(None))
    .values(escalated_at=bindparam("at"))
)
# Consents an agency pulled data under and no deletion request names yet, with the last pull.
_PULLED_UNASKED = (
    select(
        CONSENTS.c.id,
        CONSENTS.c.citizen_id,
        CONSENTS.c.agency_id,
        CONSENTS.c.retention_days,
        func.max(CONSENT_PULLS.c.served_at).label("last_pull"),
    )
    .join(CONSENT_PULLS, CONSENT_PULLS.c.consent_id == CONSENTS.c.id)
    .where(~exists().where((_R.kind == "deletion") & (_R.consent_id == CONSENTS.c.id)))
    .where(CONSENTS.c.id > bindparam("after"))
    .group_by(CONSENTS.c.id, CONSENTS.c.citizen_id, CONSENTS.c.agency_id, CONSENTS.c.retention_days)
    .order_by(CONSENTS.c.id)
)


class SqlRightsRequestRepository(Repository):
    """Deletion and correction requests, and the consents whose promised retention has passed."""

    __slots__ = ()

    @translated
    def add(self, request: RightsRequestRecord) -> None:
        self.insert(RIGHTS_REQUESTS, request)

    @translated
    def get(self, request_id: str) -> RightsRequestRecord:
        row = self.execute(_GET, {"request_id": request_id}).first()
        if row is None:
            raise NotFound("no such request")
        return RightsRequestRecord(*row)

    @translated
    def for_consent(self, consent_id: str) -> RightsRequestRecord | None:
        row = self.execute(_FOR_CONSENT, {"consent_id": consent_id}).first()
        return RightsRequestRecord(*row) if row else None

    @translated
    def of_citizen(self, citizen_id: str, kind: str) -> Sequence[RightsRequestRecord]:
        rows = self.execute(_OF_CITIZEN, {"citizen_id": citizen_id, "kind": kind})
        return [RightsRequestRecord(*row) for row in rows]

    @translated
    def open_for(self, agency_ids: Sequence[str], kind: str, limit: int) -> Sequence[RightsRequestRecord]:
        rows = self.execute(_OPEN_FOR.limit(limit), {"agency_ids": list(agency_ids), "kind": kind})
        return [RightsRequestRecord(*row) for row in rows]

    @translated
    def answer(
        self,
        request_id: str,
        agency_ids: Sequence[str],
        status: str,
        at: dt.datetime,
        *,
        answer: str | None = None,
        refusal: str | None = None,
    ) -> bool:
        params = {
            "request_id": request_id,
            "agency_ids": list(agency_ids),
            "new_status": status,
            "at": at,
            "new_answer": answer,
            "new_refusal": refusal,
        }
        return bool(self.execute(_ANSWER, params).rowcount == 1)

    @translated
    def overdue(
        self, now: dt.datetime, limit: int, *, unescalated: bool = False
    ) -> Sequence[RightsRequestRecord]:
        statement = _OVERDUE.where(_R.escalated_at.is_(None)) if unescalated else _OVERDUE
        return [RightsRequestRecord(*row) for row in self.execute(statement.limit(limit), {"now": now})]

    @translated
    def escalate(self, request_id: str, at: dt.datetime) -> bool:
        return bool(self.execute(_ESCALATE, {"request_id": request_id, "at": at}).rowcount == 1)

    @translated
    def pulled_unasked(self, after: str, limit: int) -> Sequence[tuple[str, str, str, int, dt.datetime]]:
        """(consent, citizen, agency, retention days, last pull) of consents data was pulled under
        and no deletion request names, in consent-id order after ``after``."""
        rows = self.execute(_PULLED_UNASKED.limit(limit), {"after": after})
        return [(str(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4]) for r in rows]
