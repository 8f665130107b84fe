"""Consented pulls: an agency receives exactly what the citizen approved, once per allowed use.

A pull names the consent and one approved resource. In order: the consent must
be the calling agency's (else not found, like one that does not exist), the
agency an active requester, the consent usable now, the resource among the
approved items. The data is then read and prepared (a credential cut down to
the approved disclosures, a document authenticated), one use is taken by a
conditional UPDATE (two pulls racing for the last use: one wins), the use is
recorded for the reuse statistics and the access is appended to the citizen's
log, all three in one transaction, and only then is anything served. A refused pull serves and logs nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import crypto
import storage
from consent import document_types
from consent.policy import ApprovedItem, keep_disclosures
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import DocumentNotFound, ForbiddenRole
from wallet_api.errors_consent import ConsentItemNotFound, ConsentNotFound, refused
from wallet_api.resilience.pause import pause_point
from wallet_api.services.access_log import record_access
from wallet_api.services.agencies import active_at
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.consent_views import parse_approved, refusal_now
from wallet_api.services.consents import ConsentService, consent_uuid
from wallet_api.services.credentials import CredentialService
from wallet_api.services.documents import DocumentMeta, DocumentService


@dataclass(frozen=True, slots=True)
class PulledCredential:
    """A credential as an agency receives it: the issuer's JWT and the approved disclosures only."""

    consent_id: str
    credential_id: str
    type: str
    vct: str
    issuer: str
    disclosed: tuple[str, ...]
    sd_jwt: str


@dataclass(frozen=True, slots=True)
class _Grant:
    consent: storage.ConsentRecord
    agency: storage.AgencyRecord
    item: ApprovedItem


def strip_to(sd_jwt: str, doc_type: str, claims: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    """The stored SD-JWT with only the disclosures of ``claims`` (no key binding), and the claims it shows.

    The credential was verified when it was issued into the wallet; here it is
    only cut: the issuer's JWT, then the kept disclosures, each as stored.
    """
    issuer_jwt, *disclosures = sd_jwt.split("~")
    payload = crypto.parse_sd_jwt(issuer_jwt + "~").unverified_payload
    top = payload.get("_sd", [])
    kept = keep_disclosures([d for d in disclosures if d], top if isinstance(top, list) else [], claims)
    entry = document_types().get(doc_type)
    in_clear = [name for name in payload if entry is not None and entry.claim(name) is not None]
    text = "~".join([issuer_jwt, *(raw for raw, _ in kept)]) + "~"
    return text, tuple(sorted({*in_clear, *(name for _, name in kept)}))


class ConsentPullService:
    """What a requesting agency can pull under a consent."""

    def __init__(
        self,
        ctx: Context,
        consents: ConsentService,
        credentials: CredentialService,
        documents: DocumentService,
    ) -> None:
        self.ctx = ctx
        self.consents = consents
        self.credentials = credentials
        self.documents = documents

    def credential(self, agency_id: str, consent_id: str, credential_id: str) -> PulledCredential:
        """One approved credential, cut down to the approved claims; takes one use.

        One transaction for all of it: the checks and reads, then the use, its record
        and the log entry (nothing is taken if reading or cutting the credential fails).
        """
        with self.ctx.metadata.unit_of_work() as uow:
            grant = self._grant_in(uow, agency_id, consent_id, "credential", credential_id)
            owner = grant.consent.citizen_id
            try:
                record, wrapped_kek = uow.credentials.get_with_owner_key(owner, grant.item.resource_id)
            except storage.NotFound:
                raise ConsentItemNotFound() from None
            kek = unwrap_citizen_key(self.ctx.master, owner, wrapped_kek)
            # The holder's own decryption (same keys, same checks), not a second copy of it.
            opened = self.credentials._open(record, kek)
            sd_jwt, disclosed = strip_to(opened, record.doc_type, grant.item.claims)
            self._use_in(uow, grant)
            uow.commit()
        return PulledCredential(
            grant.consent.id, record.id, record.doc_type, record.vct, record.agency_id, disclosed, sd_jwt
        )

    def document(
        self, agency_id: str, consent_id: str, document_id: str
    ) -> tuple[DocumentMeta, Iterator[bytes]]:
        """One approved document's content (small ones authenticated whole first); takes one use."""
        grant = self._grant(agency_id, consent_id, "document", document_id)
        try:
            meta, chunks = self.documents.open_content(grant.consent.citizen_id, grant.item.resource_id)
        except DocumentNotFound:
            raise ConsentItemNotFound() from None
        try:
            self._use(grant)
        except BaseException:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # the blob's stream, opened for nothing
            raise
        return meta, chunks

    def _grant(self, agency_id: str, consent_id: str, kind: str, resource_id: str) -> _Grant:
        """The consent, the agency and the approved item, if this pull may run now."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return self._grant_in(uow, agency_id, consent_id, kind, resource_id)

    def _grant_in(
        self, uow: storage.UnitOfWork, agency_id: str, consent_id: str, kind: str, resource_id: str
    ) -> _Grant:
        try:
            consent, agency = uow.consents.get_with_agency(consent_uuid(consent_id))
        except storage.NotFound:
            raise ConsentNotFound() from None
        if consent.agency_id != agency_id:
            raise ConsentNotFound()  # another agency's consent: indistinguishable from none
        if "requester" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        reason = refusal_now(consent, self.ctx.now())
        if reason is not None:
            raise refused(reason)
        wanted = (kind, _norm(resource_id))
        item = next((i for i in parse_approved(consent) if (i.kind, i.resource_id) == wanted), None)
        if item is None:
            raise ConsentItemNotFound()
        return _Grant(consent, agency, item)

    def _use(self, grant: _Grant) -> None:
        """Take one use, record it and log the access, in one transaction (``_use_in``)."""
        with self.ctx.metadata.unit_of_work() as uow:
            self._use_in(uow, grant)
            uow.commit()

    def _use_in(self, uow: storage.UnitOfWork, grant: _Grant) -> None:
        """Take one use, record it and log the access in ``uow``; refused if the consent ran out.

        The use and its log entry commit together or not at all: a failed append, or
        the process dying in between, leaves the use untaken and the log unchanged.
        """
        consent, item = grant.consent, grant.item
        now = self.ctx.utcnow()
        use_no = uow.consents.consume(consent.id, consent.agency_id, now)
        if use_no is None:
            raise self._why_not(uow, consent.id)
        pull = storage.ConsentPullRecord(
            consent.id,
            use_no,
            consent.citizen_id,
            consent.agency_id,
            consent.procedure_code,
            item.kind,
            item.type,
            item.resource_id,
            now,
        )
        uow.consents.add_pull(pull)
        pause_point("consent-use-taken")  # crash tests: killed here, nothing may stay taken
        record_access(
            self.ctx,
            consent.citizen_id,
            grant.agency,
            (item.resource_id, item.type),
            AccessAction.READ,
            purpose=consent.purpose,
            procedure_code=consent.procedure_code,
            consent_id=consent.id,
            case_number=consent.case_number,
            store=uow.log_store(),
        )

    def _why_not(self, uow: storage.UnitOfWork, consent_id: str) -> Exception:
        reason = refusal_now(uow.consents.get(consent_id), self.ctx.now())
        return refused(reason or "used_up")

    def stats(self, citizen_id: str | None = None) -> list[storage.ReuseStat]:
        """Items served from the wallet per procedure and agency (all, or one citizen's)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return list(uow.consents.reuse_stats(citizen_id))


def _norm(resource_id: str) -> str:
    try:
        return str(uuid.UUID(resource_id))
    except ValueError:
        return ""
