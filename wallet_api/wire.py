"""Wire types: msgspec structs at the HTTP edge, kept apart from storage records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from consent import document_types
from wallet_api.recovery.wire import RecoveryOut
from wallet_api.services.citizens import Profile
from wallet_api.services.documents import DocumentMeta


class EnrolRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Self-asserted enrolment (``dev`` mode)."""

    cccd: str
    full_name: str
    date_of_birth: str
    device_jwk: dict[str, Any]


class EnrolResponse(msgspec.Struct):
    """The new wallet's id, also the device's OAuth ``client_id``, and its recovery code: shown
    this once (``dev`` mode; the service keeps only a slow hash)."""

    citizen_id: str
    recovery_code: str


class TokenRequest(msgspec.Struct):
    """RFC 7523 client authentication for the client-credentials grant."""

    grant_type: str
    client_id: str
    client_assertion_type: str
    client_assertion: str


class TokenResponse(msgspec.Struct):
    """A DPoP-bound access token."""

    access_token: str
    expires_in: int
    token_type: str = "DPoP"  # noqa: S105  # the RFC 9449 token type name, not a secret


class ProfileOut(msgspec.Struct):
    """The citizen's own profile."""

    citizen_id: str
    cccd: str
    full_name: str
    date_of_birth: str
    device_jkt: str
    enrolled_at: dt.datetime
    pending_recovery: RecoveryOut | None = None  # announced on every device still held

    @classmethod
    def of(cls, p: Profile, pending: RecoveryOut | None = None) -> ProfileOut:
        """From the service's profile (and the pending recovery, if any)."""
        return cls(p.citizen_id, p.cccd, p.full_name, p.date_of_birth, p.device_jkt, p.created_at, pending)


class DocumentOut(msgspec.Struct):
    """Metadata of one document."""

    id: str
    type: str
    type_name: str
    provenance: str
    content_type: str
    size: int
    filename: str
    version: int
    created_at: dt.datetime
    issuance: dict[str, Any] | None = None

    @classmethod
    def of(cls, m: DocumentMeta, lang: str) -> DocumentOut:
        """From the service's metadata, with the type's name in the reader's language."""
        entry = document_types().get(m.doc_type)
        name = (entry.name_en if lang == "en" else entry.name_vi) if entry else m.doc_type
        return cls(
            m.id,
            m.doc_type,
            name,
            m.provenance,
            m.content_type,
            m.size,
            m.filename,
            m.version,
            m.created_at,
            m.issuance,
        )


class DocumentList(msgspec.Struct):
    """A page of documents, newest first; ``next_cursor`` fetches the next (``None``: the last)."""

    items: list[DocumentOut]
    next_cursor: str | None = None


class Health(msgspec.Struct):
    """Liveness and readiness."""

    status: str
    mode: str
