"""Ports and adapters for metadata (SQLModel) and blobs (filesystem, S3)."""

from storage.errors import BlobTooLarge, Conflict, NotFound, StorageError, Unavailable
from storage.factory import open_blob_store, open_metadata
from storage.ports import (
    AgencyRepository,
    BlobStore,
    CitizenRepository,
    CredentialRepository,
    DocumentRepository,
    IdempotencyRepository,
    Metadata,
    ReplayGuard,
    SigningKeyRepository,
    StatusListRepository,
    TrustRootRepository,
    UnitOfWork,
)
from storage.records import (
    AgencyRecord,
    BlobInfo,
    CitizenRecord,
    CredentialRecord,
    DocumentRecord,
    SigningKeyRecord,
    StatusListRecord,
    TrustRootRecord,
)

__all__ = [
    "AgencyRecord",
    "AgencyRepository",
    "BlobInfo",
    "BlobStore",
    "BlobTooLarge",
    "CitizenRecord",
    "CitizenRepository",
    "Conflict",
    "CredentialRecord",
    "CredentialRepository",
    "DocumentRecord",
    "DocumentRepository",
    "IdempotencyRepository",
    "Metadata",
    "NotFound",
    "ReplayGuard",
    "SigningKeyRecord",
    "SigningKeyRepository",
    "StatusListRecord",
    "StatusListRepository",
    "StorageError",
    "TrustRootRecord",
    "TrustRootRepository",
    "Unavailable",
    "UnitOfWork",
    "open_blob_store",
    "open_metadata",
]
