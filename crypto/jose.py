"""ES256 JWS, P-256 keys as JWK, RFC 7638 thumbprints and RFC 7523 client assertions.

``python-jose`` signs and checks the signatures, always with
``algorithms=["ES256"]`` and a key object built straight from the
``cryptography`` key (no PEM or JWK round trip, so a check costs little more
than the ECDSA verification). Before it, the token is held to the strict
compact form: three canonical base64url segments, a JSON-object header with
``alg`` ES256, no ``crit``, the expected ``typ``. ``none`` and every HMAC or
RSA algorithm are refused whatever key is given. Times are never read from a
clock here: callers pass ``now``.
"""

import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jose import jwk as jose_jwk
from jose import jws as jose_jws
from jose.exceptions import JOSEError

from crypto._claims import int_claim, str_claim
from crypto._encoding import b64url_decode, b64url_encode, json_compact, json_object
from crypto._hazmat import (
    P256_COORDINATE_SIZE,
    EcPrivateKey,
    EcPublicKey,
    es256_verify_raw,
    generate_p256,
    is_p256_private,
    is_p256_public,
    load_p256_private_pem,
    p256_private_pem,
    p256_public_from_xy,
    p256_public_xy,
    sha256,
)
from crypto.errors import CryptoError, InvalidSignature, KeyError_

__all__ = [
    "ALGORITHM",
    "CLIENT_ASSERTION_TYP",
    "MAX_JWS_LENGTH",
    "ClientAssertion",
    "EcPrivateKey",
    "EcPublicKey",
    "check_client_assertion",
    "generate_private_key",
    "jwk_thumbprint",
    "load_private_key_pem",
    "make_client_assertion",
    "private_key_pem",
    "public_jwk",
    "public_key_from_jwk",
    "sign_jws",
    "unverified_header",
    "verify_jws",
]

ALGORITHM = "ES256"
CLIENT_ASSERTION_TYP = "client-assertion+jwt"
# What standard RFC 7523 clients send as ``typ`` (OAuth libraries say "JWT" or nothing); only the
# token endpoint takes them, and every other check of the assertion still applies.
_CLIENT_ASSERTION_TYPS = frozenset({CLIENT_ASSERTION_TYP, "jwt", None})
MAX_JWS_LENGTH = 256 * 1024
"""Longest compact JWS accepted, before any parsing."""

_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_RESERVED_HEADERS = frozenset({"alg", "typ", "kid", "crit"})
_SIGNATURE_SIZE = 2 * P256_COORDINATE_SIZE
_COORDINATE_B64_LENGTH = 43
# RFC 7638 §3.2: the required members of each key type, already in lexicographic order.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
}


def generate_private_key() -> EcPrivateKey:
    """A fresh P-256 private key."""
    return generate_p256()


def private_key_pem(key: EcPrivateKey) -> bytes:
    """PKCS#8 PEM of a P-256 private key, unencrypted (store it encrypted or 0600)."""
    _require_private(key)
    return p256_private_pem(key)


def load_private_key_pem(pem: bytes) -> EcPrivateKey:
    """Load a PEM private key; ``KeyError_`` unless it is unencrypted P-256."""
    return load_p256_private_pem(pem)


def public_jwk(key: EcPrivateKey | EcPublicKey) -> dict[str, str]:
    """The public JWK (``kty, crv, x, y``; never ``d``) of a P-256 key."""
    if not (is_p256_private(key) or is_p256_public(key)):
        raise KeyError_("key is not EC P-256")
    x, y = p256_public_xy(key)
    return {"kty": "EC", "crv": "P-256", "x": b64url_encode(x), "y": b64url_encode(y)}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> EcPublicKey:
    """The P-256 public key of a JWK; ``KeyError_`` for another kind or one carrying ``d``."""
    if not isinstance(jwk, Mapping):
        raise KeyError_("JWK must be an object")
    if "d" in jwk:
        raise KeyError_("JWK carries a private key")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise KeyError_("JWK is not EC P-256")
    if jwk.get("alg", ALGORITHM) != ALGORITHM or jwk.get("use", "sig") != "sig":
        raise KeyError_("JWK is not for ES256 signatures")
    x, y = jwk.get("x"), jwk.get("y")
    if not isinstance(x, str) or not isinstance(y, str):
        raise KeyError_("JWK coordinates must be strings")
    return _public_key_from_coordinates(x, y)


@functools.lru_cache(maxsize=1024)
def _public_key_from_coordinates(x: str, y: str) -> EcPublicKey:
    # Cached: a device presents the same key on every request, and the on-curve
    # check costs more than the rest of a DPoP check. Failures are not cached.
    if len(x) != _COORDINATE_B64_LENGTH or len(y) != _COORDINATE_B64_LENGTH:
        raise KeyError_("JWK coordinates must be 32 bytes")
    try:
        x_bytes, y_bytes = b64url_decode(x), b64url_decode(y)
    except ValueError:
        raise KeyError_("JWK coordinates are not base64url") from None
    return p256_public_from_xy(x_bytes, y_bytes)


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint: b64url SHA-256 of the required members in canonical JSON."""
    if not isinstance(jwk, Mapping):
        raise KeyError_("JWK must be an object")
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise KeyError_("JWK key type is not supported")
    required = {name: jwk.get(name) for name in members}
    if not all(isinstance(value, str) and value for value in required.values()):
        raise KeyError_("JWK lacks a required member")
    if kty == "EC":  # a device's DPoP key, presented on every request: cached like the key itself
        return _ec_thumbprint(*required.values())
    return b64url_encode(sha256(json_compact(required)))


@functools.lru_cache(maxsize=1024)
def _ec_thumbprint(crv: str, kty: str, x: str, y: str) -> str:
    return b64url_encode(sha256(json_compact({"crv": crv, "kty": kty, "x": x, "y": y})))


def _require_private(key: object) -> None:
    if not is_p256_private(key):
        raise KeyError_("signing key is not an EC P-256 private key")


def _jose_key(key: EcPrivateKey | EcPublicKey) -> Any:
    # Built from the key object itself: about a microsecond, nothing worth caching.
    return jose_jwk.construct(key, ALGORITHM)


def sign_jws(
    key: EcPrivateKey,
    claims: Mapping[str, Any],
    *,
    typ: str,
    kid: str | None = None,
    extra_headers: Mapping[str, Any] | None = None,
) -> str:
    """Compact ES256 JWS of ``claims`` with header ``alg``, ``typ``, optional ``kid`` and extras."""
    _require_private(key)
    headers = dict(extra_headers or {})
    if _RESERVED_HEADERS.intersection(headers):
        raise CryptoError("extra_headers may not set alg, typ, kid or crit")
    headers["typ"] = typ
    if kid is not None:
        headers["kid"] = kid
    try:
        json_compact(headers)  # python-jose would accept NaN; refuse it here
        payload = json_compact(claims)
        token: str = jose_jws.sign(payload, _jose_key(key), headers=headers, algorithm=ALGORITHM)
    except (ValueError, JOSEError):
        raise CryptoError("claims or headers are not JSON-serialisable") from None
    return token


@dataclass(frozen=True, slots=True)
class ParsedJws:
    """A well-formed compact JWS split and decoded once, NOT verified."""

    header: dict[str, Any]
    payload: bytes
    signature: bytes
    signing_input: bytes


def parse_compact(token: str) -> ParsedJws:
    """Split and decode a compact JWS, checking its form and nothing else."""
    if not isinstance(token, str) or len(token) > MAX_JWS_LENGTH or not _COMPACT.fullmatch(token):
        raise InvalidSignature()
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json_object(b64url_decode(header_b64))
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except ValueError:
        raise InvalidSignature() from None
    return ParsedJws(header, payload, signature, f"{header_b64}.{payload_b64}".encode("ascii"))


def unverified_header(token: str) -> dict[str, Any]:
    """The header of a compact JWS, parsed but NOT verified; ``InvalidSignature`` if malformed."""
    return parse_compact(token).header


def verify_jws(token: str, key: EcPublicKey, *, typ: str | None) -> dict[str, Any]:
    """Claims of an ES256 JWS signed by ``key`` (and of header ``typ`` when given).

    Checks no times: callers check ``exp``/``iat`` against their injected clock.
    """
    return verify_parsed(parse_compact(token), key, typ=typ)


def verify_parsed(parsed: ParsedJws, key: EcPublicKey, *, typ: str | None) -> dict[str, Any]:
    """``verify_jws`` on a token already split by ``parse_compact`` (parsed once per request)."""
    if not is_p256_public(key):
        raise KeyError_("verification key is not an EC P-256 public key")
    header = parsed.header
    # The allow-list: ES256 only, whatever the header claims; no `crit` extensions.
    if header.get("alg") != ALGORITHM or "crit" in header or len(parsed.signature) != _SIGNATURE_SIZE:
        raise InvalidSignature()
    if typ is not None and header.get("typ") != typ:
        raise InvalidSignature()
    # The signature straight through ``cryptography`` (r ‖ s to DER, one verify): the same check
    # python-jose makes, without building its key object on every request.
    es256_verify_raw(key, parsed.signing_input, parsed.signature)
    try:
        return json_object(parsed.payload)
    except ValueError:
        raise InvalidSignature() from None


@dataclass(frozen=True, slots=True)
class ClientAssertion:
    """A checked RFC 7523 client assertion: the caller stores ``jti`` until ``exp``."""

    jti: str
    exp: int


def make_client_assertion(
    key: EcPrivateKey,
    client_id: str,
    audience: str,
    *,
    now: int,
    lifetime: int = 60,
    jti: str | None = None,
    kid: str | None = None,
) -> str:
    """An RFC 7523 ``private_key_jwt`` assertion: ``iss = sub = client_id``, ``aud``, ``jti``."""
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti if jti is not None else secrets.token_urlsafe(16),
    }
    return sign_jws(key, claims, typ=CLIENT_ASSERTION_TYP, kid=kid)


def check_client_assertion(
    token: str,
    key: EcPublicKey,
    *,
    client_id: str,
    audience: str,
    now: int,
    max_lifetime: int = 300,
    leeway: int = 30,
) -> ClientAssertion:
    """Verify an assertion from ``client_id`` for ``audience`` at ``now``; ``InvalidSignature``.

    ``typ`` may be ``client-assertion+jwt``, ``JWT`` (any case) or absent, as RFC 7523 clients send it;
    any other type (a DPoP proof, a consent decision, ...) is refused.
    """
    parsed = parse_compact(token)
    typ = parsed.header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _CLIENT_ASSERTION_TYPS):
        raise InvalidSignature()
    claims = verify_parsed(parsed, key, typ=None)
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidSignature()
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidSignature()
    iat, exp = int_claim(claims, "iat"), int_claim(claims, "exp")
    if not (iat < exp <= iat + max_lifetime and iat - leeway <= now < exp + leeway):
        raise InvalidSignature()
    if "nbf" in claims and int_claim(claims, "nbf") > now + leeway:
        raise InvalidSignature()
    return ClientAssertion(jti=str_claim(claims, "jti"), exp=exp)
