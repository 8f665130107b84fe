"""Issued documents: a PAdES-signed PDF, or any file with a detached ES256 JWS over its hash and metadata."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import crypto
import storage
from consent import document_types
from consent.wording import NO_PROCEDURE
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import CredentialRejected, DocumentTypeNotAllowed, InvalidRequest
from wallet_api.services.access_log import ISSUE_PURPOSE, record_access
from wallet_api.services.agencies import active_at, agency_keys
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.documents import (
    DocumentMeta,
    DocumentService,
    UploadPlan,
    clean_filename,
    media_type,
    seal_issuance,
)
from wallet_api.services.issuance import IssuanceService, earlier_response, rejected

DOCUMENT_TYP = "wallet-document+jwt"


@dataclass(frozen=True, slots=True)
class DocumentIssue:
    """What an agency sends to issue a document."""

    cccd: str
    doc_type: str
    number: str
    issue_date: str
    procedure_code: str | None
    filename: str
    content_type: str
    content: bytes
    signature: str | None


MAX_NUMBER = 64
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_statement(request: DocumentIssue) -> None:
    """What the agency states besides the signature: some bytes, a document number, a real issue date."""
    if not request.content:
        raise _field("content", "nội dung tệp trống", "the file content is empty")
    number = request.number.strip()
    if not 1 <= len(number) <= MAX_NUMBER or not number.isprintable():
        vi = f"số hiệu phải có 1 đến {MAX_NUMBER} ký tự in được"
        raise _field("number", vi, f"the number must have 1 to {MAX_NUMBER} printable characters")
    try:
        if not _ISO_DATE.fullmatch(request.issue_date):
            raise ValueError("not YYYY-MM-DD")
        dt.date.fromisoformat(request.issue_date)
    except ValueError:
        raise _field(
            "issue_date", "ngày cấp phải có dạng YYYY-MM-DD", "the issue date must be YYYY-MM-DD"
        ) from None


def _field(name: str, vi: str, en: str) -> InvalidRequest:
    return InvalidRequest(name, reason_vi=vi, reason_en=en)


def pdf_rejected(reason: str) -> CredentialRejected:
    """The problem for a refused signed document (reasons from the one table, ``qr.reasons``)."""
    return rejected(reason)


def decode_content(raw: str, limit: int) -> bytes:
    """Base64 content within ``limit`` bytes."""
    if len(raw) > (limit * 4) // 3 + 8:
        raise InvalidRequest(
            "too large", reason_vi=f"tệp vượt {limit} byte", reason_en=f"the file exceeds {limit} bytes"
        )
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(
            "base64", reason_vi="nội dung không phải base64", reason_en="content is not base64"
        ) from None


class IssuedDocumentService:
    """Verify and store documents agencies issue into wallets."""

    def __init__(self, ctx: Context, issuance: IssuanceService, documents: DocumentService) -> None:
        self.ctx = ctx
        self.issuance = issuance
        self.documents = documents

    def issue(self, agency_id: str, request: DocumentIssue, idempotency_key: str | None) -> dict[str, Any]:
        """All checks first; then the document is stored whole or not at all."""
        check_statement(request)
        digest = hashlib.sha256(request.content).digest()
        fields = [request.cccd, request.doc_type, request.number, request.issue_date, request.procedure_code]
        request_hash = hashlib.sha256(
            json.dumps(["document", *fields, digest.hex(), request.signature]).encode()
        ).digest()
        if idempotency_key is not None:
            earlier = earlier_response(self.ctx, agency_id, idempotency_key, request_hash)
            if earlier is not None:
                return earlier
        agency = self.issuance.issuer(agency_id, request.doc_type)
        if request.doc_type not in document_types():
            raise DocumentTypeNotAllowed(doc_type=request.doc_type[:64])
        content_type = media_type(request.content_type)
        if content_type == "application/pdf" and request.signature is None:
            evidence = self._check_pdf(agency, request.content)
        else:
            evidence = self._check_jws(agency, request, digest, content_type)
        evidence.update(
            {
                "issuer": agency.id,
                "issuer_name": agency.display_name,
                "number": request.number,
                "issue_date": request.issue_date,
                "procedure_code": request.procedure_code,
            }
        )
        document_id = str(uuid.uuid4())
        response = {"document_id": document_id, "type": request.doc_type, "size": len(request.content)}

        def remember(uow: storage.UnitOfWork) -> None:
            if idempotency_key is not None:
                now = self.ctx.utcnow()
                uow.idempotency.add(agency.id, idempotency_key, request_hash, json.dumps(response), now)

        try:
            self._store(agency, document_id, request, content_type, evidence, remember)
        except storage.Conflict:  # a concurrent retry with the same key won: answer as it did
            if idempotency_key is None:
                raise
            return earlier_response(self.ctx, agency_id, idempotency_key, request_hash) or response
        return response

    def _check_pdf(self, agency: storage.AgencyRecord, content: bytes) -> dict[str, Any]:
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            roots = [r.pem.encode() for r in uow.trust_roots.all()]
        if not roots:  # nothing to check a PAdES signature against: refuse it, as the agency's problem
            raise pdf_rejected("no_trust_root")
        try:
            signed = crypto.verify_signed_pdf(content, trust_roots=roots, now=self.ctx.utcnow())
        except crypto.PdfSignatureError as exc:
            raise pdf_rejected(exc.reason) from None
        when = signed.signing_time or self.ctx.utcnow()
        signer_agency = self._signing_agency(agency, signed.signer.organisation)
        if not active_at(signer_agency, when):
            raise pdf_rejected("signed_after_dissolution")
        return {
            "signature": "pades",
            "signer": signed.signer.subject,
            "signer_sha256": hashlib.sha256(signed.signer.der).hexdigest(),
            "signing_time": signed.signing_time.isoformat() if signed.signing_time else None,
        }

    def _signing_agency(self, agency: storage.AgencyRecord, organisation: str | None) -> storage.AgencyRecord:
        """The agency a certificate's organisation names: the sender itself or one it succeeded.

        Certificates of Vietnamese agencies carry the agency's name in O; a PDF signed in
        the name of any other agency is refused, so a successor can hand over documents of
        the agencies it replaced, checked against their own validity, and nothing else.
        """
        wanted = _name_key(organisation or "")
        lineage = self.issuance.agencies.lineage_of(agency.id)
        for candidate in sorted(lineage, key=lambda a: a.id != agency.id):
            if wanted and _name_key(candidate.display_name) == wanted:
                return candidate
        raise pdf_rejected("signer_not_registered")

    def _check_jws(
        self, agency: storage.AgencyRecord, request: DocumentIssue, digest: bytes, content_type: str
    ) -> dict[str, Any]:
        if request.signature is None:
            raise pdf_rejected("not_signed")
        try:
            kid = str(crypto.unverified_header(request.signature).get("kid", ""))
            key = agency_keys(agency).get(kid)
            if key is None:
                raise rejected("unknown_issuer")
            claims = crypto.verify_jws(request.signature, key, typ=DOCUMENT_TYP)
        except crypto.CryptoError:
            raise rejected("bad_signature") from None
        expected = {
            "iss": agency.id,
            "sha256": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "type": request.doc_type,
            "number": request.number,
            "issue_date": request.issue_date,
            "procedure_code": request.procedure_code,
            "content_type": content_type,
        }
        if any(claims.get(k) != v for k, v in expected.items()):
            raise pdf_rejected("metadata_mismatch")
        iat = claims.get("iat")
        if not isinstance(iat, int) or not active_at(agency, dt.datetime.fromtimestamp(iat, tz=dt.UTC)):
            raise pdf_rejected("signed_after_dissolution")
        return {"signature": "jws", "kid": kid, "jws": request.signature}

    def _store(
        self,
        agency: storage.AgencyRecord,
        document_id: str,
        request: DocumentIssue,
        content_type: str,
        evidence: dict[str, Any],
        within: Callable[[storage.UnitOfWork], None],
    ) -> DocumentMeta:
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            citizen = self.issuance.citizen_by_cccd(uow, request.cccd)
        kek = unwrap_citizen_key(self.ctx.master, citizen.id, citizen.wrapped_kek)
        plan = UploadPlan(
            citizen_id=citizen.id,
            document_id=document_id,
            doc_type=request.doc_type,
            content_type=content_type,
            filename=clean_filename(request.filename, document_id, content_type),
            declared_length=len(request.content),
            kek=kek,
            provenance="issued",
            issuance=seal_issuance(kek, citizen.id, document_id, evidence),
        )

        def within_and_logged(uow: storage.UnitOfWork) -> None:
            within(uow)
            record_access(  # the document's row and its entry: one transaction
                self.ctx,
                citizen.id,
                agency,
                (document_id, request.doc_type),
                AccessAction.ISSUE,
                purpose=ISSUE_PURPOSE,
                procedure_code=request.procedure_code or NO_PROCEDURE,
                store=uow.log_store(),
            )

        return self.documents.store(plan, [request.content], within_and_logged)


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())
