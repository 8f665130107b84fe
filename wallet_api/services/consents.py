"""Consent requests by agencies, and the citizen's view of them (the decision is in ``consent_decisions``).

A requesting agency asks for named data for a named purpose and procedure;
the citizen sees exactly what would be shared and which of their own
credentials and documents satisfy each item. Silence is not consent: a pending
request gives no access, and it lapses with its validity period.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import storage
from consent.policy import PolicyError, RequestedItem, requested_items
from consent.procedures import procedures
from wallet_api.context import Context
from wallet_api.errors import ForbiddenRole, InvalidRequest
from wallet_api.errors_consent import ConsentNotFound, from_policy
from wallet_api.paging import Page, PageQuery, cut
from wallet_api.rights.service import RestrictionService
from wallet_api.services.agencies import AgencyService, active_at
from wallet_api.services.consent_views import RECEIPT_TYP, Candidate, ConsentView, receipt, view_of
from wallet_api.services.credentials import credential_state
from wallet_api.services.documents import DocumentService
from wallet_api.services.issuance import IssuanceService

MAX_VALIDITY_SECONDS = 366 * 86400
MAX_USES = 1_000_000
MAX_RETENTION_DAYS = 3650
MAX_PURPOSE = 500
MAX_CASE_NUMBER = 64


@dataclass(frozen=True, slots=True)
class ConsentAsk:
    """What a requesting agency asks for; ``items`` None means what the procedure accepts."""

    cccd: str
    purpose: str
    procedure_code: str
    case_number: str
    items: Sequence[tuple[str, Sequence[str] | None]] | None
    valid_for_seconds: int
    max_uses: int
    retention_days: int


def _invalid(vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(en, reason_vi=vi, reason_en=en)


def _clean_text(value: str, limit: int, vi: str, en: str) -> str:
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not 1 <= len(text) <= limit or any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise _invalid(f"{vi} phải có 1-{limit} ký tự", f"{en} must have 1-{limit} characters")
    return text


def _check_terms(ask: ConsentAsk) -> None:
    if not 1 <= ask.valid_for_seconds <= MAX_VALIDITY_SECONDS:
        raise _invalid("thời hạn phải từ 1 giây đến 366 ngày", "validity must be 1 second to 366 days")
    if not 1 <= ask.max_uses <= MAX_USES:
        raise _invalid(f"số lần dùng phải từ 1 đến {MAX_USES}", f"max_uses must be 1 to {MAX_USES}")
    if not 0 <= ask.retention_days <= MAX_RETENTION_DAYS:
        raise _invalid("thời gian lưu giữ phải từ 0 đến 3650 ngày", "retention must be 0 to 3650 days")


def consent_uuid(consent_id: str) -> str:
    """The id if it is a UUID; otherwise the consent does not exist."""
    try:
        return str(uuid.UUID(consent_id))
    except ValueError:
        raise ConsentNotFound() from None


class ConsentService:
    """Requests, their status for the agency, and the citizen's list of them."""

    def __init__(
        self,
        ctx: Context,
        agencies: AgencyService,
        issuance: IssuanceService,
        documents: DocumentService,
        restrictions: RestrictionService,
    ) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.issuance = issuance
        self.documents = documents
        self.restrictions = restrictions
        procedures()  # the procedure catalog is checked against the document types at start-up

    def requester(self, agency_id: str) -> storage.AgencyRecord:
        """The agency, if it is an active requester."""
        agency = self.agencies.get(agency_id)
        if "requester" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        return agency

    def request(self, agency_id: str, ask: ConsentAsk) -> ConsentView:
        """Record a consent request for the citizen with ``ask.cccd``; it waits for their decision."""
        agency = self.requester(agency_id)
        try:
            items = requested_items(ask.procedure_code, ask.items)
        except PolicyError as exc:
            raise from_policy(exc) from None
        _check_terms(ask)
        now = self.ctx.utcnow()
        case_number = _clean_text(ask.case_number, MAX_CASE_NUMBER, "số hồ sơ", "case_number")
        purpose = _clean_text(ask.purpose, MAX_PURPOSE, "mục đích", "purpose")
        with self.ctx.metadata.unit_of_work() as uow:
            citizen = self.issuance.citizen_by_cccd(uow, ask.cccd)
            refuse = self.restrictions.refuse_if_paused(
                uow, citizen.id, agency, ask.procedure_code, purpose, case_number
            )
            if refuse is None:
                record = self._record_request(
                    uow, citizen.id, agency.id, ask, items, now, case_number, purpose
                )
        if refuse is not None:
            refuse()  # logs the blocked request for the citizen, then raises requests_paused
        return view_of(record, agency.display_name, self.ctx.now())

    @staticmethod
    def _record_request(
        uow: storage.UnitOfWork,
        citizen_id: str,
        agency_id: str,
        ask: ConsentAsk,
        items: Sequence[RequestedItem],
        now: dt.datetime,
        case_number: str,
        purpose: str,
    ) -> storage.ConsentRecord:
        record = storage.ConsentRecord(
            id=str(uuid.uuid4()),
            citizen_id=citizen_id,
            agency_id=agency_id,
            procedure_code=ask.procedure_code,
            case_number=case_number,
            purpose=purpose,
            items=json.dumps([item.to_json() for item in items], ensure_ascii=False),
            status="pending",
            max_uses=ask.max_uses,
            uses=0,
            retention_days=ask.retention_days,
            created_at=now,
            valid_until=now + dt.timedelta(seconds=ask.valid_for_seconds),
        )
        uow.consents.add(record)
        uow.commit()
        return record

    def for_agency(self, agency_id: str, consent_id: str) -> ConsentView:
        """The agency's own request; another agency's is not found."""
        record = self._record(consent_id)
        if record.agency_id != agency_id:
            raise ConsentNotFound()
        return self._view(record)

    def close(self, agency_id: str, consent_id: str) -> ConsentView:
        """The agency closes its case: the consent ends at once (closing twice changes nothing)."""
        view = self.for_agency(agency_id, consent_id)
        with self.ctx.metadata.unit_of_work() as uow:
            uow.consents.end(view.record.id, ("pending", "approved"), "closed", self.ctx.utcnow())
            uow.commit()
        return self.for_agency(agency_id, consent_id)

    def for_citizen(self, citizen_id: str, consent_id: str) -> ConsentView:
        """One of the citizen's consents; another citizen's is not found."""
        record = self._record(consent_id)
        if record.citizen_id != citizen_id:
            raise ConsentNotFound()
        return self._view(record)

    def list_for_citizen(self, citizen_id: str, state: str | None) -> list[ConsentView]:
        """The citizen's consents, newest first, optionally only those in ``state`` now."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            stored = state if state in ("pending", "approved") else None
            records = uow.consents.list_for_citizen(citizen_id, stored)
            names = {r.agency_id: self._agency_name(uow, r.agency_id) for r in records}
        views = [view_of(r, names[r.agency_id], self.ctx.now()) for r in records]
        return [v for v in views if state is None or v.state == state]

    def page_for_citizen(self, query: PageQuery, state: str | None) -> Page[ConsentView]:
        """One page of the citizen's consents, newest first, optionally only those in ``state`` now.

        A state that changes with time (expired, used up) is known only once read: such a filtered
        page may hold fewer than ``limit`` items while ``next_cursor`` still leads on.
        """
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            stored = state if state in ("pending", "approved") else None
            page = cut(query, uow.consents.page_for_citizen(query.owner, query.window, stored), _consent_key)
            names = {r.agency_id: self._agency_name(uow, r.agency_id) for r in page.items}
        views = [view_of(r, names[r.agency_id], self.ctx.now()) for r in page.items]
        return Page([v for v in views if state is None or v.state == state], page.after)

    def candidates(self, citizen_id: str, types: set[str]) -> dict[str, list[Candidate]]:
        """The citizen's credentials and documents of each of ``types``."""
        found: dict[str, list[Candidate]] = {t: [] for t in types}
        if not found:
            return found
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            for cred in uow.credentials.list(citizen_id):
                if cred.doc_type in found:
                    issuer = self._agency_name(uow, cred.agency_id)
                    state = credential_state(uow, cred, now)
                    found[cred.doc_type].append(
                        Candidate(
                            "credential", cred.id, cred.doc_type, "issued", issuer, cred.created_at, state
                        )
                    )
        for meta in self.documents.list(citizen_id):
            if meta.doc_type in found:
                found[meta.doc_type].append(
                    Candidate(
                        "document", meta.id, meta.doc_type, meta.provenance, meta.filename, meta.created_at
                    )
                )
        return found

    def signed_receipt(self, view: ConsentView) -> dict[str, Any]:
        """The receipt, and the same signed by the service (``consent-receipt+jwt``)."""
        body = receipt(view, self.ctx.base_url())
        claims = {**body, "iat": self.ctx.now()}
        return {"receipt": body, "receipt_jws": self.ctx.service_keys.sign(claims, typ=RECEIPT_TYP)}

    def _record(self, consent_id: str) -> storage.ConsentRecord:
        key = consent_uuid(consent_id)
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                return uow.consents.get(key)
        except storage.NotFound:
            raise ConsentNotFound() from None

    def _view(self, record: storage.ConsentRecord) -> ConsentView:
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            name = self._agency_name(uow, record.agency_id)
        return view_of(record, name, self.ctx.now())

    @staticmethod
    def _agency_name(uow: storage.UnitOfWork, agency_id: str) -> str:
        try:
            return uow.agencies.get(agency_id).display_name
        except storage.NotFound:
            return agency_id


def _consent_key(record: storage.ConsentRecord) -> tuple[dt.datetime, str]:
    return record.created_at, record.id
