"""Signed discovery documents: the trust list of issuers and the status lists."""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import zlib
from typing import Any

import crypto
import storage
from consent import document_types
from qr.mandate import split_presentation
from qr.trust import TrustStore, TypeEntry, agency_entry, type_entry
from wallet_api.context import Context
from wallet_api.errors import CredentialNotFound

TRUST_LIST_TTL = 24 * 3600
STATUS_LIST_TTL = 300  # how often an online verifier should refresh
STATUS_LIST_VALIDITY = 24 * 3600


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _agency_entry(agency: storage.AgencyRecord) -> dict[str, Any]:
    return {
        "id": agency.id,
        "name": agency.display_name,
        "roles": sorted(agency.role_set),
        "document_types": sorted(agency.type_set),
        "jwks": json.loads(agency.jwks),
        "valid_from": int(agency.valid_from.timestamp()),
        "valid_until": int(agency.valid_until.timestamp()),
        "dissolved_at": int(agency.dissolved_at.timestamp()) if agency.dissolved_at else None,
        "successor": agency.successor_id,
    }


@functools.cache
def catalog_entries() -> dict[str, dict[str, Any]]:
    """The document-type catalog as the trust list carries it: ``vct`` and labels, for verifiers.

    Built once (the catalog is fixed at start-up); callers only read it."""
    return {
        t.id: {
            "vct": t.vct,
            "name_vi": t.name_vi,
            "name_en": t.name_en,
            "claims": {c.name: [c.name_vi, c.name_en] for c in t.claims},
        }
        for t in document_types().values()
    }


INVALID = 3  # a status value no credential carries: an entry that never belonged to a credential


def _padded(record: storage.StatusListRecord) -> bytes:
    """Every entry present (entries never set are 0, valid)."""
    return record.bits + b"\x00" * ((record.size * 2 + 7) // 8 - len(record.bits))


def _frozen(bits: bytes, size: int, claimed: frozenset[int]) -> bytes:
    """A dissolved agency's list: every entry no stored credential uses reads invalid, so its key,
    if it still signs, cannot pick an unused index that an offline verifier would read as valid."""
    out = bytearray(bits)
    for idx in range(size):
        if idx not in claimed:
            byte, shift = divmod(idx * 2, 8)
            out[byte] |= INVALID << shift
    return bytes(out)


class TrustService:
    """Builds the documents verifiers cache: signed by the operator's (service) key."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def trust_list(self) -> str:
        """A JWS (``typ: trust-list+jwt``) naming every agency, its keys, validity and successor."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            agencies = uow.agencies.all()
            roots = [r.pem for r in uow.trust_roots.all()]
        now = self.ctx.now()
        claims = {
            "iss": self.ctx.base_url(),
            "iat": now,
            "exp": now + TRUST_LIST_TTL,
            "agencies": [_agency_entry(a) for a in agencies],
            "service_jwks": self.ctx.service_keys.jwks(),
            "status_list_base": self.list_uri(""),
            "pdf_roots": roots,
            "document_types": catalog_entries(),
        }
        # Signed by the oldest key still signing: a verifier that pinned it learns a newly announced
        # key here (service_jwks) before that key signs anything, and follows the rotation.
        return self.ctx.service_keys.sign_anchored(claims, typ="trust-list+jwt")

    @staticmethod
    def type_entries() -> dict[str, TypeEntry]:
        """The catalog's document types as verifiers read them (the trust list's ``document_types``)."""
        return _type_entries()

    def store_for(self, text: str) -> TrustStore:
        """The online store for deciding on ``text`` (a credential or a presentation of one): only
        the agency its issuer-signed JWT names (not yet verified), with that agency's own status
        list. That is all the decision reads of agencies and lists (the issuer's keys, roles, dates
        and types, and its own list: ``qr.decision``), so the verdict is the one the whole store
        gives, without reading every agency and every list for each scan."""
        issuer = claimed_issuer(text)
        agency = None
        if issuer is not None:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow, contextlib.suppress(storage.NotFound):
                agency = uow.agencies.get(issuer[:128])
        return self.store(only=agency, none=agency is None)

    def store(self, only: storage.AgencyRecord | None = None, *, none: bool = False) -> TrustStore:
        """What an offline verifier would cache, read straight from the database (online checks);
        ``only`` narrows it to one agency (the wallet checking what that agency sends), ``none``
        to no agency at all (an issuer no one registered)."""
        now = self.ctx.now()
        store = TrustStore(
            service_keys=self.ctx.service_keys.public_keys(),
            issued_at=now,
            expires_at=now + TRUST_LIST_TTL,
            status_list_base=self.list_uri(""),
        )
        store.types = dict(self.type_entries())
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            agencies = [] if none else [only] if only is not None else uow.agencies.all()
            if only is None and not none:
                store.pdf_roots = [r.pem.encode() for r in uow.trust_roots.all()]
            for agency in agencies:
                store.agencies[agency.id] = agency_entry(_agency_entry(agency))
                try:
                    record = uow.status_lists.get(agency.id)
                except storage.NotFound:
                    continue
                bits = self._bits(uow, record, agency)
                store.status_lists[self.list_uri(record.id)] = (bits, now + STATUS_LIST_VALIDITY)
        return store

    def _bits(
        self, uow: storage.UnitOfWork, record: storage.StatusListRecord, agency: storage.AgencyRecord
    ) -> bytes:
        """The list as served: frozen once its agency is dissolved."""
        bits = _padded(record)
        if agency.dissolved_at is not None and agency.dissolved_at <= self.ctx.utcnow():
            bits = _frozen(bits, record.size, uow.status_lists.claimed(record.id))
        return bits

    def list_uri(self, list_id: str) -> str:
        """The public URL of a status list."""
        return f"{self.ctx.base_url()}/v1/status-lists/{list_id}"

    def status_list(self, list_id: str) -> str:
        """An IETF Token Status List JWT (``typ: statuslist+jwt``, 2 bits per entry, zlib-compressed)."""
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.status_lists.get(list_id[:64])
                bits = self._bits(uow, record, uow.agencies.get(record.agency_id))
        except storage.NotFound:
            raise CredentialNotFound() from None
        now = self.ctx.now()
        claims = {
            "sub": self.list_uri(record.id),
            "iat": now,
            "exp": now + STATUS_LIST_VALIDITY,  # offline counters may go a day without a sync
            "ttl": STATUS_LIST_TTL,
            "status_list": {"bits": 2, "lst": _b64url(zlib.compress(bits, 9))},
        }
        return self.ctx.service_keys.sign(claims, typ="statuslist+jwt")


@functools.cache
def _type_entries() -> dict[str, TypeEntry]:
    return {k: type_entry(k, v) for k, v in catalog_entries().items()}


def claimed_issuer(text: str) -> str | None:
    """The ``iss`` a credential or presentation claims (NOT verified: only to pick what to read)."""
    _, credential = split_presentation(text)
    return crypto.claimed_issuer(credential)
