"""Issuing agencies: holder keys, status indexes, credentials into wallets, revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import crypto
import storage
from consent import ClaimsRejected, DocumentType, document_types, validate_claims
from crypto.transparency.entry import AccessAction
from qr.decision import decide_credential, issuer_jwt_digest
from qr.reasons import REASONS
from wallet_api.context import Context
from wallet_api.errors import (
    CitizenNotFound,
    CredentialNotFound,
    CredentialRejected,
    DocumentTypeNotAllowed,
    ForbiddenRole,
    IdempotencyMismatch,
    InvalidRequest,
    UnknownDocumentType,
)
from wallet_api.identity import parse_cccd_number
from wallet_api.services.access_log import ISSUE_PURPOSE, STATUS_PURPOSE, record_access
from wallet_api.services.agencies import AgencyService, active_at
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.trust import TrustService

log = logging.getLogger("wallet.issuance")
STATUS_VALUES = {"valid": 0, "revoked": 1, "suspended": 2}
REJECTIONS = REASONS  # one table for the wallet and every verifier (qr.reasons)
# What the wallet says instead of a verifier's reason, where its own check is stricter.
_AT_ISSUANCE = {"status_unknown": "bad_status", "status_invalid": "bad_status"}


def rejected(reason: str, claim: str = "") -> CredentialRejected:
    """The problem for a refused issuance, in both languages."""
    vi, en = REJECTIONS.get(reason, ("không hợp lệ", "invalid"))
    if claim:
        vi, en = f"{vi} ({claim})", f"{en} ({claim})"
    return CredentialRejected(reason, reason=reason, reason_vi=vi, reason_en=en)


def earlier_response(ctx: Context, agency_id: str, key: str, request_hash: bytes) -> dict[str, Any] | None:
    """What an earlier request with this ``Idempotency-Key`` produced; a different request is refused."""
    if not 1 <= len(key) <= 200:
        raise InvalidRequest(
            "key",
            reason_vi="Idempotency-Key dài 1-200 ký tự",
            reason_en="Idempotency-Key has 1-200 characters",
        )
    with ctx.metadata.unit_of_work(readonly=True) as uow:
        earlier = uow.idempotency.get(agency_id, key)
    if earlier is None:
        return None
    if earlier[0] != request_hash:
        raise IdempotencyMismatch()
    stored: dict[str, Any] = json.loads(earlier[1])
    return stored


# Runs inside the storing transaction: (unit of work, new credential id, now); raising rolls back.
WithinStore = Callable[[storage.UnitOfWork, str, dt.datetime], None]


@dataclass(frozen=True, slots=True)
class StatusRef:
    """Where a credential's status lives: list URI and index."""

    uri: str
    idx: int


def credential_aad(citizen_id: str, credential_id: str) -> bytes:
    """Associated data binding a sealed credential to its holder and id."""
    return f"credential|{citizen_id}|{credential_id}".encode()


def _case_number(value: str | None) -> str | None:
    """An agency's case number as the log shows it: NFC, printable, at most 64 characters."""
    if value is None or not value.strip():
        return None
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > 64 or not value.isprintable():
        raise InvalidRequest(
            "case_number",
            reason_vi="số hồ sơ: tối đa 64 ký tự in được",
            reason_en="case_number: 64 printable characters",
        )
    return value


class IssuanceService:
    """What issuing agencies do with the wallet."""

    def __init__(self, ctx: Context, agencies: AgencyService, trust: TrustService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.trust = trust

    def issuer(self, agency_id: str, doc_type: str | None = None) -> storage.AgencyRecord:
        """The agency, if it is an active issuer (of ``doc_type`` when given)."""
        agency = self.agencies.get(agency_id)
        if "issuer" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        if doc_type is not None and doc_type not in agency.type_set:
            raise DocumentTypeNotAllowed(doc_type=doc_type[:64])
        return agency

    def citizen_by_cccd(self, uow: storage.UnitOfWork, cccd: str) -> storage.CitizenRecord:
        """The enrolled citizen with that ID number."""
        number = parse_cccd_number(cccd)
        citizen = uow.citizens.find_by_index(crypto.blind_index(self.ctx.blind_key, number))
        if citizen is None:
            raise CitizenNotFound()
        return citizen

    def holder_key(
        self, agency_id: str, cccd: str, doc_type: str, case_number: str | None = None
    ) -> dict[str, Any]:
        """The citizen's device public key, for an issuer to bind a credential of ``doc_type`` to.

        Only for a type the agency may issue, and never silently: the citizen's log says who looked
        the key up, to issue what, for which case.
        """
        entry = document_types().get(doc_type)
        if entry is None:
            raise UnknownDocumentType(doc_type=doc_type[:64])
        agency = self.issuer(agency_id, doc_type)
        case = _case_number(case_number)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            citizen = self.citizen_by_cccd(uow, cccd)
            held = [d for d in uow.devices.list(citizen.id) if d.revoked_at is None]
        if not held:  # every device revoked: nothing to bind a credential to until one is added
            raise CitizenNotFound()
        jwk: dict[str, Any] = json.loads(held[-1].jwk)  # the newest device the citizen still holds
        record_access(
            self.ctx,
            citizen.id,
            agency,
            (citizen.id, "device-key"),
            AccessAction.LOOKUP,
            purpose=f"Để cấp {entry.name_vi.lower()} cho bạn / To issue you a {entry.name_en.lower()}",
            case_number=case,
        )
        return jwk

    def status_uri(self, list_id: str) -> str:
        """The public URL of a status list."""
        return f"{self.ctx.base_url()}/v1/status-lists/{list_id}"

    def allocate_status(self, agency_id: str) -> StatusRef:
        """Hand the issuer a fresh index in its own status list, to put in the credential it signs."""
        self.issuer(agency_id)
        with self.ctx.metadata.unit_of_work() as uow:
            idx = uow.status_lists.allocate(agency_id, agency_id, self.ctx.utcnow())
            uow.commit()
        return StatusRef(self.status_uri(agency_id), idx)

    def issue_credential(
        self,
        agency_id: str,
        cccd: str,
        sd_jwt: str,
        idempotency_key: str | None,
        within: WithinStore | None = None,
    ) -> dict[str, Any]:
        """Verify an SD-JWT VC the agency signed and store it in the citizen's wallet (all or nothing).

        ``within`` runs in the same transaction, after the credential is added and before the commit,
        with the unit of work, the new credential's id and the time; what it raises rolls all back."""
        request_hash = hashlib.sha256(json.dumps(["credential", cccd, sd_jwt]).encode()).digest()
        if idempotency_key is not None:
            earlier = earlier_response(self.ctx, agency_id, idempotency_key, request_hash)
            if earlier is not None:
                return earlier
        agency = self.issuer(agency_id)
        verified, doc_type = self._decide(agency, sd_jwt)
        try:
            validate_claims(doc_type, verified.claims)
        except ClaimsRejected as exc:
            raise rejected(exc.reason, exc.claim) from None
        try:
            return self._store(
                agency, cccd, sd_jwt, verified, doc_type.id, idempotency_key, request_hash, within
            )
        except (storage.Conflict, CredentialRejected):
            # A concurrent retry with the same key may have stored it first: answer as it did.
            earlier = (
                earlier_response(self.ctx, agency_id, idempotency_key, request_hash)
                if idempotency_key
                else None
            )
            if earlier is None:
                raise
            return earlier

    def _decide(
        self, agency: storage.AgencyRecord, sd_jwt: str
    ) -> tuple[crypto.VerifiedCredential, DocumentType]:
        """The decision every verifier makes (``qr.decision``), with this agency as the only issuer."""
        verdict = decide_credential(
            self.trust.store(only=agency), sd_jwt, now=self.ctx.now(), sent_by=agency.id
        )
        if not verdict.valid:
            reason = verdict.reasons[0]
            if reason == "document_type_not_allowed":
                raise DocumentTypeNotAllowed(doc_type=verdict.doc_type or "")
            raise rejected(_AT_ISSUANCE.get(reason, reason))
        verified, doc_type = verdict.credential, document_types().get(verdict.doc_type or "")
        if verified is None or doc_type is None:  # a valid verdict always names both
            raise rejected("malformed")
        if verified.iat is None:  # the wallet records when it was issued
            raise rejected("missing_issued_at")
        return verified, doc_type

    def _store(
        self,
        agency: storage.AgencyRecord,
        cccd: str,
        sd_jwt: str,
        verified: crypto.VerifiedCredential,
        doc_type: str,
        idempotency_key: str | None,
        request_hash: bytes,
        within: WithinStore | None = None,
    ) -> dict[str, Any]:
        credential_id = str(uuid.uuid4())
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            citizen = self.citizen_by_cccd(uow, cccd)
            # Bound to a key the citizen holds now: any device not revoked (not only the first).
            if uow.devices.active(citizen.id, crypto.jwk_thumbprint(verified.holder_jwk)) is None:
                raise rejected("wrong_holder")
            list_id, idx = self._status_of(agency, verified)
            if not uow.status_lists.claim(list_id, idx, agency.id):
                raise rejected("bad_status")
            kek = unwrap_citizen_key(self.ctx.master, citizen.id, citizen.wrapped_kek)
            dek, aad = crypto.new_key(), credential_aad(citizen.id, credential_id)
            record = storage.CredentialRecord(
                id=credential_id,
                citizen_id=citizen.id,
                agency_id=agency.id,
                doc_type=doc_type,
                vct=verified.vct,
                sealed=crypto.seal(dek, sd_jwt.encode(), aad),
                wrapped_dek=crypto.wrap_key(kek, dek, b"dek|" + aad),
                status_list_id=list_id,
                status_idx=idx,
                issued_at=dt.datetime.fromtimestamp(verified.iat or 0, tz=dt.UTC),
                expires_at=dt.datetime.fromtimestamp(verified.exp, tz=dt.UTC),
                created_at=now,
                jwt_sha256=issuer_jwt_digest(sd_jwt),
            )
            uow.credentials.add(record)
            record_access(  # the credential and its entry: one transaction
                self.ctx,
                citizen.id,
                agency,
                (credential_id, doc_type),
                AccessAction.ISSUE,
                purpose=ISSUE_PURPOSE,
                store=uow.log_store(),
            )
            if within is not None:
                within(uow, credential_id, now)
            response = {
                "credential_id": credential_id,
                "type": doc_type,
                "status": {"uri": self.status_uri(list_id), "idx": idx},
            }
            if idempotency_key is not None:
                uow.idempotency.add(agency.id, idempotency_key, request_hash, json.dumps(response), now)
            uow.commit()
        log.info("credential %s issued by %s", credential_id, agency.id)
        return response

    def _status_of(
        self, agency: storage.AgencyRecord, verified: crypto.VerifiedCredential
    ) -> tuple[str, int]:
        ref = verified.status
        if ref is None or ref.uri != self.status_uri(agency.id):
            raise rejected("bad_status")
        return agency.id, ref.idx

    def set_status(self, agency_id: str, credential_id: str, status: str) -> None:
        """Revoke, suspend or reinstate a credential; only its issuer or the issuer's successor may."""
        if status not in STATUS_VALUES:
            raise InvalidRequest(
                "status",
                reason_vi="trạng thái phải là valid, revoked hoặc suspended",
                reason_en="status must be valid, revoked or suspended",
            )
        agency = self.agencies.get(agency_id)
        if "issuer" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        try:
            uuid.UUID(credential_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                credential = uow.credentials.get_any(credential_id)
        except (ValueError, storage.NotFound):
            raise CredentialNotFound() from None
        if not self.agencies.answers_for(credential.agency_id, agency_id):
            raise CredentialNotFound()  # another agency's credential: indistinguishable from none
        with self.ctx.metadata.unit_of_work() as uow:
            value = STATUS_VALUES[status]
            uow.status_lists.set_status(
                credential.status_list_id, credential.status_idx, value, self.ctx.utcnow()
            )
            record_access(  # the new status and its entry: one transaction
                self.ctx,
                credential.citizen_id,
                agency,
                (credential.id, credential.doc_type),
                AccessAction.REVOKE,
                purpose=STATUS_PURPOSE,
                store=uow.log_store(),
            )
            uow.commit()
        log.info("credential %s set %s by %s", credential_id, status, agency_id)
