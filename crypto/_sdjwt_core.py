"""RFC 9901 without a profile: the compact form, the Issuer-signed JWT, the Key Binding JWT.

Private to ``crypto.sdjwt``, which adds the SD-JWT VC rules on top; the tests
also run the RFC's own example (``typ`` ``example+sd-jwt``, no ``vct``) through
these. ES256 only; every failure is a ``CredentialError`` with its reason.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from crypto._encoding import json_object
from crypto._hazmat import is_p256_public
from crypto._sdjwt_disclosures import digest
from crypto.errors import CredentialError, CryptoError, InvalidSignature
from crypto.jose import (
    ALGORITHM,
    MAX_JWS_LENGTH,
    EcPrivateKey,
    EcPublicKey,
    ParsedJws,
    parse_compact,
    sign_jws,
    verify_jws,
    verify_parsed,
)

__all__ = [
    "KB_JWT_TYP",
    "MAX_SD_JWT_LENGTH",
    "SEPARATOR",
    "Compact",
    "IssuerKeyLookup",
    "check_key_binding",
    "join",
    "key_binding_jwt",
    "split",
    "unverified",
    "verify_issuer_jwt",
]

SEPARATOR: Final = "~"
KB_JWT_TYP: Final = "kb+jwt"
MAX_SD_JWT_LENGTH: Final = MAX_JWS_LENGTH
"""Longest SD-JWT or presentation accepted, before any parsing."""

IssuerKeyLookup: TypeAlias = Callable[[str, str | None], EcPublicKey]
"""``(iss, kid) -> key``: the trusted key, or ``LookupError`` / ``CryptoError`` if none."""


@dataclass(frozen=True, slots=True)
class Compact:
    """``<jwt>~<d1>~...~[<kb-jwt>]`` cut apart, NOT verified; ``presented`` is what ``sd_hash`` covers."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    presented: str


def split(text: object) -> Compact:
    """Cut the compact form at ``~`` (RFC 9901 §4); ``malformed`` unless well-formed ASCII."""
    if not isinstance(text, str) or len(text) > MAX_SD_JWT_LENGTH or not text.isascii():
        raise CredentialError("malformed")
    cut = text.rfind(SEPARATOR) + 1
    if cut == 0:
        raise CredentialError("malformed")
    presented, kb_jwt = text[:cut], text[cut:]
    parts = presented.split(SEPARATOR)
    disclosures = parts[1:-1]
    if not all(disclosures):
        raise CredentialError("malformed")
    return Compact(parts[0], tuple(disclosures), kb_jwt or None, presented)


def join(issuer_jwt: str, disclosures: Sequence[str]) -> str:
    """``<jwt>~<d1>~...~``: an SD-JWT without Key Binding (or the part ``sd_hash`` covers)."""
    return SEPARATOR.join((issuer_jwt, *disclosures, ""))


def unverified(issuer_jwt: str) -> tuple[ParsedJws, dict[str, Any]]:
    """The Issuer-signed JWT split and its payload decoded, NOT verified."""
    try:
        parsed = parse_compact(issuer_jwt)
        return parsed, json_object(parsed.payload.decode("utf-8"))  # str: json skips detecting the encoding
    except (InvalidSignature, ValueError):  # UnicodeDecodeError is a ValueError
        raise CredentialError("malformed") from None


def _issuer_key(issuer_key_for: IssuerKeyLookup, iss: str, kid: str | None) -> EcPublicKey:
    try:
        key = issuer_key_for(iss, kid)
    except (LookupError, CryptoError):
        raise CredentialError("unknown_issuer") from None
    if not is_p256_public(key):
        raise CredentialError("unknown_issuer")
    return key


def verify_issuer_jwt(
    issuer_jwt: str, issuer_key_for: IssuerKeyLookup, *, typs: tuple[str, ...]
) -> tuple[dict[str, Any], str | None]:
    """The signed payload and ``kid`` of an Issuer-signed JWT whose ``typ`` is in ``typs`` (§7.1 step 2).

    ``typs`` is a tuple, not a set: ``in`` must not hash a hostile header value.
    """
    parsed, payload = unverified(issuer_jwt)
    header = parsed.header
    if header.get("alg") != ALGORITHM:
        raise CredentialError("unsupported_algorithm")
    kid, iss = header.get("kid"), payload.get("iss")
    if header.get("typ") not in typs or "crit" in header or not isinstance(iss, str) or not iss:
        raise CredentialError("malformed")
    if kid is not None and not isinstance(kid, str):
        raise CredentialError("malformed")
    key = _issuer_key(issuer_key_for, iss, kid)
    try:
        # The signature covers `signing_input`, whose payload segment is exactly the bytes
        # decoded above: hand verify_parsed an empty payload so they are not parsed twice.
        verify_parsed(ParsedJws(header, b"{}", parsed.signature, parsed.signing_input), key, typ=None)
    except InvalidSignature:
        raise CredentialError("bad_signature") from None
    return payload, kid


def key_binding_jwt(holder_key: EcPrivateKey, presented: str, *, nonce: str, audience: str, now: int) -> str:
    """The KB-JWT (RFC 9901 §4.3) for ``presented`` = ``<jwt>~<chosen disclosures>~``."""
    claims = {"iat": now, "aud": audience, "nonce": nonce, "sd_hash": digest(presented)}
    return sign_jws(holder_key, claims, typ=KB_JWT_TYP)


def check_key_binding(
    kb_jwt: str | None,
    presented: str,
    holder_key: EcPublicKey,
    *,
    nonce: str,
    audience: str,
    now: int,
    max_age: int,
    leeway: int,
) -> None:
    """RFC 9901 §7.3: a KB-JWT signed by ``holder_key`` for this nonce, audience and presentation."""
    if kb_jwt is None:
        raise CredentialError("missing_key_binding")
    try:
        claims = verify_jws(kb_jwt, holder_key, typ=KB_JWT_TYP)
    except InvalidSignature:
        raise CredentialError("bad_key_binding") from None
    iat = claims.get("iat")
    if type(iat) is not int:
        raise CredentialError("bad_key_binding")
    if claims.get("nonce") != nonce:
        raise CredentialError("wrong_nonce")
    if claims.get("aud") != audience:
        raise CredentialError("wrong_audience")
    if not now - max_age <= iat <= now + leeway:
        raise CredentialError("stale_key_binding")
    if claims.get("sd_hash") != digest(presented):
        raise CredentialError("sd_hash_mismatch")
