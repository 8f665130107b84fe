"""Wire constants and codecs shared by ``encode`` and ``verify``; the format is in ``qr/format.md``.

Everything here is fixed by the format version in the magic prefix: changing a
value means a new version (``WI2``, ``WP2`` …), never an edit in place.
"""

import base64
import re
import zlib
from collections.abc import Sequence
from typing import Any

import cbor2

from crypto import ES256_SIGNATURE_SIZE, EcPrivateKey, EcPublicKey, jwk_thumbprint, public_jwk
from qr.errors import QrError

__all__ = [
    "BYTE_CAPACITY_M",
    "FLAG_DEFLATE",
    "FLAG_PACKED",
    "FLAG_TEXT",
    "IDENTITY_CONTEXT",
    "IDENTITY_MAX_BYTES",
    "IDENTITY_MIN_BYTES",
    "IDENTITY_V1_MAX_BYTES",
    "KEY_ID_SIZE",
    "MAGIC_IDENTITY",
    "MAGIC_IDENTITY_V1",
    "MAGIC_PRESENTATION",
    "MAGIC_REFERENCE",
    "MAX_LIFETIME",
    "MAX_PAYLOAD_BYTES",
    "MAX_PRESENTATION_BYTES",
    "MAX_TIME",
    "NONCE_SIZE",
    "PACK_DICTIONARY",
    "SIGNATURE_SIZE",
    "WIRE_EXP",
    "WIRE_KEY_ORDER",
    "WIRE_NBF",
    "WIRE_NONCE",
    "check_reference",
    "deflate",
    "in_key_order",
    "inflate",
    "pack_segments",
    "qr_key_id",
    "strict_cbor",
    "unpack_segments",
    "version_for_length",
]

# Every payload starts with two bytes naming its kind and an ASCII digit naming the format version.
MAGIC_IDENTITY = b"WI2"  # the name packed (qr.names); WI1 (UTF-8 name, version 10 at most) still read
MAGIC_IDENTITY_V1 = b"WI1"
MAGIC_PRESENTATION = b"WP1"
MAGIC_REFERENCE = b"WR1"

KEY_ID_SIZE = 8
NONCE_SIZE = 16
SIGNATURE_SIZE = ES256_SIGNATURE_SIZE
IDENTITY_CONTEXT = b"citizen-wallet identity QR\x00"
"""Prepended to what is signed (never sent): an identity signature means nothing elsewhere."""
WIRE_EXP, WIRE_NBF, WIRE_NONCE = 4, 5, 7
"""Map keys of the window and nonce in an identity payload: those of CWT (RFC 8392)."""
WIRE_KEY_ORDER = (4, 5, 7, -1, -2, -3, -4, -5, -6)
"""Every identity map key, in deterministic order (by encoded bytes: 0x04 … 0x07, 0x20 … 0x25)."""
MAX_TIME = 2**32 - 1
"""Times are epoch seconds that fit 32 bits unsigned (until 2106)."""
MAX_LIFETIME = 600
"""Longest validity window an identity payload may claim, in seconds."""
FLAG_TEXT, FLAG_DEFLATE, FLAG_PACKED = b"\x00", b"\x01", b"\x02"
"""Presentation body encodings: UTF-8 text, raw DEFLATE of it, DEFLATE of the unpacked base64url runs."""

BYTE_CAPACITY_M = (
    14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
    711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989,
    2099, 2213, 2331,
)  # fmt: skip
"""Bytes a QR symbol of version 1 … 40 holds at error-correction level M in byte mode (ISO/IEC 18004)."""
IDENTITY_MAX_BYTES = BYTE_CAPACITY_M[13 - 1]  # every name enrolment accepts fits (wallet_api.identity)
IDENTITY_V1_MAX_BYTES = BYTE_CAPACITY_M[10 - 1]
IDENTITY_MIN_BYTES = len(MAGIC_IDENTITY) + KEY_ID_SIZE + 1 + SIGNATURE_SIZE
MAX_PAYLOAD_BYTES = 2953
"""The most any QR symbol holds (version 40, level L, byte mode): longer input is not from a QR."""
MAX_PRESENTATION_BYTES = 16 * 1024
"""Longest presentation text (UTF-8 bytes), before or after compression."""

_PACKABLE = re.compile(r"[A-Za-z0-9_.~-]+")
_SEPARATORS = re.compile(r"[.~]")
_SEPARATOR_RUN = re.compile(r"[.~]*")
_CODE = re.compile(r"[A-Za-z0-9_-]{6,64}")
_LOOPBACK_HTTP = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?(/.*)?")
_URL_CHARS = re.compile(r"[!-~]+")  # printable ASCII, no space
MAX_REFERENCE_LENGTH = 512

# The preset DEFLATE dictionary of presentation flag 2: JSON fragments of this wallet's SD-JWT VCs
# as crypto.sdjwt writes them (python-jose sorts header members), catalog claim names and common
# Vietnamese words; the most frequent last, as DEFLATE reaches near matches with fewer bits. It
# saves ~50 bytes on a citizen-ID presentation (a QR version). Frozen with WP1.
PACK_DICTIONARY = "".join(
    (
        '"place_of_birth","father_name","mother_name","registration_number","registration_date",',
        '"place_of_residence","date_of_expiry","place_of_origin","cccd_number","sex","Nam","Nữ",',
        '"Việt Nam","Hà Nội","Nguyễn ","Trần ","Lê ","Phạm ","Thị ","Văn ",',
        '"nationality","date_of_birth","full_name","',
        '{"alg":"ES256","typ":"kb+jwt"}{"iat":,"aud":"https://","nonce":"","sd_hash":"',
        '"}},"_sd":["","],"_sd_alg":"sha-256"}',
        '{"iss":"https://","vct":"urn:vn:wallet:vct:citizen-id:1","iat":,"exp":,',
        '"status":{"status_list":{"idx":,"uri":"https://',
        '"cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"","y":"',
        '{"alg":"ES256","kid":"","typ":"dc+sd-jwt"}',
    )
).encode("utf-8")


def version_for_length(length: int) -> int | None:
    """The smallest QR version (level M, byte mode) holding ``length`` bytes; ``None`` past 40."""
    for version, capacity in enumerate(BYTE_CAPACITY_M, start=1):
        if length <= capacity:
            return version
    return None


def qr_key_id(key: EcPrivateKey | EcPublicKey) -> bytes:
    """The 8-byte key id of identity payloads: the RFC 7638 thumbprint of the public key, cut.

    When the JWKS ``kid`` is that thumbprint (as ``ServiceKeyRing.new_key`` makes
    it), the key id is the first 8 bytes of the base64url-decoded ``kid``.
    """
    thumbprint = jwk_thumbprint(public_jwk(key))
    return base64.urlsafe_b64decode(thumbprint + "=")[:KEY_ID_SIZE]


def strict_cbor(data: bytes) -> Any:
    """Decode CBOR that is exactly one item in shortest form, else ``QrError('malformed')``.

    Re-encoding and comparing refuses in one step trailing bytes and
    non-shortest integers and lengths; the decoder refuses duplicate keys and
    indefinite lengths. Map key order is the caller's to check (``in_key_order``).
    """
    try:
        value = cbor2.loads(data, max_depth=4, allow_indefinite=False, allow_duplicate_keys=False)
        again = cbor2.dumps(value)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError, MemoryError):
        raise QrError("malformed") from None
    if again != data:
        raise QrError("malformed")
    return value


def in_key_order(mapping: dict[Any, Any], order: Sequence[int]) -> bool:
    """Whether ``mapping``'s keys are all ``int`` and appear as in ``order`` (a deterministic order)."""
    return set(map(type, mapping)) <= {int} and list(mapping) == [key for key in order if key in mapping]


def deflate(data: bytes, *, dictionary: bytes | None = None) -> bytes:
    """Raw DEFLATE (RFC 1951, no zlib header or checksum) at level 9."""
    compressor = (
        zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary)
        if dictionary
        else zlib.compressobj(9, zlib.DEFLATED, -15)
    )
    return compressor.compress(data) + compressor.flush()


def inflate(data: bytes, *, dictionary: bytes | None = None) -> bytes:
    """Inverse of ``deflate``, refusing more than ``MAX_PRESENTATION_BYTES`` of output (no bombs)."""
    decompressor = zlib.decompressobj(-15, zdict=dictionary) if dictionary else zlib.decompressobj(-15)
    try:
        out = decompressor.decompress(data, MAX_PRESENTATION_BYTES + 1)
    except zlib.error:
        raise QrError("malformed") from None
    if len(out) > MAX_PRESENTATION_BYTES:
        raise QrError("too_large")
    if not decompressor.eof or decompressor.unused_data or decompressor.unconsumed_tail:
        raise QrError("malformed")
    return out


def pack_segments(text: str) -> bytes | None:
    """CBOR ``[separators, [segment bytes …]]`` of a text of base64url runs split by ``.``/``~``.

    ``None`` when the text is not of that shape or a run is not canonical
    unpadded base64url (then the round trip would not give the text back).
    """
    if not _PACKABLE.fullmatch(text):
        return None
    segments: list[bytes] = []
    for run in _SEPARATORS.split(text):
        raw = run.encode("ascii")
        if len(raw) % 4 == 1:
            return None
        decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
        if base64.urlsafe_b64encode(decoded).rstrip(b"=") != raw:
            return None
        segments.append(decoded)
    separators = "".join(_SEPARATORS.findall(text))
    return cbor2.dumps([separators, segments], canonical=True)


def unpack_segments(packed: bytes) -> str:
    """Inverse of ``pack_segments``; ``QrError('malformed')`` for anything it could not have made."""
    value = strict_cbor(packed)
    if not (isinstance(value, list) and len(value) == 2):
        raise QrError("malformed")
    separators, segments = value
    if not (isinstance(separators, str) and isinstance(segments, list)):
        raise QrError("malformed")
    if len(segments) != len(separators) + 1 or not _SEPARATOR_RUN.fullmatch(separators):
        raise QrError("malformed")
    if not all(isinstance(segment, bytes) for segment in segments):
        raise QrError("malformed")
    runs = [base64.urlsafe_b64encode(segment).rstrip(b"=").decode("ascii") for segment in segments]
    parts = [runs[0]]
    for separator, run in zip(separators, runs[1:], strict=True):
        parts += (separator, run)
    return "".join(parts)


def check_reference(value: object) -> str:
    """A reference a verifier resolves online: an ``https://`` URL (or loopback ``http://``) or a code.

    A code is 6 to 64 characters of ``[A-Za-z0-9_-]``; a URL is at most 512
    printable ASCII characters without spaces. ``QrError('invalid_claims')`` otherwise.
    """
    if not isinstance(value, str) or not 0 < len(value) <= MAX_REFERENCE_LENGTH:
        raise QrError("invalid_claims")
    if _CODE.fullmatch(value):
        return value
    is_url = value.startswith("https://") and len(value) > len("https://")
    if not (is_url or _LOOPBACK_HTTP.fullmatch(value)) or not _URL_CHARS.fullmatch(value):
        raise QrError("invalid_claims")
    return value
