"""The one error of ``qr``: ``QrError``, whose ``reason`` names the failed check from a closed set.

The ``code`` stays ``invalid_qr`` whatever the reason, so an HTTP API can answer
opaquely while a verifier's screen or log shows the reason. Messages come from
the fixed table below: they never echo payload bytes, claim values or keys.
"""

from typing import ClassVar, Literal, get_args

__all__ = ["QR_REASONS", "QrError", "QrReason"]

QrReason = Literal[
    "malformed",  # not one of our payloads, or a structure / value the format forbids
    "unsupported_version",  # one of our payload kinds, in a format version this library does not know
    "too_large",  # more than the format or the QR version limit allows (payload, text or image)
    "invalid_claims",  # asked to encode a claim or text the format cannot carry
    "unknown_key",  # no key of the trust list has the payload's key id
    "bad_signature",  # the signature does not verify
    "expired",  # the validity window is over (leeway included)
    "not_yet_valid",  # the validity window has not started (leeway included)
    "unreadable_image",  # not an image file we read (format, size, corrupt data)
    "no_code",  # the image holds no QR code
    "unreadable_code",  # a QR code is there but could not be decoded (blur, glare, damage)
    "multiple_codes",  # the image holds two or more QR codes: which one is meant is unclear
]
QR_REASONS: frozenset[str] = frozenset(get_args(QrReason))

_MESSAGES: dict[str, str] = {
    "malformed": "QR payload is malformed",
    "unsupported_version": "QR payload uses a format version this verifier does not support",
    "too_large": "QR payload or image is too large",
    "invalid_claims": "claims or text cannot be encoded in a QR payload",
    "unknown_key": "QR payload is signed by a key that is not in the trust list",
    "bad_signature": "QR payload signature is not valid",
    "expired": "QR code has expired",
    "not_yet_valid": "QR code is not valid yet",
    "unreadable_image": "image cannot be read",
    "no_code": "no QR code found in the image",
    "unreadable_code": "a QR code was found but could not be decoded (blurred, glare or damaged)",
    "multiple_codes": "more than one QR code in the image: show one code at a time",
}


class QrError(Exception):
    """A QR payload, image or encoding request failed; ``reason`` (closed set) names the check."""

    code: ClassVar[str] = "invalid_qr"
    description: ClassVar[str] = "QR code is not valid"

    reason: QrReason

    def __init__(self, reason: QrReason) -> None:
        if reason not in QR_REASONS:
            raise ValueError("unknown QR failure reason")  # our own bug, not bad input
        super().__init__(_MESSAGES[reason])
        self.reason = reason
