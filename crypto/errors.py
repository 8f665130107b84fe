"""The error tree of ``crypto``: opaque failures, each with a stable ``code``.

Verification errors say nothing of which check failed (the caller logs its own
context), except ``CredentialError``, whose machine ``reason`` a verifier may
show while its ``code`` stays opaque; no message ever carries key material,
tokens, claim values or plaintext.
"""

from typing import ClassVar, Literal, get_args

__all__ = [
    "CREDENTIAL_FAILURES",
    "PDF_SIGNATURE_REASONS",
    "CredentialError",
    "CredentialFailure",
    "CryptoError",
    "IntegrityError",
    "InvalidSignature",
    "InvalidToken",
    "KeyError_",
    "MasterKeyError",
    "PdfSignatureError",
    "PdfSignatureReason",
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


PdfSignatureReason = Literal[
    "not_signed",  # no filled signature field (a document timestamp alone is not a signature)
    "malformed",  # not a readable PDF, bad CMS, encrypted, unsupported signature format
    "multiple_signatures",  # more than one signature: not handled yet
    "modified_after_signing",  # signed bytes changed, or content changed by a later update
    "bad_signature",  # the signature value (or its timestamp) does not verify
    "weak_algorithm",  # a banned digest or signature algorithm (MD5, SHA-1)
    "untrusted_certificate",  # no chain to a configured root
    "certificate_expired_at_signing",
    "certificate_not_yet_valid_at_signing",
    "unsuitable_key_usage",  # neither digitalSignature nor nonRepudiation
    "signing_time_in_future",  # the claimed signing time is later than now
]
PDF_SIGNATURE_REASONS: frozenset[str] = frozenset(get_args(PdfSignatureReason))


class PdfSignatureError(CryptoError):
    """A signed PDF failed validation; ``reason`` names the failed check from a closed set.

    Unlike the other verification errors it is not opaque: the citizen is told
    why an official document was refused. The reason never carries document content.
    """

    code: ClassVar[str] = "invalid_pdf_signature"
    description: ClassVar[str] = "PDF signature is not valid"

    def __init__(self, reason: PdfSignatureReason, message: str | None = None) -> None:
        if reason not in PDF_SIGNATURE_REASONS:
            raise ValueError("unknown PDF signature failure reason")  # our own bug, not bad input
        super().__init__(message or f"{self.description}: {reason}")
        self.reason: PdfSignatureReason = reason


CredentialFailure = Literal[
    "malformed",
    "unsupported_algorithm",
    "bad_signature",
    "unknown_issuer",
    "expired",
    "not_yet_valid",
    "missing_expiry",
    "disclosure_not_in_sd_jwt",
    "duplicate_disclosure",
    "missing_key_binding",
    "bad_key_binding",
    "wrong_nonce",
    "wrong_audience",
    "sd_hash_mismatch",
    "stale_key_binding",
]
"""Which check an SD-JWT (VC) or its presentation failed: a closed set, for logs and verifier UIs."""

CREDENTIAL_FAILURES: frozenset[str] = frozenset(get_args(CredentialFailure))


class CredentialError(CryptoError):
    """An SD-JWT VC or its presentation failed a check; ``reason`` (closed set) names which.

    ``code`` stays ``invalid_credential`` whatever the reason, so an HTTP API can
    answer opaquely while a verifier prints the reason. Never carries claim values or keys.
    """

    code: ClassVar[str] = "invalid_credential"
    description: ClassVar[str] = "credential or presentation is not valid"

    reason: CredentialFailure

    def __init__(self, reason: CredentialFailure, message: str | None = None) -> None:
        if reason not in CREDENTIAL_FAILURES:
            raise ValueError("unknown credential failure reason")  # our own bug, not bad input
        super().__init__(message or f"{self.description}: {reason}")
        self.reason = reason
