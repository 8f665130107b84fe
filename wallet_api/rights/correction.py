"""Correction: the citizen disputes a claim of a credential; its issuer re-issues it or refuses.

The citizen names the credential, the claim and what they say is right (and may add a note). The
issuer (or its successor after a merger) sees the request through the agency API with the citizen's
CCCD, issues a corrected credential the usual way (``POST /v1/agency/credentials``) and answers with
its id: the wallet checks it is a newer credential of the same type, for the same citizen, by this
issuer, links it to the request and revokes the disputed one in the issuer's status list, in one
transaction. Or the issuer refuses with its reason. Both land in the citizen's log.
"""

from __future__ import annotations

import uuid

import storage
from consent import document_types
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import CredentialNotFound
from wallet_api.rights.errors import ReissueRejected, RequestClosed, UnknownCorrectionClaim
from wallet_api.rights.requests import (
    PAGE,
    AddressedRequests,
    RequestView,
    log_request_event,
    new_request,
    text,
    view,
)
from wallet_api.services.access_log import record_access
from wallet_api.services.agencies import AgencyService
from wallet_api.services.citizens import CitizenService
from wallet_api.services.issuance import STATUS_VALUES

LOOKUP_PURPOSE = "Sửa thông tin theo yêu cầu của bạn / Correcting a credential at your request"


class CorrectionService(AddressedRequests):
    """Correction requests: disputed by the citizen, answered by the issuer."""

    kind = "correction"

    def __init__(self, ctx: Context, agencies: AgencyService, citizens: CitizenService) -> None:
        super().__init__(ctx, agencies)
        self.citizens = citizens

    def request(
        self, citizen_id: str, credential_id: str, claim: str, proposed: str, note: str | None
    ) -> RequestView:
        """Dispute ``claim`` of the citizen's credential: ``proposed`` is what they say is right."""
        try:
            uuid.UUID(credential_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                credential = uow.credentials.get(citizen_id, credential_id)
        except (ValueError, storage.NotFound):
            raise CredentialNotFound() from None  # another citizen's too
        doc_type = document_types().get(credential.doc_type)
        if doc_type is None or doc_type.claim(claim) is None:
            raise UnknownCorrectionClaim(claim=claim[:64])
        proposed_text = text(proposed, "proposed", limit=500) or ""
        note_text = text(note, "note", required=False)
        record = new_request(
            self.ctx,
            "correction",
            citizen_id,
            credential.agency_id,
            credential_id=credential.id,
            claim=claim,
            proposed=proposed_text,
            note=note_text,
        )
        with self.ctx.metadata.unit_of_work() as uow:
            uow.rights_requests.add(record)
            log_request_event(  # the request and its entry: one transaction
                self.ctx,
                uow,
                record,
                AccessAction.CORRECTION_ASKED,
                purpose=f"{claim}: {proposed_text}",
                resource=(credential.id, credential.doc_type),
            )
            uow.commit()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return view(uow, record, self.ctx.utcnow())

    def open_for_issuer(self, agency_id: str) -> list[tuple[RequestView, str]]:
        """The issuer's open corrections, soonest due first, each with the citizen's CCCD to re-issue
        to (it issued them the credential): one read of the requests, not one per request.

        The CCCD is the citizen's data read by someone else: each listed request is a lookup in that
        citizen's access log, as the re-issue queue's listing is."""
        ids = self.answering_ids(agency_id)
        lister = self.agencies.get(agency_id)
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            records = uow.rights_requests.open_for(ids, self.kind, PAGE)
            views = [view(uow, r, now) for r in records]
            disputed = [uow.credentials.get_any(r.credential_id or "") for r in records]
        listed = [(v, self.citizens.profile(r.citizen_id).cccd) for v, r in zip(views, records, strict=True)]
        for record, credential in zip(records, disputed, strict=True):
            resource = (credential.id, credential.doc_type)
            record_access(
                self.ctx, record.citizen_id, lister, resource, AccessAction.LOOKUP, purpose=LOOKUP_PURPOSE
            )
        return listed

    def reissue(self, agency_id: str, request_id: str, new_credential_id: str) -> RequestView:
        """Answer with the corrected credential: link it, revoke the disputed one (one transaction)."""
        record = self.addressed(agency_id, request_id)
        if record.status != "open":
            raise RequestClosed()
        ids = self.answering_ids(agency_id)
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            old = uow.credentials.get_any(record.credential_id or "")
            try:
                uuid.UUID(new_credential_id)
                new = uow.credentials.get_any(new_credential_id)
            except (ValueError, storage.NotFound):
                raise ReissueRejected() from None
            if (
                new.id == old.id
                or new.citizen_id != record.citizen_id
                or new.doc_type != old.doc_type
                or new.agency_id not in ids
                or new.created_at < record.created_at
            ):
                raise ReissueRejected()
            if not uow.rights_requests.answer(record.id, ids, "answered", now, answer=new.id):
                raise RequestClosed()
            uow.status_lists.set_status(old.status_list_id, old.status_idx, STATUS_VALUES["revoked"], now)
            log_request_event(  # the answer, the old credential revoked and the entry: one transaction
                self.ctx,
                uow,
                record,
                AccessAction.CORRECTION_REISSUED,
                purpose=f"{record.claim}: {new.id}",
                resource=(old.id, old.doc_type),
            )
            uow.commit()
            closed = uow.rights_requests.get(record.id)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return view(uow, closed, now)

    def refuse(self, agency_id: str, request_id: str, reason: str) -> RequestView:
        """Refuse with a reason the citizen reads."""
        why = text(reason, "reason", limit=500) or ""
        record = self.addressed(agency_id, request_id)
        if record.status != "open":
            raise RequestClosed()
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.rights_requests.answer(
                record.id, self.answering_ids(agency_id), "refused", now, refusal=why
            ):
                raise RequestClosed()
            credential = uow.credentials.get_any(record.credential_id or "")
            log_request_event(  # the refusal and its entry: one transaction
                self.ctx,
                uow,
                record,
                AccessAction.CORRECTION_REFUSED,
                purpose=why,
                resource=(credential.id, credential.doc_type),
            )
            uow.commit()
            closed = uow.rights_requests.get(record.id)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return view(uow, closed, now)
