"""The citizen's own credentials: list and read (the phone builds presentations itself)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import crypto
import storage
from consent import document_types
from wallet_api.context import Context
from wallet_api.errors import CredentialNotFound, UnknownDocumentType
from wallet_api.paging import Page, PageQuery, cut
from wallet_api.services.agencies import AgencyService
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.issuance import credential_aad


@dataclass(frozen=True, slots=True)
class HeldCredential:
    """A credential as its holder sees it: the SD-JWT with every disclosure, and who issued it."""

    id: str
    doc_type: str
    vct: str
    issuer_id: str
    issuer_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    status_uri: str
    status_idx: int
    status: str
    sd_jwt: str
    holder_jkt: str | None = None  # the thumbprint of the key its ``cnf`` names
    needs_reissue: bool = False  # valid, but that key is no active device of the citizen's: re-issue


_STATUS_NAMES = {0: "valid", 1: "revoked", 2: "suspended", 3: "unknown"}


def _key(record: storage.CredentialRecord) -> tuple[dt.datetime, str]:
    return record.created_at, record.id


def holder_thumbprint(sd_jwt: str) -> str | None:
    """The RFC 7638 thumbprint of the key a stored credential's ``cnf.jwk`` names (verified on
    arrival, so read unverified here); ``None`` when it names none."""
    try:
        cnf = crypto.parse_sd_jwt(sd_jwt).unverified_payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        return crypto.jwk_thumbprint(jwk) if isinstance(jwk, dict) else None
    except crypto.CryptoError:
        return None


def active_keys(uow: storage.UnitOfWork, citizen_id: str) -> frozenset[str]:
    """The thumbprints of the citizen's unrevoked devices."""
    return frozenset(d.jkt for d in uow.devices.list(citizen_id) if d.revoked_at is None)


def status_value(uow: storage.UnitOfWork, record: storage.CredentialRecord) -> int:
    """The 2-bit status of a held credential in its issuer's list (0 valid, 1 revoked, 2 suspended)."""
    status_list = uow.status_lists.get(record.status_list_id)
    byte, shift = divmod(record.status_idx * 2, 8)
    return (status_list.bits[byte] >> shift) & 0b11 if byte < len(status_list.bits) else 0


def credential_state(uow: storage.UnitOfWork, record: storage.CredentialRecord, now: dt.datetime) -> str:
    """What a citizen must know before sharing it: valid, revoked, suspended, expired (or unknown)."""
    name = _STATUS_NAMES[status_value(uow, record)]
    return "expired" if name == "valid" and record.expires_at <= now else name


class CredentialService:
    """Use cases of the holder's credentials."""

    def __init__(self, ctx: Context, agencies: AgencyService) -> None:
        self.ctx = ctx
        self.agencies = agencies

    def _open(self, record: storage.CredentialRecord, kek: bytes) -> str:
        return open_credential(record, kek)

    def _held(
        self, uow: storage.UnitOfWork, record: storage.CredentialRecord, kek: bytes, keys: frozenset[str]
    ) -> HeldCredential:
        try:
            issuer_name = uow.agencies.get(record.agency_id).display_name
        except storage.NotFound:
            issuer_name = record.agency_id
        value = status_value(uow, record)
        sd_jwt = self._open(record, kek)
        holder = holder_thumbprint(sd_jwt)
        return HeldCredential(
            id=record.id,
            doc_type=record.doc_type,
            vct=record.vct,
            issuer_id=record.agency_id,
            issuer_name=issuer_name,
            issued_at=record.issued_at,
            expires_at=record.expires_at,
            status_uri=f"{self.ctx.base_url()}/v1/status-lists/{record.status_list_id}",
            status_idx=record.status_idx,
            status=_STATUS_NAMES[value],
            sd_jwt=sd_jwt,
            holder_jkt=holder,
            needs_reissue=holder is not None and holder not in keys and value == 0,
        )

    def list(self, citizen_id: str, doc_type: str | None = None) -> list[HeldCredential]:
        """The citizen's credentials, optionally of one type."""
        if doc_type is not None and doc_type not in document_types():
            raise UnknownDocumentType(doc_type=doc_type[:64])
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            citizen = uow.citizens.get(citizen_id)
            kek = unwrap_citizen_key(self.ctx.master, citizen_id, citizen.wrapped_kek)
            keys = active_keys(uow, citizen_id)
            return [self._held(uow, r, kek, keys) for r in uow.credentials.list(citizen_id, doc_type)]

    def page(self, query: PageQuery, doc_type: str | None = None) -> Page[HeldCredential]:
        """One page of the citizen's credentials, newest first."""
        if doc_type is not None and doc_type not in document_types():
            raise UnknownDocumentType(doc_type=doc_type[:64])
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            citizen = uow.citizens.get(query.owner)
            kek = unwrap_citizen_key(self.ctx.master, query.owner, citizen.wrapped_kek)
            page = cut(query, uow.credentials.page(query.owner, query.window, doc_type), _key)
            keys = active_keys(uow, query.owner)
            return Page([self._held(uow, r, kek, keys) for r in page.items], page.after)

    def get(self, citizen_id: str, credential_id: str) -> HeldCredential:
        """One of the citizen's credentials; another citizen's is simply not found."""
        try:
            uuid.UUID(credential_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.credentials.get(citizen_id, credential_id)
                citizen = uow.citizens.get(citizen_id)
                kek = unwrap_citizen_key(self.ctx.master, citizen_id, citizen.wrapped_kek)
                return self._held(uow, record, kek, active_keys(uow, citizen_id))
        except (ValueError, storage.NotFound):
            raise CredentialNotFound() from None


def queue_unheld(ctx: Context, uow: storage.UnitOfWork, citizen_id: str, now: dt.datetime) -> int:
    """Queue for re-issuance every valid, unexpired credential of the citizen whose ``cnf`` names a
    key no unrevoked device holds (after a revocation or a recovery, inside its unit of work);
    how many were newly queued. Its issuer sees it in ``GET /v1/agency/reissue``."""
    citizen = uow.citizens.get(citizen_id)
    kek = unwrap_citizen_key(ctx.master, citizen_id, citizen.wrapped_kek)
    keys, queued = active_keys(uow, citizen_id), 0
    for record in uow.credentials.list(citizen_id):
        if record.expires_at <= now or status_value(uow, record) != 0:
            continue
        holder = holder_thumbprint(open_credential(record, kek))
        if holder is None or holder in keys:
            continue
        try:
            uow.reissues.add(storage.ReissueRecord(record.id, citizen_id, record.agency_id, holder, now))
            queued += 1
        except storage.Conflict:
            continue  # queued by an earlier device change and not re-issued yet
    return queued


def open_credential(record: storage.CredentialRecord, kek: bytes) -> str:
    """The stored SD-JWT of a credential, unsealed with its owner's key-encryption key."""
    aad = credential_aad(record.citizen_id, record.id)
    dek = crypto.unwrap_key(kek, record.wrapped_dek, b"dek|" + aad)
    return crypto.open_sealed(dek, record.sealed, aad).decode()
