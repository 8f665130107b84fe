"""SD-JWT VC credentials (RFC 9901, draft-ietf-oauth-sd-jwt-vc): issue, present, verify.

The profile, one way to do each thing:

- ES256 only, for the Issuer-signed JWT and for the Key Binding JWT (an explicit
  allow-list: never ``none``, never HMAC); ``_sd_alg`` is ``sha-256``; salts are
  128 bits from ``secrets``.
- Header ``typ`` ``dc+sd-jwt`` (``vc+sd-jwt``, the older name, is accepted on verify).
  Claims ``iss``, ``vct``, ``iat``, ``exp`` (``nbf`` accepted), ``cnf.jwk`` the
  holder's device key, and ``status`` = ``{"status_list": {"idx", "uri"}}``
  (IETF Token Status List) when given; all of these are always in clear.
- Every other top-level claim is selectively disclosable unless named in
  ``always_visible``; so, recursively, is each member of an object and each
  element of an array inside one. A holder can thus reveal ``address`` whole or
  only ``address.locality``. Array elements are disclosed by index
  (``nationalities.0``).
- Decoy digests: none unless ``decoys`` asks (added to the top-level ``_sd``). The
  document-type catalog fixes each type's claims, so their number reveals little;
  decoys are for types with optional claims.
- A presentation always carries a Key Binding JWT (``typ`` ``kb+jwt``: ``iat``,
  ``aud``, ``nonce``, ``sd_hash`` over ``<jwt>~<disclosures>~`` as RFC 9901 §4.3.1).

Times are always passed in (``now``, seconds). Every failure to verify is a
``CredentialError`` whose ``reason`` names the check; misuse when issuing or
presenting is a ``CryptoError``. Messages never hold claim values or keys.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from crypto._sdjwt_core import (
    KB_JWT_TYP,
    MAX_SD_JWT_LENGTH,
    Compact,
    IssuerKeyLookup,
    check_key_binding,
    join,
    key_binding_jwt,
    split,
    unverified,
    verify_issuer_jwt,
)
from crypto._sdjwt_disclosures import (
    SD,
    SD_ALG,
    SD_ALG_CLAIM,
    conceal_claims,
    decode_disclosure,
    decode_disclosures,
    digest,
    resolve,
    select,
)
from crypto.errors import CredentialError, CryptoError, KeyError_
from crypto.jose import EcPrivateKey, EcPublicKey, public_jwk, public_key_from_jwk, sign_jws

__all__ = [
    "DEFAULT_LEEWAY",
    "KB_JWT_TYP",
    "MAX_SD_JWT_LENGTH",
    "SD_JWT_VC_TYP",
    "VC_TYPS",
    "ClaimPath",
    "IssuedCredential",
    "IssuerKeyLookup",
    "ParsedSdJwt",
    "StatusListReference",
    "VerifiedCredential",
    "issue_sd_jwt_vc",
    "parse_sd_jwt",
    "present",
    "verify_presentation",
    "verify_sd_jwt",
]

SD_JWT_VC_TYP: Final = "dc+sd-jwt"
VC_TYPS: Final = (SD_JWT_VC_TYP, "vc+sd-jwt")
"""Header ``typ`` values accepted on verify: the current one, then the older ``vc+sd-jwt``."""
DEFAULT_LEEWAY: Final = 30
_REGISTERED = frozenset({"iss", "vct", "iat", "exp", "nbf", "cnf", "status"})
_ABSENT = object()
_VC_CLAIMS = _REGISTERED | {SD, SD_ALG_CLAIM, "..."}  # not for `claims` when issuing

ClaimPath: TypeAlias = str | tuple[str | int, ...]
"""``"given_name"``, ``"address.locality"``, ``"nationalities.0"``, or a tuple of segments."""


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A fresh SD-JWT VC: ``sd_jwt`` is ``<jwt>~<d1>~...~``, what the holder stores."""

    sd_jwt: str
    issuer_signed_jwt: str
    disclosures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedSdJwt:
    """An SD-JWT (or SD-JWT+KB) split and decoded, NOT verified: nothing in it is trusted."""

    issuer_signed_jwt: str
    unverified_header: dict[str, Any]
    unverified_payload: dict[str, Any]
    disclosures: tuple[str, ...]
    key_binding_jwt: str | None
    unverified_claims: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StatusListReference:
    """Where the credential's status bit lives: index ``idx`` of the Token Status List at ``uri``."""

    idx: int
    uri: str


@dataclass(frozen=True, slots=True)
class VerifiedCredential:
    """A verified SD-JWT VC; ``claims`` holds the disclosed claims (not ``iss``, ``cnf`` …)."""

    issuer: str
    kid: str | None
    vct: str
    claims: dict[str, Any]
    holder_jwk: dict[str, Any]
    status: StatusListReference | None
    iat: int | None  # None: the issuer made ``iat`` selectively disclosable and it was not disclosed
    exp: int


def _status_claim(status: Mapping[str, Any]) -> dict[str, Any]:
    inner = status.get("status_list") if isinstance(status, Mapping) else None
    if not isinstance(inner, Mapping) or len(status) != 1 or set(inner) != {"idx", "uri"}:
        raise CryptoError("status must be {'status_list': {'idx': int, 'uri': str}}")
    idx, uri = inner["idx"], inner["uri"]
    if type(idx) is not int or idx < 0 or not isinstance(uri, str) or not uri:
        raise CryptoError("status must be {'status_list': {'idx': int, 'uri': str}}")
    return {"status_list": {"idx": idx, "uri": uri}}


def issue_sd_jwt_vc(
    issuer_key: EcPrivateKey,
    *,
    kid: str | None,
    iss: str,
    vct: str,
    claims: Mapping[str, Any],
    holder_jwk: Mapping[str, Any],
    now: int,
    lifetime: int,
    status: Mapping[str, Any] | None = None,
    always_visible: Collection[str] = (),
    decoys: int = 0,
) -> IssuedCredential:
    """Issue an SD-JWT VC bound to ``holder_jwk``, valid from ``now`` for ``lifetime`` seconds."""
    if not (isinstance(iss, str) and iss and isinstance(vct, str) and vct):
        raise CryptoError("iss and vct must be non-empty strings")
    if type(now) is not int or type(lifetime) is not int or lifetime <= 0:
        raise CryptoError("now and lifetime must be integers, lifetime positive")
    if type(decoys) is not int or decoys < 0:
        raise CryptoError("decoys must be a non-negative integer")
    if not isinstance(claims, Mapping) or _VC_CLAIMS.intersection(claims):
        raise CryptoError("claims must be a mapping without the registered or reserved claim names")
    members, disclosures = conceal_claims(claims, always_visible=frozenset(always_visible), decoys=decoys)
    payload: dict[str, Any] = {"iss": iss, "vct": vct, "iat": now, "exp": now + lifetime}
    if status is not None:
        payload["status"] = _status_claim(status)
    payload["cnf"] = {"jwk": public_jwk(public_key_from_jwk(holder_jwk))}
    payload.update(members)
    payload[SD_ALG_CLAIM] = SD_ALG
    jwt = sign_jws(issuer_key, payload, typ=SD_JWT_VC_TYP, kid=kid)
    return IssuedCredential(
        sd_jwt=join(jwt, disclosures),
        issuer_signed_jwt=jwt,
        disclosures=tuple(disclosures),
    )


def parse_sd_jwt(text: str) -> ParsedSdJwt:
    """Split and decode an SD-JWT or SD-JWT+KB WITHOUT verifying it (``CredentialError`` if malformed)."""
    compact = split(text)
    parsed, payload = unverified(compact.issuer_jwt)
    claims = resolve(payload, decode_disclosures(compact.disclosures))
    return ParsedSdJwt(
        issuer_signed_jwt=compact.issuer_jwt,
        unverified_header=parsed.header,
        unverified_payload=payload,
        disclosures=compact.disclosures,
        key_binding_jwt=compact.kb_jwt,
        unverified_claims=claims,
    )


def claimed_issuer(text: str) -> str | None:
    """The ``iss`` an SD-JWT's issuer-signed JWT claims, NOT verified (to pick which issuer's keys
    to load); None when that JWT cannot be read, as verification would find it ``malformed``."""
    try:
        _, payload = unverified(split(text).issuer_jwt)
    except CryptoError:
        return None
    issuer = payload.get("iss")
    return issuer if isinstance(issuer, str) and issuer else None


# --- verification ------------------------------------------------------------------------------


def _int_claim(payload: Mapping[str, Any], name: str) -> int:
    value = payload.get(name)
    if type(value) is not int:
        raise CredentialError("malformed")
    return value


def _status(payload: Mapping[str, Any]) -> StatusListReference | None:
    status = payload.get("status")
    if status is None:
        return None
    # A status we cannot read could hide a revocation: fail closed rather than ignore it.
    inner = status.get("status_list") if type(status) is dict else None
    idx, uri = (inner.get("idx"), inner.get("uri")) if type(inner) is dict else (None, None)
    if type(idx) is not int or idx < 0 or type(uri) is not str or not uri:
        raise CredentialError("malformed")
    return StatusListReference(idx=idx, uri=uri)


def _holder_jwk(payload: Mapping[str, Any]) -> tuple[dict[str, Any], EcPublicKey]:
    cnf = payload.get("cnf")
    jwk = cnf.get("jwk") if type(cnf) is dict else None
    if type(jwk) is not dict:
        raise CredentialError("malformed")
    try:
        return jwk, public_key_from_jwk(jwk)
    except KeyError_:
        raise CredentialError("malformed") from None


def _check_times(payload: Mapping[str, Any], iat: int | None, now: int, leeway: int) -> int:
    if "exp" not in payload:  # optional in the draft; our policy: a credential must end
        raise CredentialError("missing_expiry")
    exp = _int_claim(payload, "exp")
    if now >= exp + leeway:
        raise CredentialError("expired")
    if (iat is not None and iat > now + leeway) or (
        "nbf" in payload and _int_claim(payload, "nbf") > now + leeway
    ):
        raise CredentialError("not_yet_valid")
    return exp


def _issued_at(payload: Mapping[str, Any], claims: dict[str, Any]) -> int | None:
    """``iat`` from the payload, or from a Disclosure (SD-JWT VC §3.2.2.2 lets it be disclosable);
    both at once is malformed. Taken out of ``claims`` (it is a registered claim, not data)."""
    disclosed = claims.pop("iat", None) if "iat" in claims else _ABSENT
    if "iat" in payload:
        if disclosed is not _ABSENT:
            raise CredentialError("malformed")
        return _int_claim(payload, "iat")
    if disclosed is _ABSENT:
        return None
    if type(disclosed) is not int:
        raise CredentialError("malformed")
    return disclosed


def _verify(
    compact: Compact, issuer_key_for: IssuerKeyLookup, now: int, leeway: int
) -> tuple[VerifiedCredential, EcPublicKey]:
    payload, kid = verify_issuer_jwt(compact.issuer_jwt, issuer_key_for, typs=VC_TYPS)
    vct = payload.get("vct")
    if not isinstance(vct, str) or not vct:
        raise CredentialError("malformed")
    exp = _check_times(payload, _int_claim(payload, "iat") if "iat" in payload else None, now, leeway)
    holder_jwk, holder_key = _holder_jwk(payload)
    status = _status(payload)
    # Resolved without the registered claims (read here), which may not be disclosable
    # (SD-JWT VC §3.2.2) but for ``iat``: any other among the disclosed claims is refused.
    body = {name: value for name, value in payload.items() if name not in _REGISTERED}
    claims = resolve(body, decode_disclosures(compact.disclosures))
    iat = _issued_at(payload, claims)
    if not _VC_CLAIMS.isdisjoint(claims):
        raise CredentialError("malformed")
    if iat is not None and iat > now + leeway:  # a disclosed iat, checked once it is known
        raise CredentialError("not_yet_valid")
    credential = VerifiedCredential(
        issuer=payload["iss"],
        kid=kid,
        vct=vct,
        claims=claims,
        holder_jwk=holder_jwk,
        status=status,
        iat=iat,
        exp=exp,
    )
    return credential, holder_key


def verify_sd_jwt(
    text: str, *, issuer_key_for: IssuerKeyLookup, now: int, leeway: int = DEFAULT_LEEWAY
) -> VerifiedCredential:
    """Verify an SD-JWT VC as issued (no Key Binding JWT): signature, times, every Disclosure."""
    compact = split(text)
    if compact.kb_jwt is not None:
        raise CredentialError("malformed")
    return _verify(compact, issuer_key_for, now, leeway)[0]


def verify_presentation(
    text: str,
    *,
    issuer_key_for: IssuerKeyLookup,
    nonce: str,
    audience: str,
    now: int,
    max_kb_age: int = 300,
    leeway: int = DEFAULT_LEEWAY,
    binding_key: EcPublicKey | None = None,
) -> VerifiedCredential:
    """Verify an SD-JWT+KB made for ``audience`` and ``nonce``: issuer, Disclosures, Key Binding, times.

    ``binding_key``: the Key Binding JWT must be signed by this key instead of the credential's
    ``cnf`` key (a delegate presenting under a mandate attestation whose ``cnf`` names it; the
    caller has checked that attestation and that it binds to this credential)."""
    compact = split(text)
    if compact.kb_jwt is None:
        raise CredentialError("missing_key_binding")
    credential, holder_key = _verify(compact, issuer_key_for, now, leeway)
    check_key_binding(
        compact.kb_jwt,
        compact.presented,
        holder_key if binding_key is None else binding_key,
        nonce=nonce,
        audience=audience,
        now=now,
        max_age=max_kb_age,
        leeway=leeway,
    )
    return credential


# --- holder ------------------------------------------------------------------------------------


def _segments(path: ClaimPath) -> tuple[str, ...]:
    if isinstance(path, str):
        return tuple(path.split("."))
    if isinstance(path, tuple) and path:
        return tuple(str(segment) for segment in path)
    raise CryptoError("a claim path is a dotted string or a non-empty tuple of segments")


def present(
    sd_jwt_text: str,
    *,
    disclose: Collection[ClaimPath],
    holder_key: EcPrivateKey,
    nonce: str,
    audience: str,
    now: int,
    delegated: bool = False,
) -> str:
    """An SD-JWT+KB revealing the claims at ``disclose`` (each whole), signed by the device key.

    ``delegated``: ``holder_key`` is a delegate's, not the ``cnf`` key (the verifier then needs the
    mandate attestation naming it, ``qr.mandate``)."""
    if isinstance(disclose, str):
        raise CryptoError("disclose takes a collection of claim paths, not one string")
    compact = split(sd_jwt_text)
    if compact.kb_jwt is not None:
        raise CredentialError("malformed")
    _, payload = unverified(compact.issuer_jwt)
    holder_jwk, _ = _holder_jwk(payload)
    own = public_jwk(holder_key)
    if not delegated and (holder_jwk.get("x"), holder_jwk.get("y")) != (own["x"], own["y"]):
        raise KeyError_("holder key is not the credential's cnf key")
    chosen = select(payload, decode_disclosures(compact.disclosures), [_segments(p) for p in disclose])
    presented = join(compact.issuer_jwt, [d for d in compact.disclosures if d in chosen])
    return presented + key_binding_jwt(holder_key, presented, nonce=nonce, audience=audience, now=now)


def disclosure_name(raw: str) -> tuple[str, str | None]:
    """A Disclosure's digest and the claim name it discloses (None: an array element or malformed).

    The same strict decoding the verifier uses, so a filter that keeps disclosures by
    name reads each one exactly as the credential's verifier will.
    """
    try:
        return digest(raw), decode_disclosure(raw).name
    except CredentialError:
        return digest(raw), None
