"""Mandate attestations: a delegate presents the represented citizen's credential with holder
binding (the format and the verifier's checks: ``qr.mandate``, qr/format.md, docs/mandates.md).

``POST /v1/me/mandates/{id}/attestation`` over the delegate's own DPoP token: the mandate is
read now (no memory) and must be the caller's and in force, the credential the represented
citizen's, its type in ``scope.credentials``. The answer is a JWS (``mandate+jwt``, ES256, the
service's current signing key, which verifiers trust through the trust list) living five
minutes at most and never past the mandate, binding that credential (the SHA-256 of its
issuer-signed JWT) to the device key that asked (``cnf.jwk``), and the credential itself.
Issuing it is an act under the mandate: both access logs, in one transaction, before the answer
("Lê Văn Nam presented your birth certificate for you (under a mandate)").
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import crypto
from crypto.transparency.entry import AccessAction
from qr.decision import issuer_jwt_digest
from qr.mandate import MANDATE_TYP, MAX_LIFETIME
from wallet_api.context import Context
from wallet_api.errors import Unauthenticated
from wallet_api.mandates.errors import MandateOutOfScope
from wallet_api.mandates.service import MandateService
from wallet_api.services.auth import Principal
from wallet_api.services.credentials import CredentialService, HeldCredential


@dataclass(frozen=True, slots=True)
class Issued:
    """An attestation and the credential it binds."""

    attestation: str
    expires_at: int
    credential: HeldCredential
    mandate_id: str


class AttestationService:
    """Issue mandate attestations to delegates."""

    def __init__(self, ctx: Context, mandates: MandateService, credentials: CredentialService) -> None:
        self.ctx = ctx
        self.mandates = mandates
        self.credentials = credentials

    def issue(self, principal: Principal, mandate_id: str, credential_id: str) -> Issued:
        """The attestation for the delegate ``principal`` to present ``credential_id`` (blocking)."""
        caller = self.mandates.held_by(principal, mandate_id)  # 404 not theirs, 403 not in force
        held = self.credentials.get(caller.owner, credential_id)  # 404: not the represented citizen's
        if not caller.covers("credentials", held.doc_type):
            raise MandateOutOfScope()
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            device = uow.devices.active(principal.subject, principal.jkt)
        if device is None:  # revoked since the token was checked
            raise Unauthenticated()
        mandate, scope = caller.mandate, caller.scope
        assert mandate is not None and scope is not None  # held_by always names them
        now = self.ctx.now()
        until = int(mandate.valid_until.timestamp())
        expires = min(now + MAX_LIFETIME, until)
        key = self.ctx.service_keys.current
        claims = {
            "iss": self.ctx.settings.public_url or "",
            "iat": now,
            "exp": expires,
            "jti": secrets.token_urlsafe(16),
            "mid": mandate.id,
            "represented_name": caller.names[0],
            "delegate_name": caller.names[1],
            "credentials": list(scope.credentials),
            "valid_until": until,
            "credential_digest": crypto.b64url_encode(issuer_jwt_digest(held.sd_jwt)),
            "cnf": {"jwk": json.loads(device.jwk)},
        }
        token = crypto.sign_jws(key.private, claims, typ=MANDATE_TYP, kid=key.kid)
        self.mandates.record_act(caller, (held.id, held.doc_type), AccessAction.PRESENT)
        return Issued(token, expires, held, mandate.id)


__all__ = ["AttestationService", "Issued"]
