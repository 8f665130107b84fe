"""Pairing: a new device joins a wallet with the approval of a device the citizen already holds.

1. The new device creates its own key and sends its public JWK and a name with a
   DPoP proof made with that key (possession); it gets a short code (text and QR)
   and a one-time nonce, valid five minutes.
2. A device of the citizen sends the code and is shown the new device's name and
   thumbprint words; from then on only that device may approve it.
3. That device signs a JWS (ES256 only, ``typ: device-pairing+jwt``) over the
   citizen id, the code, the nonce, the new key's thumbprint and the log head it
   last verified. The service checks it against the caller's own device key and
   adds the new device, once, before expiry; the access log records it in the same transaction.
4. The new device reads the outcome with a DPoP proof of its key: the citizen id
   (its ``client_id``) and the approval, whose log head it starts checking from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import crypto
import storage
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.devices.errors import (
    DeviceAlreadyAdded,
    InvalidPairingApproval,
    PairingClosed,
    PairingExpired,
    PairingNotFound,
)
from wallet_api.devices.service import (
    PAIRING,
    DeviceView,
    PairingStatus,
    ShownPairing,
    StartedPairing,
    device_view,
    record_device_event,
)
from wallet_api.errors import InvalidRequest, Unauthenticated

log = logging.getLogger("wallet.devices")
APPROVAL_TYP = "device-pairing+jwt"
PAIRING_SECONDS = 300
APPROVAL_LEEWAY = 5
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_LENGTH = 8  # 40 bits, alive five minutes, single use
_MAX_STH = 4096


def normalize_code(code: str) -> str:
    """The code as stored: upper case, without the spaces and dashes people type."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def code_digest(code: str) -> bytes:
    """SHA-256 of the normalized code (the code itself is a bearer secret: never stored)."""
    return hashlib.sha256(normalize_code(code).encode()).digest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def device_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 64 or not cleaned.isprintable():
        raise InvalidRequest(
            "device name",
            reason_vi="tên thiết bị phải có 1 đến 64 ký tự in được",
            reason_en="the device name must have 1 to 64 printable characters",
        )
    return cleaned


def public_device_jwk(jwk: Mapping[str, object]) -> dict[str, str]:
    try:
        crypto.public_key_from_jwk(jwk)
    except crypto.KeyError_:
        raise InvalidRequest(
            "device key",
            reason_vi="khoá thiết bị phải là JWK công khai EC P-256",
            reason_en="the device key must be a public EC P-256 JWK",
        ) from None
    return {k: str(jwk[k]) for k in ("kty", "crv", "x", "y")}


class PairingService:
    """Start, show, approve and follow pairings."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def start(self, name: str, jwk: Mapping[str, object], proofs: Sequence[str], url: str) -> StartedPairing:
        """A new device asks to join: its key (proved by the DPoP proof) and its name."""
        public, cleaned = public_device_jwk(jwk), device_name(name)
        jkt = crypto.jwk_thumbprint(public)
        if not hmac.compare_digest(device_possession(self.ctx, proofs, "POST", url).encode(), jkt.encode()):
            log.info("pairing refused: the proof key is not the key to pair")
            raise Unauthenticated()
        now = self.ctx.utcnow()
        expires = now + dt.timedelta(seconds=PAIRING_SECONDS)
        for _ in range(3):  # a code already taken by a live pairing: draw again
            code, nonce = _new_code(), secrets.token_urlsafe(24)
            record = storage.PairingRecord(
                id=str(uuid.uuid4()),
                code_sha256=code_digest(code),
                nonce=nonce,
                jwk=json.dumps(public, sort_keys=True),
                jkt=jkt,
                name=cleaned,
                status="pending",
                created_at=now,
                expires_at=expires,
            )
            try:
                with self.ctx.metadata.unit_of_work() as uow:
                    uow.pairings.add(record)
                    uow.commit()
            except storage.Conflict:
                continue
            return StartedPairing(record.id, code, nonce, jkt, crypto.thumbprint_words(jkt), expires)
        raise storage.Unavailable("no free pairing code")

    def status(self, pairing_id: str, proofs: Sequence[str], url: str) -> PairingStatus:
        """The outcome, for the new device only (a DPoP proof of the pairing's key)."""
        jkt = device_possession(self.ctx, proofs, "GET", url)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            try:
                pairing = uow.pairings.get(pairing_id)
            except storage.NotFound:
                raise PairingNotFound() from None
        if not hmac.compare_digest(pairing.jkt.encode(), jkt.encode()):
            raise PairingNotFound()
        if pairing.status == "approved":
            return PairingStatus(
                "approved", pairing.expires_at, pairing.citizen_id, pairing.device_id, pairing.approval
            )
        if pairing.status == "cancelled":
            return PairingStatus("cancelled", pairing.expires_at)
        expired = self.ctx.utcnow() >= pairing.expires_at
        return PairingStatus("expired" if expired else "pending", pairing.expires_at)

    def show(self, citizen_id: str, caller_jkt: str, code: str) -> ShownPairing:
        """Bind the pairing to the calling device and show it what it is about to approve."""
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            pairing = uow.pairings.by_code(code_digest(code))
            if pairing is None:
                raise PairingNotFound()
            self._open(pairing, citizen_id, caller_jkt, now, shown=False)
            if not uow.pairings.show(pairing.id, citizen_id, caller_jkt, now):
                raise PairingNotFound()
            uow.commit()
        words = crypto.thumbprint_words(pairing.jkt)
        return ShownPairing(pairing.id, pairing.name, pairing.jkt, words, pairing.nonce, pairing.expires_at)

    def approve(self, citizen_id: str, caller_jkt: str, pairing_id: str, approval: str) -> DeviceView:
        """Check the approving device's JWS and add the new device, once, before expiry."""
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            try:
                pairing = uow.pairings.get(pairing_id)
            except storage.NotFound:
                raise PairingNotFound() from None
            self._open(pairing, citizen_id, caller_jkt, now, shown=True)
            approver = uow.devices.active(citizen_id, caller_jkt)
            if approver is None:
                raise Unauthenticated()
            self._check_approval(approver, pairing, citizen_id, approval)
            device = storage.DeviceRecord(
                id=str(uuid.uuid4()),
                citizen_id=citizen_id,
                jwk=pairing.jwk,
                jkt=pairing.jkt,
                name=pairing.name,
                added_at=now,
                last_used_at=None,
                how_added=PAIRING,
            )
            try:
                uow.devices.add(device)
            except storage.Conflict:
                raise DeviceAlreadyAdded() from None
            if not uow.pairings.approve(replace(pairing, approval=approval, device_id=device.id), now):
                raise PairingClosed()
            # the new device, the pairing's approval and the log entry: one transaction
            record_device_event(
                self.ctx, citizen_id, approver, device, AccessAction.DEVICE_ADD, store=uow.log_store()
            )
            uow.commit()
        log.info("device %s added to %s by pairing", device.id, citizen_id)
        return device_view(device)

    def _open(
        self,
        pairing: storage.PairingRecord,
        citizen_id: str,
        caller_jkt: str,
        now: dt.datetime,
        *,
        shown: bool,
    ) -> None:
        """Refuse a pairing this device may not see (404), one closed (409) or one expired (410)."""
        if pairing.status in ("shown", "approved") or (shown and pairing.status == "cancelled"):
            if pairing.citizen_id != citizen_id or pairing.approver_jkt != caller_jkt:
                raise PairingNotFound()
        elif shown and pairing.status == "pending":
            raise PairingNotFound()  # approve only what this device was shown
        if pairing.status in ("approved", "cancelled"):
            raise PairingClosed()
        if now >= pairing.expires_at:
            raise PairingExpired()

    def _check_approval(
        self, approver: storage.DeviceRecord, pairing: storage.PairingRecord, citizen_id: str, approval: str
    ) -> None:
        try:
            key = crypto.public_key_from_jwk(json.loads(approver.jwk))
            claims = crypto.verify_jws(approval, key, typ=APPROVAL_TYP)
            _check_claims(claims, pairing, citizen_id, self.ctx.now())
        except crypto.CryptoError as exc:
            log.info("pairing approval refused: %s", exc)
            raise InvalidPairingApproval() from None


def device_possession(ctx: Context, proofs: Sequence[str], method: str, url: str) -> str:
    """The thumbprint of the key a lone DPoP proof (no token) was made with, its ``jti`` spent:
    how a device that is not (yet) in a wallet proves it holds its key. ``Unauthenticated``."""
    now = ctx.now()
    try:
        if len(proofs) != 1 or not proofs[0]:
            raise crypto.InvalidSignature("exactly one DPoP header is required")
        max_age = ctx.settings.dpop_max_age_seconds
        proof = crypto.check_dpop_proof(
            proofs[0], method=method, url=url, now=now, access_token=None, max_age=max_age
        )
        expires = dt.datetime.fromtimestamp(proof.iat + max_age + APPROVAL_LEEWAY, tz=dt.UTC)
        if not ctx.metadata.replay_guard().remember("dpop", proof.jti, expires):
            raise crypto.InvalidSignature("replayed proof")
    except crypto.CryptoError as exc:
        log.info("device proof refused: %s", type(exc).__name__)
        raise Unauthenticated() from None
    return proof.jkt


def _same(a: object, b: str) -> bool:
    return isinstance(a, str) and hmac.compare_digest(a.encode(), b.encode())


def _check_claims(
    claims: Mapping[str, Any], pairing: storage.PairingRecord, citizen_id: str, now: int
) -> None:
    """The approval names this citizen, this pairing's code, nonce and key, is fresh, and carries a
    log head (size, root hash, the service-signed head) for the new device to start from."""
    code = claims.get("code")
    if not _same(claims.get("sub"), citizen_id):
        raise crypto.InvalidSignature("approval for another citizen")
    if not isinstance(code, str) or not hmac.compare_digest(code_digest(code), pairing.code_sha256):
        raise crypto.InvalidSignature("approval for another code")
    if not _same(claims.get("nonce"), pairing.nonce):
        raise crypto.InvalidSignature("approval with another nonce")
    if not _same(claims.get("jkt"), pairing.jkt):
        raise crypto.InvalidSignature("approval for another key")
    iat = claims.get("iat")
    if type(iat) is not int or not now - PAIRING_SECONDS <= iat <= now + APPROVAL_LEEWAY:
        raise crypto.InvalidSignature("approval is not fresh")
    head = claims.get("log")
    if not isinstance(head, dict):
        raise crypto.InvalidSignature("approval without a log head")
    size, root, sth = head.get("tree_size"), head.get("root_hash"), head.get("sth")
    if type(size) is not int or size < 0 or not isinstance(root, str) or len(root) != 64:
        raise crypto.InvalidSignature("approval with a malformed log head")
    if not isinstance(sth, str) or not 0 < len(sth) <= _MAX_STH:
        raise crypto.InvalidSignature("approval with a malformed signed head")
