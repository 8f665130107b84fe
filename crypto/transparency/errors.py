"""The error tree of the access log: each class sets a stable ``code`` and a fixed description.

Client-side checks (tree heads, inclusion and consistency proofs) fail with one
opaque ``LogInconsistent``, whatever the check was: the caller logs its own
context, the citizen sees "the log cannot be trusted".
"""

from typing import ClassVar

__all__ = ["InvalidLogEntry", "LogBusy", "LogCorrupted", "LogError", "LogInconsistent"]


class LogError(Exception):
    """Base of every access-log error; also a misuse such as an index or size out of range."""

    code: ClassVar[str] = "log_error"
    description: ClassVar[str] = "access log operation failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.description)


class LogInconsistent(LogError):
    """A signed tree head, inclusion proof or consistency proof failed its check (opaque)."""

    code: ClassVar[str] = "log_inconsistent"
    description: ClassVar[str] = "the access log failed verification"


class LogCorrupted(LogError):
    """The server found stored hashes missing or contradicting each other (rows altered or deleted)."""

    code: ClassVar[str] = "log_corrupted"
    description: ClassVar[str] = "the stored access log is damaged"


class LogBusy(LogError):
    """Concurrent appends to one citizen's log kept winning; the append was not made."""

    code: ClassVar[str] = "log_busy"
    description: ClassVar[str] = "the access log is busy, retry later"


class InvalidLogEntry(LogError):
    """An access entry is malformed: a missing or over-long field, an unknown action."""

    code: ClassVar[str] = "log_invalid_entry"
    description: ClassVar[str] = "access log entry is malformed"
