"""The only module of ours that imports ``cryptography.hazmat``.

Thin, typed wrappers that translate the library's exceptions into ours. The
recipes (``keys``, ``seal``, ``stream``, ``jose`` …) build on these and never
reach into ``cryptography`` themselves.
"""

import hashlib
import hmac
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from crypto.errors import IntegrityError, InvalidSignature, KeyError_

__all__ = [
    "ES256_SIGNATURE_SIZE",
    "KEY_SIZE",
    "NONCE_SIZE",
    "P256_COORDINATE_SIZE",
    "TAG_SIZE",
    "Aead",
    "BytesLike",
    "EcPrivateKey",
    "EcPublicKey",
    "es256_sign_raw",
    "es256_verify_raw",
    "generate_p256",
    "hkdf_expand_sha256",
    "hkdf_sha256",
    "hmac_sha256",
    "is_p256_private",
    "is_p256_public",
    "load_p256_private_pem",
    "p256_private_pem",
    "p256_public_from_xy",
    "p256_public_xy",
    "scrypt",
    "sha256",
]

KEY_SIZE = 32
"""AES-256 key size in bytes; also the size of every symmetric key we make."""
NONCE_SIZE = 12
TAG_SIZE = 16
P256_COORDINATE_SIZE = 32
ES256_SIGNATURE_SIZE = 2 * P256_COORDINATE_SIZE
"""An ES256 signature as JWS and COSE carry it: r ‖ s, each 32 bytes big-endian."""

BytesLike: TypeAlias = bytes | bytearray | memoryview
EcPrivateKey: TypeAlias = ec.EllipticCurvePrivateKey
EcPublicKey: TypeAlias = ec.EllipticCurvePublicKey

_MAX_PEM_SIZE = 16 * 1024
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())  # stateless: one instance serves every call


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        raise KeyError_("symmetric key must be 32 bytes")


class Aead:
    """AES-256-GCM under one key; every failure to open is an ``IntegrityError``."""

    __slots__ = ("_aesgcm",)

    def __init__(self, key: bytes) -> None:
        _check_key(key)
        self._aesgcm = AESGCM(bytes(key))

    def encrypt(self, nonce: BytesLike, data: BytesLike, aad: bytes) -> bytes:
        """Ciphertext followed by the 16-byte tag."""
        return self._aesgcm.encrypt(nonce, data, aad)

    def decrypt(self, nonce: BytesLike, data: BytesLike, aad: bytes) -> bytes:
        """Plaintext, or ``IntegrityError``."""
        try:
            return self._aesgcm.decrypt(nonce, data, aad)
        except InvalidTag:
            raise IntegrityError() from None

    def encrypt_into(self, nonce: BytesLike, data: BytesLike, aad: bytes, out: memoryview) -> None:
        """Encrypt ``data`` into ``out``, which must be exactly ``len(data) + 16`` bytes."""
        self._aesgcm.encrypt_into(nonce, data, aad, out)

    def decrypt_into(self, nonce: BytesLike, data: BytesLike, aad: bytes, out: memoryview) -> None:
        """Decrypt ``data`` into ``out`` (exactly ``len(data) - 16`` bytes) or raise.

        On failure ``out`` may hold unauthenticated bytes: the caller must drop it.
        """
        try:
            self._aesgcm.decrypt_into(nonce, data, aad, out)
        except InvalidTag:
            raise IntegrityError() from None


def hkdf_sha256(ikm: bytes, *, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    """HKDF-SHA256 (RFC 5869)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hkdf_expand_sha256(prk: bytes, *, info: bytes, length: int = 32) -> bytes:
    """HKDF-Expand with SHA-256 (RFC 5869 section 2.3) of an already extracted key."""
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 in one call (OpenSSL underneath)."""
    return hmac.digest(key, data, "sha256")


def scrypt(secret: bytes, salt: bytes, *, n: int, r: int, p: int, length: int = 32) -> bytes:
    """scrypt (RFC 7914): a memory-hard, deliberately slow derivation of a low-entropy secret."""
    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(secret)


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def generate_p256() -> EcPrivateKey:
    """A fresh P-256 private key from the OS CSPRNG."""
    return ec.generate_private_key(ec.SECP256R1())


def is_p256_private(key: object) -> bool:
    """Whether ``key`` is a P-256 private key object."""
    return isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)


def is_p256_public(key: object) -> bool:
    """Whether ``key`` is a P-256 public key object."""
    return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)


def p256_private_pem(key: EcPrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_p256_private_pem(pem: bytes) -> EcPrivateKey:
    """Load an unencrypted PEM private key; ``KeyError_`` unless it is P-256."""
    if not isinstance(pem, bytes) or len(pem) > _MAX_PEM_SIZE:
        raise KeyError_("private key PEM must be bytes of reasonable size")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyError_("private key PEM is malformed or encrypted") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise KeyError_("private key is not EC P-256")
    return key


def p256_public_xy(key: EcPrivateKey | EcPublicKey) -> tuple[bytes, bytes]:
    """The 32-byte big-endian affine coordinates of the public point."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return point[1:33], point[33:65]


def p256_public_from_xy(x: bytes, y: bytes) -> EcPublicKey:
    """Public key from coordinates; ``KeyError_`` if they are not a point on P-256."""
    if len(x) != P256_COORDINATE_SIZE or len(y) != P256_COORDINATE_SIZE:
        raise KeyError_("P-256 coordinates must be 32 bytes each")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
    except ValueError:
        raise KeyError_("not a point on P-256") from None


def es256_sign_raw(key: EcPrivateKey, data: bytes) -> bytes:
    """ES256 (ECDSA P-256, SHA-256) over ``data``: the 64-byte r ‖ s form of JWS and COSE."""
    if not is_p256_private(key):
        raise KeyError_("signing key is not an EC P-256 private key")
    r, s = decode_dss_signature(key.sign(data, _ECDSA_SHA256))
    return r.to_bytes(P256_COORDINATE_SIZE, "big") + s.to_bytes(P256_COORDINATE_SIZE, "big")


def es256_verify_raw(key: EcPublicKey, data: bytes, signature: bytes) -> None:
    """Return if ``signature`` (64-byte r ‖ s) is ``key``'s ES256 over ``data``; else ``InvalidSignature``."""
    if not is_p256_public(key):
        raise KeyError_("verification key is not an EC P-256 public key")
    if not isinstance(signature, bytes) or len(signature) != ES256_SIGNATURE_SIZE:
        raise InvalidSignature()
    r = int.from_bytes(signature[:P256_COORDINATE_SIZE], "big")
    s = int.from_bytes(signature[P256_COORDINATE_SIZE:], "big")
    try:
        key.verify(encode_dss_signature(r, s), data, _ECDSA_SHA256)
    except _CryptographyInvalidSignature:
        raise InvalidSignature() from None
