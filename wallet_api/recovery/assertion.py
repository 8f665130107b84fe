"""The identity provider's recovery assertion: what it must say and who may sign it.

A compact JWS, ``typ: recovery-assertion+jwt``, ES256 only (``crypto.verify_jws``'s allow-list:
no ``none``, no HMAC), ``kid`` naming one of the agency's registered keys, over::

    iss    the agency's id: registered, with the ``idp`` role, valid and not dissolved now
    sub    the CCCD number it checked: the one the nonce was handed out for
    nonce  the wallet's recovery nonce
    cnf    {"jwk": the new device's public key}: the key that proved possession on the request
    acr    the assurance level: "substantial" or "high"
    iat    Unix seconds, within the nonce's ten minutes and not in the future

Any failed check is one opaque ``InvalidRecoveryProof``; the reason goes to the log only.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from typing import Any

import crypto
import storage
from wallet_api.context import Context
from wallet_api.errors import InvalidCccd
from wallet_api.identity import parse_cccd_number
from wallet_api.recovery.errors import InvalidRecoveryProof
from wallet_api.services.agencies import active_at, agency_keys

log = logging.getLogger("wallet.recovery")
ASSERTION_TYP = "recovery-assertion+jwt"
ASSURANCE_LEVELS = ("substantial", "high")
NONCE_SECONDS = 600
LEEWAY = 5


def check_assertion(
    ctx: Context, uow: storage.UnitOfWork, token: str, nonce: str, blind_index: str, jkt: str
) -> tuple[storage.AgencyRecord, str]:
    """The vouching agency and the assurance level of a valid assertion; ``InvalidRecoveryProof``."""
    try:
        agency = _signer(ctx, uow, token)
        key = agency_keys(agency).get(str(crypto.unverified_header(token).get("kid")))
        if key is None:
            raise crypto.InvalidSignature("no such key of the agency")
        claims = crypto.verify_jws(token, key, typ=ASSERTION_TYP)
        _check_claims(ctx, claims, agency, nonce, blind_index, jkt)
    except (crypto.CryptoError, InvalidCccd, storage.NotFound, IndexError, ValueError) as exc:
        log.info("recovery assertion refused: %s", exc)
        raise InvalidRecoveryProof() from None
    return agency, str(claims["acr"])


def _signer(ctx: Context, uow: storage.UnitOfWork, token: str) -> storage.AgencyRecord:
    """The agency the (not yet verified) ``iss`` names, if it may vouch for a recovery now."""
    unverified_payload = crypto.json_object(crypto.b64url_decode(token.split(".")[1]))
    iss = unverified_payload.get("iss")
    if not isinstance(iss, str) or not iss:
        raise crypto.InvalidSignature("no issuer")
    agency = uow.agencies.get(iss[:64])
    if "idp" not in agency.role_set:
        raise crypto.InvalidSignature(f"{agency.id} has no idp role")
    if not active_at(agency, ctx.utcnow()):
        raise crypto.InvalidSignature(f"{agency.id} is not active (dissolved or out of validity)")
    return agency


def _same(a: object, b: str) -> bool:
    return isinstance(a, str) and hmac.compare_digest(a.encode(), b.encode())


def _check_claims(
    ctx: Context,
    claims: Mapping[str, Any],
    agency: storage.AgencyRecord,
    nonce: str,
    blind_index: str,
    jkt: str,
) -> None:
    if not _same(claims.get("iss"), agency.id):
        raise crypto.InvalidSignature("another issuer")
    sub = claims.get("sub")
    number = parse_cccd_number(sub if isinstance(sub, str) else "")
    if not _same(crypto.blind_index(ctx.blind_key, number), blind_index):
        raise crypto.InvalidSignature("assertion for another CCCD than the nonce's")
    if not _same(claims.get("nonce"), nonce):
        raise crypto.InvalidSignature("another nonce")
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict) or not _same(crypto.jwk_thumbprint(jwk), jkt):
        raise crypto.InvalidSignature("another device key")
    if claims.get("acr") not in ASSURANCE_LEVELS:
        raise crypto.InvalidSignature("assurance level too low or missing")
    iat, now = claims.get("iat"), ctx.now()
    if type(iat) is not int or not now - NONCE_SECONDS <= iat <= now + LEEWAY:
        raise crypto.InvalidSignature("assertion is not fresh")
