"""Ports and adapters for metadata (SQLModel) and blobs (filesystem, S3)."""

from storage.errors import BlobTooLarge, Conflict, NotFound, StorageError, Unavailable
from storage.factory import open_blob_store, open_metadata
from storage.ports import (
    BlobStore,
    CitizenRepository,
    DocumentRepository,
    Metadata,
    ReplayGuard,
    SigningKeyRepository,
    UnitOfWork,
)
from storage.records import BlobInfo, CitizenRecord, DocumentRecord, SigningKeyRecord

__all__ = [
    "BlobInfo",
    "BlobStore",
    "BlobTooLarge",
    "CitizenRecord",
    "CitizenRepository",
    "Conflict",
    "DocumentRecord",
    "DocumentRepository",
    "Metadata",
    "NotFound",
    "ReplayGuard",
    "SigningKeyRecord",
    "SigningKeyRepository",
    "StorageError",
    "Unavailable",
    "UnitOfWork",
    "open_blob_store",
    "open_metadata",
]
