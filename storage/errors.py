"""The storage error tree: each class sets only a machine code."""


class StorageError(Exception):
    """Base of every storage failure."""

    code = "storage_error"


class NotFound(StorageError):
    """The record or blob does not exist (or is not the caller's)."""

    code = "not_found"


class Conflict(StorageError):
    """A uniqueness rule was broken (duplicate enrolment, replayed nonce)."""

    code = "conflict"


class BlobTooLarge(StorageError):
    """A blob grew past the configured limit while it was streamed in."""

    code = "payload_too_large"


class Unavailable(StorageError):
    """The backend could not be reached."""

    code = "storage_unavailable"


class InsufficientStorage(StorageError):
    """The backend has no space left for a write (disk or quota full); nothing was kept."""

    code = "insufficient_storage"
