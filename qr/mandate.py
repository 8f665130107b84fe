"""A delegate presenting a credential with holder binding, under a mandate attestation.

A credential's ``cnf`` names the represented citizen's device key, which a delegate does not
hold. So the wallet service hands the delegate a short-lived **mandate attestation**
(``POST /v1/me/mandates/{id}/attestation``): a JWS, ``typ`` ``mandate+jwt``, ES256, signed with
the service key the verifiers already trust through the trust list, saying: mandate ``mid``
lets ``delegate_name`` present, for ``represented_name``, the credential whose issuer-signed JWT
has SHA-256 ``credential_digest`` (so it binds to that one credential), of a type among
``credentials``, until ``exp`` (at most five minutes after ``iat``); the delegate's device key is
``cnf.jwk``.

The presentation is the attestation, ``~~``, then the represented citizen's SD-JWT with the
chosen Disclosures and a Key Binding JWT signed by the DELEGATE's key over the verifier's nonce
and the ``sd_hash`` (``~~`` never occurs in an SD-JWT: no Disclosure is empty). Older verifiers
refuse it as malformed. ``qr.decision.decide_credential`` checks it, the one decision of
``wallet-verify``, ``POST /v1/verify`` and the ``/verify`` page. See qr/format.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import crypto

MANDATE_TYP = "mandate+jwt"
MAX_LIFETIME = 300  # seconds an attestation lives at most
SEPARATOR = "~~"
LEEWAY = 30
# every refusal of a mandated presentation, each in ``qr.reasons.REASONS``
MANDATE_REASONS = frozenset(
    {
        "mandate_malformed",
        "mandate_bad_signature",
        "mandate_expired",
        "mandate_wrong_credential",
        "mandate_wrong_key",
        "mandate_type_not_covered",
        "mandate_ended",  # online only: the service's record says it ended
    }
)


class MandateRefused(Exception):
    """The attestation failed a check; ``reason`` is a key of ``qr.reasons.REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Attestation:
    """A checked mandate attestation."""

    mandate_id: str
    represented_name: str
    delegate_name: str
    credentials: tuple[str, ...]
    credential_digest: str
    valid_until: int  # the mandate's end (Unix seconds)
    expires: int  # the attestation's own end
    binding_key: crypto.EcPublicKey

    def words(self) -> tuple[str, str]:
        """What the verifier shows, Vietnamese then English."""
        until = dt.datetime.fromtimestamp(self.valid_until, tz=dt.UTC).strftime("%d/%m/%Y %H:%M UTC")
        return (
            f"Do {self.delegate_name} xuất trình thay {self.represented_name} theo uỷ quyền, "
            f"uỷ quyền có hiệu lực đến {until}",
            f"Presented by {self.delegate_name} for {self.represented_name} under a mandate, until {until}",
        )

    def as_json(self) -> dict[str, Any]:
        """For the verdict's JSON."""
        vi, en = self.words()
        return {
            "mandate_id": self.mandate_id,
            "delegate": self.delegate_name,
            "represented": self.represented_name,
            "valid_until": self.valid_until,
            "vi": vi,
            "en": en,
        }


def split_presentation(text: str) -> tuple[str | None, str]:
    """(attestation, SD-JWT+KB) of a mandated presentation; (None, text) for any other."""
    if SEPARATOR not in text:
        return None, text
    attestation, _, rest = text.partition(SEPARATOR)
    return attestation, rest


def join_presentation(attestation: str, presentation: str) -> str:
    """What the delegate's phone shows: the attestation, ``~~``, the SD-JWT+KB."""
    return attestation + SEPARATOR + presentation


def check_attestation(
    token: str, service_keys: dict[str, crypto.EcPublicKey], *, now: int, leeway: int = LEEWAY
) -> Attestation:
    """The attestation, signed (ES256 only) by a trusted wallet service key, in its lifetime."""
    try:
        kid = str(crypto.unverified_header(token).get("kid", ""))
    except crypto.CryptoError:
        raise MandateRefused("mandate_malformed") from None
    key = service_keys.get(kid)
    if key is None:
        raise MandateRefused("mandate_bad_signature")  # no trusted wallet key by that id
    try:
        claims = crypto.verify_jws(token, key, typ=MANDATE_TYP)  # the alg allow-list: ES256
    except crypto.CryptoError:
        raise MandateRefused("mandate_bad_signature") from None
    try:
        iat, exp, until = (_int(claims, name) for name in ("iat", "exp", "valid_until"))
        cnf = claims["cnf"]
        jwk = cnf["jwk"] if isinstance(cnf, dict) else None
        if not isinstance(jwk, dict):
            raise MandateRefused("mandate_malformed")
        binding_key = crypto.public_key_from_jwk(jwk)
        types = claims["credentials"]
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise MandateRefused("mandate_malformed")
        texts = [claims[name] for name in ("mid", "represented_name", "delegate_name", "credential_digest")]
        if not all(isinstance(t, str) and t for t in texts):
            raise MandateRefused("mandate_malformed")
    except (KeyError, TypeError, crypto.CryptoError):
        raise MandateRefused("mandate_malformed") from None
    if not 0 < exp - iat <= MAX_LIFETIME or iat > now + leeway:
        raise MandateRefused("mandate_malformed")
    if now >= exp + leeway or now >= until + leeway:
        raise MandateRefused("mandate_expired")
    mandate_id, represented, delegate, digest = (str(t) for t in texts)
    return Attestation(mandate_id, represented, delegate, tuple(types), digest, until, exp, binding_key)


def _int(claims: dict[str, Any], name: str) -> int:
    value = claims[name]
    if type(value) is not int:
        raise MandateRefused("mandate_malformed")
    return value
