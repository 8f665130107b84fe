"""Offline verification and decoding of QR payloads, dispatched on their magic prefix.

An identity payload is checked against service keys from a cached trust list
(``QrKeySet``, or a plain ``{kid: EcPublicKey}`` mapping), a caller-given
``now`` and a leeway: size, prefix, key id, signature, structure, then window.
Every failure is a ``QrError`` whose ``reason`` names the check and whose
message never repeats the payload. Presentations and references are only
unpacked here: the SD-JWT verifier and the online resolver judge them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crypto import EcPublicKey, InvalidSignature, KeyError_, es256_verify_raw
from qr._wire import (
    FLAG_DEFLATE,
    FLAG_PACKED,
    FLAG_TEXT,
    IDENTITY_CONTEXT,
    IDENTITY_MAX_BYTES,
    IDENTITY_MIN_BYTES,
    IDENTITY_V1_MAX_BYTES,
    KEY_ID_SIZE,
    MAGIC_IDENTITY,
    MAGIC_IDENTITY_V1,
    MAGIC_PRESENTATION,
    MAGIC_REFERENCE,
    MAX_LIFETIME,
    MAX_PAYLOAD_BYTES,
    MAX_PRESENTATION_BYTES,
    MAX_TIME,
    NONCE_SIZE,
    PACK_DICTIONARY,
    SIGNATURE_SIZE,
    WIRE_EXP,
    WIRE_KEY_ORDER,
    WIRE_NBF,
    WIRE_NONCE,
    check_reference,
    in_key_order,
    inflate,
    qr_key_id,
    strict_cbor,
    unpack_segments,
)
from qr.claims import IdentityClaims, claims_from_wire
from qr.errors import QrError

__all__ = [
    "DEFAULT_LEEWAY",
    "Identity",
    "Presentation",
    "QrKeySet",
    "Reference",
    "decode_any",
    "decode_presentation",
    "decode_reference",
    "verify_identity",
]

DEFAULT_LEEWAY = 30
"""Seconds of clock difference tolerated between the phone that showed the code and the verifier."""

_PREFIX = len(MAGIC_IDENTITY)


class QrKeySet:
    """Service public keys from a cached trust list, indexed once by their 8-byte QR key id."""

    __slots__ = ("_by_id",)

    def __init__(self, keys: Mapping[str, EcPublicKey]) -> None:
        by_id: dict[bytes, tuple[str, EcPublicKey]] = {}
        for kid, key in keys.items():
            if not isinstance(kid, str) or not kid:
                raise KeyError_("trust-list key ids must be non-empty strings")
            key_id = qr_key_id(key)  # KeyError_ for anything but a P-256 key
            if key_id in by_id:
                raise KeyError_("two trust-list keys share a QR key id")
            by_id[key_id] = (kid, key)
        self._by_id = by_id

    def find(self, key_id: bytes) -> tuple[str, EcPublicKey] | None:
        """The trust-list ``kid`` and key with this QR key id, if any."""
        return self._by_id.get(key_id)


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified identity QR: the disclosed claims, its window and the service key that signed it."""

    claims: IdentityClaims
    not_before: int
    expires: int
    kid: str
    """The trust-list ``kid`` of the signing key."""
    nonce: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Presentation:
    """A presentation carried by a QR code, NOT verified: hand ``unverified_text`` to its verifier."""

    unverified_text: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference to resolve online (URL or code): the data was too large for a QR code."""

    value: str


def _payload_bytes(unverified_payload: object, limit: int) -> bytes:
    if isinstance(unverified_payload, bytearray | memoryview):
        unverified_payload = bytes(unverified_payload)
    if not isinstance(unverified_payload, bytes):
        raise QrError("malformed")
    if len(unverified_payload) > limit:
        raise QrError("too_large")
    return unverified_payload


def _check_magic(payload: bytes, magic: bytes) -> None:
    if payload[: len(magic)] == magic:
        return
    if payload[:2] == magic[:2] and payload[2:3].isdigit():
        raise QrError("unsupported_version")
    raise QrError("malformed")


def _time(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TIME:
        raise QrError("malformed")
    return value


def _identity_from_body(body: Any, kid: str, *, now: int, leeway: int, packed: bool) -> Identity:
    if not isinstance(body, dict) or not in_key_order(body, WIRE_KEY_ORDER):
        raise QrError("malformed")  # also any key not in the format
    not_before, expires = _time(body.get(WIRE_NBF)), _time(body.get(WIRE_EXP))
    nonce = body.get(WIRE_NONCE)
    if not 0 < expires - not_before <= MAX_LIFETIME:
        raise QrError("malformed")
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_SIZE:
        raise QrError("malformed")
    claims = claims_from_wire(body, packed=packed)
    if now < not_before - leeway:
        raise QrError("not_yet_valid")
    if now >= expires + leeway:
        raise QrError("expired")
    return Identity(claims, not_before, expires, kid, nonce)


def verify_identity(
    unverified_payload: bytes,
    keys: QrKeySet | Mapping[str, EcPublicKey],
    *,
    now: int,
    leeway: int = DEFAULT_LEEWAY,
) -> Identity:
    """The identity of a payload signed by a trusted service key and valid at ``now`` ± ``leeway``.

    Pass a ``QrKeySet`` built once when verifying many codes: a mapping is indexed on every call.
    """
    if not isinstance(now, int) or not isinstance(leeway, int) or leeway < 0:
        raise TypeError("now and leeway must be integers, leeway non-negative")  # caller bug
    payload = _payload_bytes(unverified_payload, IDENTITY_MAX_BYTES)
    packed = payload[: len(MAGIC_IDENTITY)] == MAGIC_IDENTITY
    if not packed:  # the first format: a UTF-8 name, version 10 at most
        _check_magic(payload, MAGIC_IDENTITY_V1)
        if len(payload) > IDENTITY_V1_MAX_BYTES:
            raise QrError("too_large")
    if len(payload) < IDENTITY_MIN_BYTES:
        raise QrError("malformed")
    key_set = keys if isinstance(keys, QrKeySet) else QrKeySet(keys)
    found = key_set.find(payload[_PREFIX : _PREFIX + KEY_ID_SIZE])
    if found is None:
        raise QrError("unknown_key")
    kid, public_key = found
    unsigned = payload[:-SIGNATURE_SIZE]
    try:
        es256_verify_raw(public_key, IDENTITY_CONTEXT + unsigned, payload[-SIGNATURE_SIZE:])
    except InvalidSignature:
        raise QrError("bad_signature") from None
    body = strict_cbor(unsigned[_PREFIX + KEY_ID_SIZE :])
    return _identity_from_body(body, kid, now=now, leeway=leeway, packed=packed)


def decode_presentation(unverified_payload: bytes) -> Presentation:
    """The presentation text of a ``WP1`` payload (decompressed, at most 16 KiB), unverified."""
    payload = _payload_bytes(unverified_payload, MAX_PAYLOAD_BYTES)
    _check_magic(payload, MAGIC_PRESENTATION)
    flag, body = payload[3:4], payload[4:]
    if flag == FLAG_TEXT:
        raw = body
    elif flag == FLAG_DEFLATE:
        raw = inflate(body)
    elif flag == FLAG_PACKED:
        raw = unpack_segments(inflate(body, dictionary=PACK_DICTIONARY)).encode("ascii")
    else:
        raise QrError("malformed")
    if not raw:
        raise QrError("malformed")
    if len(raw) > MAX_PRESENTATION_BYTES:
        raise QrError("too_large")
    try:
        return Presentation(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise QrError("malformed") from None


def decode_reference(unverified_payload: bytes) -> Reference:
    """The URL or code of a ``WR1`` payload."""
    payload = _payload_bytes(unverified_payload, MAX_PAYLOAD_BYTES)
    _check_magic(payload, MAGIC_REFERENCE)
    try:
        return Reference(check_reference(payload[3:].decode("ascii")))
    except (UnicodeDecodeError, QrError):
        raise QrError("malformed") from None


def decode_any(
    unverified_payload: bytes,
    *,
    keys: QrKeySet | Mapping[str, EcPublicKey],
    now: int,
    leeway: int = DEFAULT_LEEWAY,
) -> Identity | Presentation | Reference:
    """Dispatch on the prefix: a verified ``Identity``, an unverified ``Presentation``, or a ``Reference``."""
    payload = _payload_bytes(unverified_payload, MAX_PAYLOAD_BYTES)
    family = payload[:2]
    if family == MAGIC_IDENTITY[:2]:
        return verify_identity(payload, keys, now=now, leeway=leeway)
    if family == MAGIC_PRESENTATION[:2]:
        return decode_presentation(payload)
    if family == MAGIC_REFERENCE[:2]:
        return decode_reference(payload)
    raise QrError("malformed")
