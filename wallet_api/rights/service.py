"""Restriction and objection (pause new consent requests), and breach notices.

A pause names an agency, a procedure, or both; while it is active, ``ConsentService.request``
refuses a matching request with ``requests_paused`` and the citizen's log says who was blocked,
for what. Consents already given, their receipts and their pulls are untouched: pausing is not
revoking. A breach notice the operator records lands in each affected citizen's log (signed, so
it cannot be quietly dropped later) and in ``GET /v1/me/incidents``, both in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import storage
from consent.procedures import procedures
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest
from wallet_api.errors_consent import UnknownProcedure
from wallet_api.rights.errors import (
    RequestsPaused,
    RestrictionEmpty,
    RestrictionNotFound,
    RestrictionUnknownAgency,
)
from wallet_api.services.access_log import record_by

MAX_ACTIVE = 50  # pauses per citizen: enough for anyone, bounded for the check on every request
OPERATOR = ("operator", "Đơn vị vận hành ví / The wallet's operator")
PAUSED_RESOURCE = ("-", "consent-request")
MAX_TEXT = 2000
TELL_PER_TRANSACTION = 100  # citizens told (and logged) per transaction of an incident notice


@dataclass(frozen=True, slots=True)
class RestrictionView:
    """A pause as the phone shows it: what it names, in words, and since when."""

    id: str
    agency_id: str | None
    agency_name: str | None
    procedure_code: str | None
    procedure_name_vi: str | None
    procedure_name_en: str | None
    since: dt.datetime


class RestrictionService:
    """Pause and resume new consent requests from an agency or for a procedure."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(self, citizen_id: str, agency_id: str | None, procedure_code: str | None) -> RestrictionView:
        """Pause new requests matching the agency and/or the procedure."""
        if not agency_id and not procedure_code:
            raise RestrictionEmpty()
        if procedure_code and procedure_code not in procedures():
            raise UnknownProcedure(procedure_code=procedure_code[:32])
        record = storage.RestrictionRecord(
            id=str(uuid.uuid4()),
            citizen_id=citizen_id,
            agency_id=agency_id or None,
            procedure_code=procedure_code or None,
            created_at=self.ctx.utcnow(),
        )
        with self.ctx.metadata.unit_of_work() as uow:
            if agency_id:
                try:
                    uow.agencies.get(agency_id)
                except storage.NotFound:
                    raise RestrictionUnknownAgency(agency_id=agency_id[:64]) from None
            active = uow.restrictions.active(citizen_id)
            same = next(
                (
                    r
                    for r in active
                    if (r.agency_id, r.procedure_code) == (record.agency_id, record.procedure_code)
                ),
                None,
            )
            if same is not None:  # pausing twice changes nothing
                return self._view(uow, same)
            if len(active) >= MAX_ACTIVE:
                raise InvalidRequest(
                    "too many pauses",
                    reason_vi=f"tối đa {MAX_ACTIVE} yêu cầu tạm dừng",
                    reason_en=f"at most {MAX_ACTIVE} pauses",
                )
            uow.restrictions.add(record)
            uow.commit()
            return self._view(uow, record)

    def active(self, citizen_id: str) -> list[RestrictionView]:
        """The citizen's active pauses, oldest first."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return [self._view(uow, r) for r in uow.restrictions.active(citizen_id)]

    def lift(self, citizen_id: str, restriction_id: str) -> None:
        """Resume: requests matching the pause are accepted again (another citizen's: not found)."""
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.restrictions.lift(citizen_id, restriction_id[:64], self.ctx.utcnow()):
                raise RestrictionNotFound()
            uow.commit()

    def refuse_if_paused(
        self,
        uow: storage.UnitOfWork,
        citizen_id: str,
        agency: storage.AgencyRecord,
        procedure_code: str,
        purpose: str,
        case_number: str,
    ) -> Callable[[], None] | None:
        """If a pause matches, what to do once the request's transaction is closed: log the blocked
        request in the citizen's log and raise ``RequestsPaused``; ``None`` if nothing matches."""
        if uow.restrictions.blocking(citizen_id, agency.id, procedure_code) is None:
            return None

        def refuse() -> None:
            record_by(
                self.ctx,
                citizen_id,
                (agency.id, agency.display_name),
                PAUSED_RESOURCE,
                AccessAction.REQUEST_PAUSED,
                purpose=purpose,
                procedure_code=procedure_code,
                case_number=case_number,
            )
            raise RequestsPaused()

        return refuse

    @staticmethod
    def _view(uow: storage.UnitOfWork, record: storage.RestrictionRecord) -> RestrictionView:
        agency_name = None
        if record.agency_id:
            try:
                agency_name = uow.agencies.get(record.agency_id).display_name
            except storage.NotFound:
                agency_name = record.agency_id
        procedure = procedures().get(record.procedure_code or "")
        return RestrictionView(
            id=record.id,
            agency_id=record.agency_id,
            agency_name=agency_name,
            procedure_code=record.procedure_code,
            procedure_name_vi=procedure.name_vi if procedure else None,
            procedure_name_en=procedure.name_en if procedure else None,
            since=record.created_at,
        )


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not 0 < len(value) <= MAX_TEXT or not value.replace("\n", " ").isprintable():
        raise InvalidRequest(
            what,
            reason_vi=f"{what}: 1-{MAX_TEXT} ký tự in được",
            reason_en=f"{what}: 1-{MAX_TEXT} printable characters",
        )
    return value


class IncidentService:
    """Personal-data breaches: recorded by the operator, told to each affected citizen."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def record(
        self,
        *,
        title: tuple[str, str],
        detail: tuple[str, str],
        occurred_at: dt.datetime,
        citizen_ids: Iterable[str] | None,
        progress: Callable[[int], None] = lambda n: None,
    ) -> tuple[storage.IncidentRecord, int]:
        """Record an incident and tell ``citizen_ids`` (``None``: every citizen); how many were told.

        Each citizen gets a log entry and a row in ``incident_citizens`` in one transaction, read a
        thousand at a time and told ``TELL_PER_TRANSACTION`` per transaction (each append holds the
        log's write lock: short transactions keep other writers waiting briefly); unknown ids are
        skipped. A log that refuses its entry rolls back its transaction and stops the run (those
        told before stay told and logged).
        """
        incident = storage.IncidentRecord(
            id=str(uuid.uuid4()),
            title_vi=_text(title[0], "title_vi"),
            title_en=_text(title[1], "title_en"),
            detail_vi=_text(detail[0], "detail_vi"),
            detail_en=_text(detail[1], "detail_en"),
            occurred_at=occurred_at,
            recorded_at=self.ctx.utcnow(),
        )
        with self.ctx.metadata.unit_of_work() as uow:
            uow.incidents.add(incident)
            uow.commit()
        told = 0
        for batch in self._batches(citizen_ids):
            for start in range(0, len(batch), TELL_PER_TRANSACTION):
                told_now = batch[start : start + TELL_PER_TRANSACTION]
                with self.ctx.metadata.unit_of_work() as uow:
                    # telling a citizen and their log entry: one transaction, all or nothing
                    uow.incidents.tell(incident.id, told_now, self.ctx.utcnow())
                    for citizen_id in told_now:
                        record_by(
                            self.ctx,
                            citizen_id,
                            OPERATOR,
                            (incident.id, "incident"),
                            AccessAction.INCIDENT,
                            purpose=f"{incident.title_vi} / {incident.title_en}",
                            store=uow.log_store(),
                        )
                    uow.commit()
                told += len(told_now)
                progress(len(told_now))
        return incident, told

    def _batches(self, citizen_ids: Iterable[str] | None) -> Iterable[list[str]]:
        if citizen_ids is None:  # everyone, a keyset page at a time (never the whole table at once)
            after = ""
            while True:
                with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                    page = list(uow.incidents.citizen_ids(after, 1000))
                if not page:
                    return
                yield page
                after = page[-1]
        batch: list[str] = []
        for citizen_id in dict.fromkeys(citizen_ids):
            batch.append(citizen_id)
            if len(batch) == 1000:
                yield self._known(batch)
                batch = []
        if batch:
            yield self._known(batch)

    def _known(self, batch: list[str]) -> list[str]:
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            known = []
            for citizen_id in batch:
                try:
                    uow.citizens.get(citizen_id)
                except storage.NotFound:
                    continue
                known.append(citizen_id)
            return known

    def of_citizen(self, citizen_id: str) -> list[storage.IncidentRecord]:
        """The incidents the citizen was told about, newest first."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return list(uow.incidents.of_citizen(citizen_id))
