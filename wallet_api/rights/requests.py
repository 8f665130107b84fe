"""What deletion and correction requests share: the view, the deadline, the escalation sweep.

A request is ``open`` until the agency answers it (``answered``) or refuses it (``refused``); an open
request past its deadline (``WALLET_RIGHTS_DEADLINE_SECONDS``, 72 h by default) shows as ``overdue``
to the citizen, is listed to the operator (``wallet rights overdue``) and, once, is written to the
citizen's log as escalated. ``RightsSweep.run`` does the periodic part: it asks agencies to delete
what they pulled once the retention they promised has passed, and escalates overdue requests. It
runs from ``wallet collect`` (and ``wallet rights sweep``), on the service's injected clock.

Every change to a request (asked, answered, refused, escalated) appends its entry to the citizen's
log in the same transaction (``log_request_event`` with the unit of work): never one without the other.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import storage
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest
from wallet_api.errors_consent import AccessLogBusy, AccessLogCorrupted
from wallet_api.rights.errors import RightsRequestNotFound
from wallet_api.services.access_log import record_access
from wallet_api.services.agencies import AgencyService

log = logging.getLogger("wallet.rights")
MAX_NOTE = 1000
PAGE = 500
RESOURCE = {"deletion": "deletion-request", "correction": "correction-request"}


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as the citizen, the agency or the operator sees it (``status`` includes ``overdue``)."""

    id: str
    kind: str
    origin: str
    status: str
    agency_id: str
    agency_name: str
    created_at: dt.datetime
    due_at: dt.datetime
    answered_at: dt.datetime | None
    consent_id: str | None
    procedure_code: str | None
    case_number: str | None
    credential_id: str | None
    claim: str | None
    proposed: str | None
    note: str | None
    attestation: str | None  # the agency's signed deletion attestation (compact JWS)
    reissued_credential_id: str | None
    refusal: str | None


def status_at(record: storage.RightsRequestRecord, now: dt.datetime) -> str:
    """``open``, ``overdue`` (open past its deadline), ``answered`` or ``refused``."""
    if record.status == "open" and now >= record.due_at:
        return "overdue"
    return record.status


def view(uow: storage.UnitOfWork, record: storage.RightsRequestRecord, now: dt.datetime) -> RequestView:
    """The request in words the phone and the agency show (agency name, procedure, case)."""
    try:
        agency_name = uow.agencies.get(record.agency_id).display_name
    except storage.NotFound:
        agency_name = record.agency_id
    procedure_code = case_number = None
    if record.consent_id is not None:
        try:
            consent = uow.consents.get(record.consent_id)
            procedure_code, case_number = consent.procedure_code, consent.case_number
        except storage.NotFound:
            pass
    return RequestView(
        id=record.id,
        kind=record.kind,
        origin=record.origin,
        status=status_at(record, now),
        agency_id=record.agency_id,
        agency_name=agency_name,
        created_at=record.created_at,
        due_at=record.due_at,
        answered_at=record.answered_at,
        consent_id=record.consent_id,
        procedure_code=procedure_code,
        case_number=case_number,
        credential_id=record.credential_id,
        claim=record.claim,
        proposed=record.proposed,
        note=record.note,
        attestation=record.answer if record.kind == "deletion" and record.status == "answered" else None,
        reissued_credential_id=(
            record.answer if record.kind == "correction" and record.status == "answered" else None
        ),
        refusal=record.refusal,
    )


def text(value: str | None, what: str, *, required: bool = True, limit: int = MAX_NOTE) -> str | None:
    """A citizen's or an officer's words: NFC, printable, 1..``limit`` characters (``None`` if optional)."""
    value = unicodedata.normalize("NFC", (value or "").strip())
    if not value and not required:
        return None
    if not 0 < len(value) <= limit or not value.replace("\n", " ").isprintable():
        raise InvalidRequest(
            what,
            reason_vi=f"{what}: 1-{limit} ký tự in được",
            reason_en=f"{what}: 1-{limit} printable characters",
        )
    return value


def new_request(
    ctx: Context, kind: str, citizen_id: str, agency_id: str, **fields: str | None
) -> storage.RightsRequestRecord:
    """An open request due after the configured deadline."""
    now = ctx.utcnow()
    return storage.RightsRequestRecord(
        id=str(uuid.uuid4()),
        kind=kind,
        citizen_id=citizen_id,
        agency_id=agency_id,
        consent_id=fields.get("consent_id"),
        credential_id=fields.get("credential_id"),
        claim=fields.get("claim"),
        proposed=fields.get("proposed"),
        note=fields.get("note"),
        origin=fields.get("origin") or "citizen",
        status="open",
        created_at=now,
        due_at=now + dt.timedelta(seconds=ctx.settings.rights_deadline_seconds),
    )


class AddressedRequests:
    """The agency side both kinds share: which requests an agency may see and answer."""

    kind = ""

    def __init__(self, ctx: Context, agencies: AgencyService) -> None:
        self.ctx = ctx
        self.agencies = agencies

    def answering_ids(self, agency_id: str) -> list[str]:
        """The agency and every agency it succeeded: it answers for their requests too."""
        return [a.id for a in self.agencies.lineage_of(agency_id)]

    def addressed(self, agency_id: str, request_id: str) -> storage.RightsRequestRecord:
        """The request, if it is of this kind and addressed to the agency (else: not found)."""
        try:
            uuid.UUID(request_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.rights_requests.get(request_id)
        except (ValueError, storage.NotFound):
            raise RightsRequestNotFound() from None
        if record.kind != self.kind or record.agency_id not in self.answering_ids(agency_id):
            raise RightsRequestNotFound()  # another agency's: indistinguishable from none
        return record

    def open_for(self, agency_id: str) -> list[RequestView]:
        """The agency's open requests of this kind, soonest due first."""
        ids = self.answering_ids(agency_id)
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return [view(uow, r, now) for r in uow.rights_requests.open_for(ids, self.kind, PAGE)]

    def of_citizen(self, citizen_id: str) -> list[RequestView]:
        """The citizen's requests of this kind, newest first."""
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return [view(uow, r, now) for r in uow.rights_requests.of_citizen(citizen_id, self.kind)]


def log_request_event(
    ctx: Context,
    uow: storage.UnitOfWork,
    record: storage.RightsRequestRecord,
    action: AccessAction,
    *,
    purpose: str,
    resource: tuple[str, str] | None = None,
) -> None:
    """One entry in the citizen's log about ``record``, naming the agency it is addressed to.

    Appended in ``uow``'s transaction, the one that changes the request (call it before
    ``uow.commit()``): the request's change and its entry land together or not at all."""
    agency = uow.agencies.get(record.agency_id)
    consent = uow.consents.get(record.consent_id) if record.consent_id else None
    record_access(
        ctx,
        record.citizen_id,
        agency,
        resource or (record.id, RESOURCE[record.kind]),
        action,
        purpose=purpose,
        procedure_code=consent.procedure_code if consent else "-",
        consent_id=consent.id if consent else None,
        case_number=consent.case_number if consent else None,
        store=uow.log_store(),
    )


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep did."""

    auto_asked: int
    escalated: int


class RightsSweep:
    """The periodic part: ask for deletion once a promised retention passed; escalate overdue requests."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def run(self, progress: Callable[[str], None] = lambda line: None) -> SweepResult:
        """One pass over both (bounded pages; safe to run from several places at once).

        A request whose citizen's log refuses its entry is left as it was (the change rolled back
        with the entry) and tried again next run; one damaged log does not stop the others."""
        return SweepResult(self._auto_ask(progress), self._escalate(progress))

    def overdue(self, limit: int = PAGE) -> Sequence[RequestView]:
        """Open requests past their deadline, soonest due first (for the operator)."""
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return [view(uow, r, now) for r in uow.rights_requests.overdue(now, limit)]

    def _auto_ask(self, progress: Callable[[str], None]) -> int:
        now, asked, after = self.ctx.utcnow(), 0, ""
        while True:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                page = uow.rights_requests.pulled_unasked(after, PAGE)
            if not page:
                return asked
            after = page[-1][0]
            for consent_id, citizen_id, agency_id, retention_days, last_pull in page:
                if last_pull + dt.timedelta(days=retention_days) > now:
                    continue
                record = new_request(
                    self.ctx, "deletion", citizen_id, agency_id, consent_id=consent_id, origin="retention"
                )
                over = f"Hết hạn lưu giữ {retention_days} ngày / {retention_days}-day retention over"
                try:
                    with self.ctx.metadata.unit_of_work() as uow:
                        try:
                            uow.rights_requests.add(record)
                        except storage.Conflict:  # asked meanwhile (the citizen, or another sweep)
                            continue
                        log_request_event(
                            self.ctx, uow, record, AccessAction.DELETION_AUTO_ASKED, purpose=over
                        )
                        uow.commit()
                except (AccessLogCorrupted, AccessLogBusy):
                    log.error("consent %s: deletion not asked, its log refused the entry", consent_id)
                    continue  # nothing kept: the next sweep asks again
                progress(f"auto-asked {record.id} ({agency_id})")
                asked += 1

    def _escalate(self, progress: Callable[[str], None]) -> int:
        escalated, refused = 0, set[str]()  # refused: their log refused the entry (next run again)
        while True:
            now = self.ctx.utcnow()
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                overdue = uow.rights_requests.overdue(now, PAGE + len(refused), unescalated=True)
            page = [record for record in overdue if record.id not in refused]
            if not page:
                return escalated
            for record in page:  # each leaves the unescalated ones (escalated, or answered) or is refused
                try:
                    with self.ctx.metadata.unit_of_work() as uow:
                        if not uow.rights_requests.escalate(record.id, now):
                            continue  # answered or escalated meanwhile
                        log_request_event(
                            self.ctx,
                            uow,
                            record,
                            AccessAction.REQUEST_OVERDUE,
                            purpose="Quá hạn trả lời / Overdue",
                        )
                        uow.commit()
                except (AccessLogCorrupted, AccessLogBusy):
                    log.error("request %s: not escalated, its log refused the entry", record.id)
                    refused.add(record.id)
                    continue
                progress(f"escalated {record.id} ({record.agency_id})")
                escalated += 1
