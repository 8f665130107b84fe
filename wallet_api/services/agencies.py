"""The operator's register of agencies: keys, roles, validity, mergers."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import crypto
import storage
from consent import document_types
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest, WalletError

ROLES = ("issuer", "requester", "verifier", "idp", "assistant")
_AGENCY_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


class AgencyNotFound(WalletError):
    """No such agency."""

    code = "agency_not_found"


def _invalid(en: str, vi: str) -> InvalidRequest:
    return InvalidRequest(en, reason_en=en, reason_vi=vi)


def parse_jwks(raw: Mapping[str, Any]) -> list[dict[str, str]]:
    """An agency's public ES256 keys, each with a ``kid`` (its RFC 7638 thumbprint when absent)."""
    keys = raw.get("keys") if isinstance(raw, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise _invalid("the JWKS must hold at least one key", "JWKS phải có ít nhất một khoá")
    out = []
    for key in keys:
        try:
            crypto.public_key_from_jwk(key)
        except crypto.KeyError_:
            raise _invalid(
                "every key must be a public EC P-256 JWK", "mọi khoá phải là JWK công khai EC P-256"
            ) from None
        public = {k: str(key[k]) for k in ("kty", "crv", "x", "y")}
        public["kid"] = str(key.get("kid") or crypto.jwk_thumbprint(public))
        out.append(public)
    return out


class AgencyService:
    """Register agencies and answer questions about them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def register(
        self,
        agency_id: str,
        name: str,
        roles: Sequence[str],
        doc_types: Sequence[str],
        jwks: Mapping[str, Any],
        valid_from: dt.datetime,
        valid_until: dt.datetime,
    ) -> storage.AgencyRecord:
        """Add an agency; its id is a lower-case slug, its name is kept NFC."""
        if not _AGENCY_ID.fullmatch(agency_id):
            raise _invalid("the agency id must be a lower-case slug", "mã cơ quan phải là chuỗi chữ thường")
        display = " ".join(unicodedata.normalize("NFC", name).split())
        if not 1 <= len(display) <= 200:
            raise _invalid(
                "the display name must have 1 to 200 characters", "tên hiển thị phải có 1-200 ký tự"
            )
        if not roles or any(r not in ROLES for r in roles):
            raise _invalid(
                f"roles must be among {', '.join(ROLES)}", f"vai trò phải thuộc {', '.join(ROLES)}"
            )
        unknown = [t for t in doc_types if t not in document_types()]
        if unknown:
            raise _invalid(
                f"unknown document types: {', '.join(unknown)}",
                f"loại giấy tờ không có: {', '.join(unknown)}",
            )
        if valid_until <= valid_from:
            raise _invalid("valid_until must follow valid_from", "thời hạn kết thúc phải sau ngày bắt đầu")
        record = storage.AgencyRecord(
            id=agency_id,
            display_name=display,
            roles=" ".join(sorted(set(roles))),
            doc_types=" ".join(sorted(set(doc_types))),
            jwks=json.dumps({"keys": parse_jwks(jwks)}),
            valid_from=valid_from,
            valid_until=valid_until,
            successor_id=None,
            dissolved_at=None,
            created_at=self.ctx.utcnow(),
        )
        with self.ctx.metadata.unit_of_work() as uow:
            uow.agencies.add(record)
            uow.commit()
        return record

    def succeed(self, old_id: str, new_id: str, at: dt.datetime) -> None:
        """Record a merger: ``old_id`` is dissolved at ``at`` and ``new_id`` takes over its revocations."""
        if old_id == new_id:
            raise _invalid("an agency cannot succeed itself", "cơ quan không thể kế nhiệm chính mình")
        with self.ctx.metadata.unit_of_work() as uow:
            old, new = self._get(uow, old_id), self._get(uow, new_id)
            if old.successor_id is not None:
                raise _invalid("that agency already has a successor", "cơ quan này đã có cơ quan kế nhiệm")
            if self._lineage(uow, new.id).count(old.id):
                raise _invalid("the succession would form a cycle", "quan hệ kế nhiệm tạo thành vòng")
            uow.agencies.set_successor(old.id, new.id, at)
            uow.commit()

    def _get(self, uow: storage.UnitOfWork, agency_id: str) -> storage.AgencyRecord:
        try:
            return uow.agencies.get(agency_id)
        except storage.NotFound:
            raise AgencyNotFound(agency_id=agency_id[:64]) from None

    def _lineage(self, uow: storage.UnitOfWork, agency_id: str) -> list[str]:
        """``agency_id`` and every successor after it."""
        chain, current = [], agency_id
        while current and current not in chain:
            chain.append(current)
            current = uow.agencies.get(current).successor_id or ""
        return chain

    def get(self, agency_id: str) -> storage.AgencyRecord:
        """One agency."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return self._get(uow, agency_id)

    def all(self) -> Sequence[storage.AgencyRecord]:
        """Every registered agency."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return uow.agencies.all()

    def lineage_of(self, agency_id: str) -> list[storage.AgencyRecord]:
        """``agency_id`` and every agency it succeeded, directly or through a chain of mergers."""
        by_id = {a.id: a for a in self.all()}

        def reaches(candidate: str) -> bool:
            seen: set[str] = set()
            while candidate and candidate not in seen:
                if candidate == agency_id:
                    return True
                seen.add(candidate)
                candidate = by_id[candidate].successor_id or "" if candidate in by_id else ""
            return False

        return [a for a in by_id.values() if reaches(a.id)]

    def answers_for(self, agency_id: str, successor_id: str) -> bool:
        """True when ``successor_id`` is ``agency_id`` or one of its successors (mergers chain)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return successor_id in self._lineage(uow, agency_id)


def agency_keys(agency: storage.AgencyRecord) -> dict[str, crypto.EcPublicKey]:
    """The agency's verification keys by ``kid``."""
    return {k["kid"]: crypto.public_key_from_jwk(k) for k in json.loads(agency.jwks)["keys"]}


def agency_thumbprints(agency: storage.AgencyRecord) -> set[str]:
    """RFC 7638 thumbprints of the agency's keys (what a DPoP proof's key must be)."""
    return {crypto.jwk_thumbprint(k) for k in json.loads(agency.jwks)["keys"]}


def active_at(agency: storage.AgencyRecord, when: dt.datetime) -> bool:
    """Registered, inside its validity period and not dissolved at ``when``."""
    if agency.dissolved_at is not None and when >= agency.dissolved_at:
        return False
    return agency.valid_from <= when < agency.valid_until
