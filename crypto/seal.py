"""Small sealed values: AES-256-GCM with a random nonce, for names, filenames, IDs.

Format: ``b"\\x01" ‖ nonce(12) ‖ ciphertext ‖ tag(16)``. The leading byte is the
format version; ``aad`` binds the value to its owner, record and field, so a
sealed value copied to another record does not open.
"""

import secrets

from crypto._hazmat import NONCE_SIZE, TAG_SIZE, Aead
from crypto.errors import IntegrityError

__all__ = ["SEALED_OVERHEAD", "open_sealed", "seal"]

_VERSION = b"\x01"
SEALED_OVERHEAD = len(_VERSION) + NONCE_SIZE + TAG_SIZE
"""Bytes a sealed value carries beyond its plaintext (29)."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext`` bound to ``aad`` under a 32-byte key."""
    nonce = secrets.token_bytes(NONCE_SIZE)
    return _VERSION + nonce + Aead(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Plaintext of a value made by :func:`seal`; ``IntegrityError`` on any failure."""
    aead = Aead(key)
    if len(sealed) < SEALED_OVERHEAD or sealed[:1] != _VERSION:
        raise IntegrityError()
    view = memoryview(sealed)
    return aead.decrypt(view[1 : 1 + NONCE_SIZE], view[1 + NONCE_SIZE :], aad)
