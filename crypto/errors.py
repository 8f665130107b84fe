"""The error tree of ``crypto``: opaque failures, each with a stable ``code``.

Verification errors say nothing of which check failed (the caller logs its own
context); no message ever carries key material, tokens or plaintext.
"""

from typing import ClassVar

__all__ = [
    "CryptoError",
    "IntegrityError",
    "InvalidSignature",
    "InvalidToken",
    "KeyError_",
    "MasterKeyError",
]


class CryptoError(Exception):
    """Base of every error raised by ``crypto``."""

    code: ClassVar[str] = "crypto_error"
    description: ClassVar[str] = "cryptographic operation failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.description)


class IntegrityError(CryptoError):
    """An AEAD check failed: wrong key or aad, tampered, truncated, reordered, spliced."""

    code: ClassVar[str] = "integrity_error"
    description: ClassVar[str] = "ciphertext failed authentication"


class InvalidSignature(CryptoError):
    """A JWS failed: malformed, wrong alg or typ, bad signature, bad or stale claims."""

    code: ClassVar[str] = "invalid_signature"
    description: ClassVar[str] = "signature or signed claims are not valid"


class InvalidToken(CryptoError):
    """An access token failed its MAC check or has expired."""

    code: ClassVar[str] = "invalid_token"
    description: ClassVar[str] = "access token is not valid"


class KeyError_(CryptoError):  # trailing underscore: not to shadow builtins.KeyError
    """A key is malformed or of the wrong kind (not P-256, private part in a JWK, bad size)."""

    code: ClassVar[str] = "key_error"
    description: ClassVar[str] = "key is malformed or of the wrong kind"


class MasterKeyError(CryptoError):
    """The master key is missing, unreadable, too widely readable or malformed."""

    code: ClassVar[str] = "master_key_error"
    description: ClassVar[str] = "master key is unavailable"
