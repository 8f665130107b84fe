"""The citizen's decision on a consent request: a JWS signed by the current device key, and revocation.

The decision (header ``typ: consent-decision+jwt``) carries ``consent_id``,
``decision`` (``approve`` or ``deny``), for an approval the ``items`` chosen
(``{"item": <index of the requested item>, "kind": "credential"|"document",
"id": ..., "claims": [...]}``), ``iat`` and ``jti``. It is checked against the
citizen's device key as enrolled now, the consent it names, the clock and the
replay guard; any failure is one opaque ``invalid_decision``. A delegate deciding
under a mandate signs with their own device key and adds ``act``
(``{"sub": delegate citizen id, "mandate_id": ...}``, after RFC 8693's actor claim). The approval is
then checked against the request and the citizen's holdings, and stored by a
conditional UPDATE that only lands on a pending, unexpired consent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import crypto
import storage
from consent.policy import ApprovedItem, PolicyError, approved_items
from wallet_api.context import Context
from wallet_api.errors_consent import ConsentAlreadyDecided, InvalidDecision, from_policy, refused
from wallet_api.services.consent_views import ACTIVE, ConsentView, parse_requested
from wallet_api.services.consents import ConsentService

log = logging.getLogger("wallet.consents")
DECISION_TYP = "consent-decision+jwt"
DECISION_MAX_AGE = 300  # seconds a signed decision stays acceptable
DECISION_LEEWAY = 30
ASSISTED = "assisted"  # a decision the service signed for the citizen at a one-stop office


class ConsentDecisionService:
    """Approve, deny and revoke, as the citizen."""

    def __init__(self, ctx: Context, consents: ConsentService) -> None:
        self.ctx = ctx
        self.consents = consents

    def decide(
        self,
        citizen_id: str,
        consent_id: str,
        token: str,
        device_jkt: str,
        *,
        delegate: tuple[str, str] | None = None,
    ) -> ConsentView:
        """Verify the decision signed by the calling device (``device_jkt``) and record it; the
        consent becomes approved or denied. ``delegate``: (citizen id, mandate id) of a delegate
        deciding under a mandate: the device is theirs and the decision's ``act`` names both."""
        view = self.consents.for_citizen(citizen_id, consent_id)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            device = uow.devices.active(delegate[0] if delegate else citizen_id, device_jkt)
        claims = self._verified(device, view.record.id, token, delegate)
        if view.state != "pending":
            raise ConsentAlreadyDecided() if view.state != "expired" else refused("expired")
        approve = claims["decision"] == "approve"
        items = self._approval(citizen_id, view, claims.get("items")) if approve else ()
        decided = replace(
            view.record,
            status="approved" if approve else "denied",
            approved=json.dumps([i.to_json() for i in items]) if approve else None,
            decision=token,
            device_jkt=device_jkt,
            decided_at=self.ctx.utcnow(),
        )
        self._remember(claims)
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.consents.decide(decided):
                raise ConsentAlreadyDecided()
            uow.commit()
        log.info("consent %s %s by the citizen", view.record.id, decided.status)
        return self.consents.for_citizen(citizen_id, consent_id)

    def assisted_decision(
        self,
        citizen_id: str,
        consent_id: str,
        decision: str,
        raw_items: object,
        on_behalf: Mapping[str, Any],
    ) -> storage.ConsentRecord:
        """The decision a citizen confirmed with their PIN at a one-stop office, checked and signed
        but not yet stored (the office's service stores it with its log entry and the visit's list,
        in one transaction: ``storage.ConsentRepository.decide``). No device key, so the wallet
        service signs it on the citizen's behalf, and the decision says so (``method: assisted`` and
        ``on_behalf``: office, officer, visit). The same checks of the request and the citizen's
        holdings as a device's decision; no device key thumbprint."""
        view = self.consents.for_citizen(citizen_id, consent_id)
        if view.state != "pending":
            raise ConsentAlreadyDecided() if view.state != "expired" else refused("expired")
        approve = decision == "approve"
        items = self._approval(citizen_id, view, raw_items) if approve else ()
        claims = {
            "consent_id": view.record.id,
            "decision": "approve" if approve else "deny",
            "items": [i.to_json() for i in items],
            "sub": citizen_id,
            "method": ASSISTED,
            ASSISTED: dict(on_behalf),
            "iat": self.ctx.now(),
            "jti": str(uuid.uuid4()),
        }
        return replace(
            view.record,
            status="approved" if approve else "denied",
            approved=json.dumps([i.to_json() for i in items]) if approve else None,
            decision=self.ctx.service_keys.sign(claims, typ=DECISION_TYP),
            device_jkt=None,
            decided_at=self.ctx.utcnow(),
        )

    def revoke(self, citizen_id: str, consent_id: str) -> ConsentView:
        """Withdraw consent: the next pull, even in the same second, is refused."""
        view = self.consents.for_citizen(citizen_id, consent_id)
        with self.ctx.metadata.unit_of_work() as uow:
            ended = uow.consents.end(view.record.id, ACTIVE, "revoked", self.ctx.utcnow())
            uow.commit()
        if not ended:
            raise ConsentAlreadyDecided()
        log.info("consent %s revoked by the citizen", view.record.id)
        return self.consents.for_citizen(citizen_id, consent_id)

    def _verified(
        self,
        device: storage.DeviceRecord | None,
        consent_id: str,
        token: str,
        delegate: tuple[str, str] | None,
    ) -> dict[str, Any]:
        """The decision's claims, checked against the deciding device's key, the consent and the
        clock; under a mandate, ``act`` must name the delegate and the mandate (and only then)."""
        now = self.ctx.now()
        try:
            if device is None:
                raise crypto.InvalidSignature("the deciding device is not an active device")
            key = crypto.public_key_from_jwk(json.loads(device.jwk))
            claims = crypto.verify_jws(token, key, typ=DECISION_TYP)
            _check_claims(claims, consent_id, now)
            expected = {"sub": delegate[0], "mandate_id": delegate[1]} if delegate else None
            if claims.get("act") != expected:
                raise crypto.InvalidSignature("act does not name this delegate and mandate")
        except crypto.CryptoError as exc:
            log.info("consent decision refused: %s", exc)
            raise InvalidDecision() from None
        return claims

    def _remember(self, claims: Mapping[str, Any]) -> None:
        expires = dt.datetime.fromtimestamp(
            int(claims["iat"]) + DECISION_MAX_AGE + DECISION_LEEWAY, tz=dt.UTC
        )
        if not self.ctx.metadata.replay_guard().remember("consent-decision", str(claims["jti"]), expires):
            log.info("consent decision refused: replayed jti")
            raise InvalidDecision()

    def _approval(self, citizen_id: str, view: ConsentView, raw: object) -> tuple[ApprovedItem, ...]:
        if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
            raise InvalidDecision()
        requested = parse_requested(view.record)
        found = self.consents.candidates(citizen_id, {item.type for item in requested})
        holdings = {(c.kind, c.id): c.type for cands in found.values() for c in cands}
        try:
            return approved_items(requested, raw, holdings)
        except PolicyError as exc:
            raise from_policy(exc) from None


def _check_claims(claims: Mapping[str, Any], consent_id: str, now: int) -> None:
    """The decision names this consent, says approve or deny, and is fresh, with a ``jti``."""
    iat, jti = claims.get("iat"), claims.get("jti")
    if claims.get("consent_id") != consent_id:
        raise crypto.InvalidSignature("decision for another consent")
    if claims.get("decision") not in ("approve", "deny"):
        raise crypto.InvalidSignature("decision is neither approve nor deny")
    if type(iat) is not int or not now - DECISION_MAX_AGE <= iat <= now + DECISION_LEEWAY:
        raise crypto.InvalidSignature("decision is not fresh")
    if not isinstance(jti, str) or not 1 <= len(jti) <= 256:
        raise crypto.InvalidSignature("decision has no jti")
