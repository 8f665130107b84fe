"""Domain records exchanged through the metadata ports (never table rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    """A citizen's account. Personal values are sealed under the citizen key."""

    id: str
    blind_index: str
    wrapped_kek: bytes
    national_id_sealed: bytes
    full_name_sealed: bytes
    date_of_birth_sealed: bytes
    device_jwk: str
    device_jkt: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """One version of a stored document; the blob at ``blob_key`` is sealed by the data key."""

    id: str
    citizen_id: str
    version: int
    doc_type: str
    provenance: str
    content_type: str
    size: int
    wrapped_dek: bytes
    blob_key: str
    filename_sealed: bytes
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A service signing key, its private part wrapped by the master key."""

    kid: str
    wrapped_private: bytes
    created_at: dt.datetime
    retired_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What a blob listing reports."""

    key: str
    size: int
    modified: dt.datetime
