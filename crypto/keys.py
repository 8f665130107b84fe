"""Data keys and key wrapping: a 32-byte key sealed under a 32-byte key-encryption key.

The wrapped form is the :mod:`crypto.seal` format; ``aad`` names the owner, the
document id and the version, so a wrapped key moved to another record fails.
"""

import secrets

from crypto._hazmat import KEY_SIZE
from crypto.errors import KeyError_
from crypto.seal import SEALED_OVERHEAD, open_sealed, seal

__all__ = ["WRAPPED_KEY_SIZE", "new_key", "unwrap_key", "wrap_key"]

WRAPPED_KEY_SIZE = KEY_SIZE + SEALED_OVERHEAD
"""Length of a wrapped key (61 bytes)."""


def new_key() -> bytes:
    """A fresh random 32-byte key."""
    return secrets.token_bytes(KEY_SIZE)


def wrap_key(kek: bytes, key: bytes, aad: bytes) -> bytes:
    """Seal a 32-byte ``key`` under ``kek``, bound to ``aad``."""
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise KeyError_("only 32-byte keys are wrapped")
    return seal(kek, key, aad)


def unwrap_key(kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    """The key inside ``wrapped``; ``IntegrityError`` if it does not open under ``kek``/``aad``."""
    key = open_sealed(kek, wrapped, aad)
    if len(key) != KEY_SIZE:
        raise KeyError_("wrapped value is not a 32-byte key")
    return key
