"""DPoP proofs (RFC 9449): make them on the client, check them on the server.

Replay is the caller's job: it keeps each accepted ``jti`` for ``max_age +
leeway`` seconds and refuses a second use.
"""

import functools
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crypto._claims import int_claim, str_claim
from crypto._encoding import b64url_encode
from crypto._hazmat import sha256
from crypto.errors import CryptoError, InvalidSignature, KeyError_
from crypto.jose import (
    EcPrivateKey,
    jwk_thumbprint,
    parse_compact,
    public_jwk,
    public_key_from_jwk,
    sign_jws,
    verify_parsed,
)

__all__ = ["DPOP_TYP", "DpopProof", "access_token_hash", "check_dpop_proof", "make_dpop_proof"]

DPOP_TYP = "dpop+jwt"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_URL_LENGTH = 4096


@dataclass(frozen=True, slots=True)
class DpopProof:
    """A checked proof: the key's RFC 7638 thumbprint, the ``jti`` to remember, ``iat``."""

    jkt: str
    jti: str
    iat: int


def access_token_hash(access_token: str) -> str:
    """The ``ath`` value: b64url SHA-256 of the access token's ASCII bytes."""
    return b64url_encode(sha256(access_token.encode("utf-8")))


@functools.lru_cache(maxsize=4096)  # pure; a server sees the same few URLs again and again
def _target_uri(url: str) -> str:
    """``url`` without query and fragment, scheme and host lower-cased, default port dropped.

    Raises ``ValueError`` for a URL that is not absolute http(s).
    """
    if len(url) > _MAX_URL_LENGTH:
        raise ValueError("URL too long")
    parts = urlsplit(url)
    scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError("not an absolute http(s) URL")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def make_dpop_proof(
    key: EcPrivateKey,
    method: str,
    url: str,
    *,
    now: int,
    access_token: str | None = None,
    jti: str | None = None,
    nonce: str | None = None,
) -> str:
    """A DPoP proof for ``method url`` at ``now``, with ``ath`` when an access token is given."""
    try:
        htu = _target_uri(url)
    except ValueError:
        raise CryptoError("DPoP target must be an absolute http(s) URL") from None
    claims: dict[str, Any] = {
        "jti": jti if jti is not None else secrets.token_urlsafe(16),
        "htm": method,
        "htu": htu,
        "iat": now,
    }
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    if nonce is not None:
        claims["nonce"] = nonce
    return sign_jws(key, claims, typ=DPOP_TYP, extra_headers={"jwk": public_jwk(key)})


def _same_target(claimed: str, url: str) -> bool:
    try:
        return _target_uri(claimed) == _target_uri(url)
    except ValueError:
        return False


def check_dpop_proof(
    proof: str,
    *,
    method: str,
    url: str,
    now: int,
    access_token: str | None,
    max_age: int = 60,
    leeway: int = 5,
) -> DpopProof:
    """Check a proof for ``method url`` at ``now``; any failure is ``InvalidSignature``.

    Checks ``typ``, ES256, the embedded public JWK (no ``d``), the signature,
    ``htm``, ``htu`` (ignoring query and fragment), ``iat`` within
    ``[now - max_age, now + leeway]`` and, when ``access_token`` is given, ``ath``.
    """
    parsed = parse_compact(proof)
    jwk = parsed.header.get("jwk")
    if not isinstance(jwk, dict):
        raise InvalidSignature()
    try:
        key = public_key_from_jwk(jwk)
        jkt = jwk_thumbprint(jwk)
    except KeyError_:
        raise InvalidSignature() from None
    claims = verify_parsed(parsed, key, typ=DPOP_TYP)
    if claims.get("htm") != method:
        raise InvalidSignature()
    if not _same_target(str_claim(claims, "htu", max_length=_MAX_URL_LENGTH), url):
        raise InvalidSignature()
    iat = int_claim(claims, "iat")
    if not now - max_age <= iat <= now + leeway:
        raise InvalidSignature()
    if access_token is not None:
        ath = str_claim(claims, "ath")
        if not hmac.compare_digest(ath.encode("utf-8"), access_token_hash(access_token).encode()):
            raise InvalidSignature()
    return DpopProof(jkt=jkt, jti=str_claim(claims, "jti"), iat=iat)
