"""Slow hashes of short secrets a person types (recovery codes): store the hash, never the secret.

One recipe, no options: scrypt (N=2^14, r=8, p=1: about 16 MiB and tens of milliseconds) over a
random 16-byte salt. The stored form is ``b"s1" + salt + digest``; ``check_secret`` compares in
constant time and answers only yes or no.
"""

from __future__ import annotations

import hmac
import os

from crypto._hazmat import scrypt

__all__ = ["check_secret", "hash_secret"]

_VERSION = b"s1"
_SALT = 16
_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str) -> bytes:
    """The stored form of ``secret``: version, salt and scrypt digest."""
    salt = os.urandom(_SALT)
    return _VERSION + salt + scrypt(secret.encode(), salt, n=_N, r=_R, p=_P)


def check_secret(secret: str, stored: bytes) -> bool:
    """Whether ``secret`` is the one ``stored`` was made from (constant-time comparison)."""
    if len(stored) != len(_VERSION) + _SALT + 32 or not stored.startswith(_VERSION):
        return False
    salt = stored[len(_VERSION) : len(_VERSION) + _SALT]
    digest = scrypt(secret.encode(), salt, n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest, stored[len(_VERSION) + _SALT :])
