"""Deletion at the agencies: the citizen asks an agency to delete what it pulled under a consent.

The agency answers through the agency API with a deletion attestation, a compact JWS (ES256 only,
``typ`` ``deletion-attestation+jwt``) by one of its registered keys, whose claims say what was
deleted, when, by whom and which copies::

    {"iss": agency id, "request_id": …, "consent_id": …, "what": "…", "deleted_at": unix seconds,
     "copies": ["hồ sơ điện tử", "bản sao lưu 2026-11"], "iat": unix seconds}

or with a refusal naming its legal basis. Either lands in the citizen's log; the attestation is kept
as the agency signed it, so the phone checks it against the agency's keys in the signed trust list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import crypto
import storage
from crypto.transparency.entry import AccessAction
from wallet_api.errors_consent import ConsentNotFound
from wallet_api.rights.errors import AttestationRejected, NothingPulled, RequestClosed
from wallet_api.rights.requests import (
    AddressedRequests,
    RequestView,
    log_request_event,
    new_request,
    text,
    view,
)
from wallet_api.services.agencies import agency_keys

ATTESTATION_TYP = "deletion-attestation+jwt"
SKEW = dt.timedelta(minutes=5)
MAX_COPIES = 50


class DeletionService(AddressedRequests):
    """Deletion requests: asked by the citizen (or by the wallet when retention passed), answered by
    the agency with a signed attestation or a refusal naming its legal basis."""

    kind = "deletion"

    def request(self, citizen_id: str, consent_id: str, note: str | None) -> RequestView:
        """Ask the agency that pulled data under the citizen's consent to delete it (asking twice
        returns the first request)."""
        note = text(note, "note", required=False)
        try:
            uuid.UUID(consent_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                consent = uow.consents.get(consent_id)
        except (ValueError, storage.NotFound):
            raise ConsentNotFound() from None
        if consent.citizen_id != citizen_id:
            raise ConsentNotFound()  # another citizen's: indistinguishable from none
        if consent.uses == 0:
            raise NothingPulled()
        record = new_request(
            self.ctx, "deletion", citizen_id, consent.agency_id, consent_id=consent.id, note=note
        )
        with self.ctx.metadata.unit_of_work() as uow:
            earlier = uow.rights_requests.for_consent(consent.id)
            if earlier is None:
                try:
                    uow.rights_requests.add(record)
                except storage.Conflict:
                    earlier = uow.rights_requests.for_consent(consent.id)
            if earlier is not None:
                return view(uow, earlier, self.ctx.utcnow())
            log_request_event(  # the request and its entry: one transaction
                self.ctx, uow, record, AccessAction.DELETION_ASKED, purpose=note or "Xoá dữ liệu / Deletion"
            )
            uow.commit()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return view(uow, record, self.ctx.utcnow())

    def attest(self, agency_id: str, request_id: str, attestation: str) -> RequestView:
        """Close the request with the agency's signed attestation (checked before it is kept)."""
        record = self.addressed(agency_id, request_id)
        if record.status != "open":
            raise RequestClosed()
        agency = self.agencies.get(agency_id)
        self._check(agency, record, attestation)
        return self._close(agency_id, record, "answered", answer=attestation)

    def refuse(self, agency_id: str, request_id: str, legal_basis: str) -> RequestView:
        """Refuse, naming the legal basis for keeping the data (the citizen reads it in their log)."""
        basis = text(legal_basis, "legal_basis", limit=500) or ""
        record = self.addressed(agency_id, request_id)
        if record.status != "open":
            raise RequestClosed()
        return self._close(agency_id, record, "refused", refusal=basis)

    def _close(
        self, agency_id: str, record: storage.RightsRequestRecord, status: str, **answer: str
    ) -> RequestView:
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.rights_requests.answer(
                record.id, self.answering_ids(agency_id), status, now, **answer
            ):
                raise RequestClosed()  # answered meanwhile: the first answer stands
            if status == "answered":  # the answer and its entry: one transaction
                log_request_event(
                    self.ctx, uow, record, AccessAction.DELETION_ATTESTED, purpose="Đã xoá / Deleted"
                )
            else:
                log_request_event(
                    self.ctx, uow, record, AccessAction.DELETION_REFUSED, purpose=answer.get("refusal") or "-"
                )
            uow.commit()
            closed = uow.rights_requests.get(record.id)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return view(uow, closed, now)

    def _check(
        self, agency: storage.AgencyRecord, record: storage.RightsRequestRecord, attestation: str
    ) -> dict[str, Any]:
        """The attestation's claims, if it is an ES256 JWS by the agency's key about this request."""
        try:
            kid = str(crypto.unverified_header(attestation).get("kid", ""))
            key = agency_keys(agency).get(kid)
            if key is None:
                raise AttestationRejected()
            claims = crypto.verify_jws(attestation, key, typ=ATTESTATION_TYP)
        except crypto.CryptoError:
            raise AttestationRejected() from None
        latest = int((self.ctx.utcnow() + SKEW).timestamp())
        copies = claims.get("copies")
        well_formed = (
            claims.get("iss") == agency.id
            and claims.get("request_id") == record.id
            and claims.get("consent_id") == record.consent_id
            and isinstance(claims.get("what"), str)
            and 0 < len(claims["what"]) <= 500
            and _unix(claims.get("deleted_at"), latest)
            and _unix(claims.get("iat"), latest)
            and isinstance(copies, list)
            and 0 < len(copies) <= MAX_COPIES
            and all(isinstance(c, str) and 0 < len(c) <= 200 for c in copies)
        )
        if not well_formed:
            raise AttestationRejected()
        return claims


def _unix(value: object, latest: int) -> bool:
    return type(value) is int and 0 < value <= latest
