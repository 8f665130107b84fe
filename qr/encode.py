"""Payload building: signed identity tokens (single or a 24-hour batch), presentations, references.

Byte layouts are specified in ``qr/format.md``. Identity payloads are signed
with the wallet *service's* ES256 key (never a per-citizen key) and carry only
the disclosed claims, an epoch-aligned validity window and a fresh random
nonce, so two tokens of different windows share nothing but what is disclosed.
Randomness is injected (``random``) for tests; the clock is always a parameter.
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cbor2

from crypto import EcPrivateKey, es256_sign_raw
from qr._wire import (
    BYTE_CAPACITY_M,
    FLAG_DEFLATE,
    FLAG_PACKED,
    FLAG_TEXT,
    IDENTITY_CONTEXT,
    IDENTITY_MAX_BYTES,
    KEY_ID_SIZE,
    MAGIC_IDENTITY,
    MAGIC_PRESENTATION,
    MAGIC_REFERENCE,
    MAX_LIFETIME,
    MAX_PRESENTATION_BYTES,
    MAX_TIME,
    NONCE_SIZE,
    PACK_DICTIONARY,
    SIGNATURE_SIZE,
    WIRE_EXP,
    WIRE_NBF,
    WIRE_NONCE,
    check_reference,
    deflate,
    pack_segments,
    qr_key_id,
)
from qr.claims import DISCLOSABLE, IdentityClaims, claims_to_wire, disclose
from qr.errors import QrError

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_LIFETIME",
    "PRESENTATION_MAX_VERSION",
    "IdentityToken",
    "current_token",
    "encode_identity",
    "encode_presentation",
    "encode_reference",
    "identity_fits",
    "issue_identity_batch",
]

DEFAULT_LIFETIME = 120
"""Seconds an identity token is valid: a screenshot soon stops working."""
DEFAULT_BATCH_SIZE = 720
"""Tokens in a batch: 720 windows of 2 minutes cover the 24 hours a phone may stay offline."""
PRESENTATION_MAX_VERSION = 25
"""Largest QR version a presentation may need; past it, show a reference instead."""

Random = Callable[[int], bytes]


@dataclass(frozen=True, slots=True)
class IdentityToken:
    """One pre-signed identity payload and its window ``[not_before, expires)`` in epoch seconds."""

    payload: bytes = field(repr=False)
    not_before: int
    expires: int


def _check_window(not_before: int, lifetime: int) -> None:
    for value in (not_before, lifetime):
        if not isinstance(value, int) or isinstance(value, bool):
            raise QrError("invalid_claims")
    if not (0 < lifetime <= MAX_LIFETIME and not_before >= 0 and not_before + lifetime <= MAX_TIME):
        raise QrError("invalid_claims")


def _sign_identity(
    key: EcPrivateKey,
    key_id: bytes,
    claims: dict[int, str | int | bytes],
    window: tuple[int, int],
    nonce: bytes,
) -> bytes:
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_SIZE:
        raise QrError("invalid_claims")
    body = {**claims, WIRE_NBF: window[0], WIRE_EXP: window[1], WIRE_NONCE: nonce}
    unsigned = MAGIC_IDENTITY + key_id + cbor2.dumps(body, canonical=True)
    if len(unsigned) + SIGNATURE_SIZE > IDENTITY_MAX_BYTES:
        raise QrError("too_large")  # version 13 at most (enrolment keeps every name within it)
    return unsigned + es256_sign_raw(key, IDENTITY_CONTEXT + unsigned)


def identity_fits(full_name: str) -> bool:
    """Whether an identity QR with ``full_name`` and every other claim disclosed stays within
    ``IDENTITY_MAX_BYTES`` (version 13): enrolment refuses a name for which it would not."""
    try:
        claims = disclose(
            full_name=full_name,
            date_of_birth="1990-01-01",
            cccd="000000000000",
            status="self-asserted",
            fields=DISCLOSABLE,
        )
    except QrError:
        return False
    body = {**claims_to_wire(claims), WIRE_NBF: MAX_TIME, WIRE_EXP: MAX_TIME, WIRE_NONCE: bytes(NONCE_SIZE)}
    size = len(MAGIC_IDENTITY) + KEY_ID_SIZE + len(cbor2.dumps(body, canonical=True)) + SIGNATURE_SIZE
    return size <= IDENTITY_MAX_BYTES


def encode_identity(
    key: EcPrivateKey,
    claims: IdentityClaims,
    *,
    not_before: int,
    lifetime: int = DEFAULT_LIFETIME,
    random: Random = secrets.token_bytes,
) -> bytes:
    """One identity payload valid for ``[not_before, not_before + lifetime)``, signed by ``key``.

    ``QrError('too_large')`` if the claims would push the QR past version 13 (no enrolable name does).
    """
    if not isinstance(claims, IdentityClaims):
        raise QrError("invalid_claims")
    _check_window(not_before, lifetime)
    window = (not_before, not_before + lifetime)
    return _sign_identity(key, qr_key_id(key), claims_to_wire(claims), window, random(NONCE_SIZE))


def issue_identity_batch(
    key: EcPrivateKey,
    claims: IdentityClaims,
    *,
    now: int,
    count: int = DEFAULT_BATCH_SIZE,
    lifetime: int = DEFAULT_LIFETIME,
    random: Random = secrets.token_bytes,
) -> tuple[IdentityToken, ...]:
    """``count`` independent tokens for consecutive windows, the first one holding ``now``.

    Windows start at multiples of ``lifetime`` (the same grid for every citizen),
    so a window's position says nothing about when the phone last synced.
    """
    if not isinstance(claims, IdentityClaims) or not isinstance(count, int) or not 0 < count <= 10_000:
        raise QrError("invalid_claims")
    _check_window(now, lifetime)
    key_id, wire = qr_key_id(key), claims_to_wire(claims)
    first = now - now % lifetime
    tokens = []
    for index in range(count):
        start = first + index * lifetime
        _check_window(start, lifetime)
        payload = _sign_identity(key, key_id, wire, (start, start + lifetime), random(NONCE_SIZE))
        tokens.append(IdentityToken(payload, start, start + lifetime))
    return tuple(tokens)


def current_token(tokens: Sequence[IdentityToken], now: int) -> IdentityToken | None:
    """The token whose window holds ``now`` (what the phone shows), or ``None`` once all are spent."""
    return next((t for t in tokens if t.not_before <= now < t.expires), None)


def encode_presentation(text: str, *, max_version: int = PRESENTATION_MAX_VERSION) -> bytes:
    """A presentation payload (e.g. an SD-JWT with disclosures and key binding), compressed.

    Tries the text as is, DEFLATE, and base64url-unpacked DEFLATE with the preset
    dictionary; keeps the shortest. ``QrError('too_large')`` when even that needs
    a QR version above ``max_version``: show an ``encode_reference`` code instead.
    """
    if not isinstance(text, str) or not text or not 1 <= max_version <= len(BYTE_CAPACITY_M):
        raise QrError("invalid_claims")
    if len(text) > MAX_PRESENTATION_BYTES:
        raise QrError("too_large")  # before any work: a 100 KB text costs nothing
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise QrError("invalid_claims") from None
    if len(raw) > MAX_PRESENTATION_BYTES:
        raise QrError("too_large")
    candidates = [FLAG_TEXT + raw, FLAG_DEFLATE + deflate(raw)]
    packed = pack_segments(text)
    if packed is not None:
        candidates.append(FLAG_PACKED + deflate(packed, dictionary=PACK_DICTIONARY))
    payload = MAGIC_PRESENTATION + min(candidates, key=len)
    if len(payload) > BYTE_CAPACITY_M[max_version - 1]:
        raise QrError("too_large")
    return payload


def encode_reference(url_or_code: str) -> bytes:
    """A reference payload: an ``https://`` URL or a short code the verifier resolves online."""
    return MAGIC_REFERENCE + check_reference(url_or_code).encode("ascii")
