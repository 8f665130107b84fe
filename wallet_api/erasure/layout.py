"""Where the master-wrapped part sits in each stored value (no imports: every layer may use it).

* ``citizens.wrapped_kek``: the master wrap itself, ``version u32 BE ‖ sealed key`` (65 bytes).
* ``documents.wrapped_dek``: ``0x02 ‖ master wrap ‖ sealed inner``; a legacy value (61 bytes, the
  data key sealed under the citizen key only) has no master part.
* ``signing_keys.wrapped_private``: ``len u16 BE ‖ master wrap ‖ sealed PEM``.
"""

from __future__ import annotations

__all__ = ["DOCUMENT_FORMAT", "LEGACY_DEK_SIZE", "MASTER_WRAP_SIZE", "master_part"]

DOCUMENT_FORMAT = b"\x02"
MASTER_WRAP_SIZE = 4 + 1 + 12 + 32 + 16  # version ‖ sealed 32-byte key
LEGACY_DEK_SIZE = 1 + 12 + 32 + 16  # a 32-byte key sealed under the citizen key


def master_part(table: str, wrapped: bytes) -> bytes | None:
    """The master-wrapped part of a stored value (``None``: a legacy document key has none)."""
    if table == "documents":
        if len(wrapped) == LEGACY_DEK_SIZE or wrapped[:1] != DOCUMENT_FORMAT:
            return None
        return wrapped[1 : 1 + MASTER_WRAP_SIZE]
    if table == "signing_keys":
        size = int.from_bytes(wrapped[:2], "big")
        return wrapped[2 : 2 + size]
    return wrapped
