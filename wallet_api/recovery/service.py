"""Recovery when every device is lost: prove who you are again, wait, and the new device replaces
the old ones.

1. The new device asks for a nonce for its CCCD (``nonce``; unauthenticated, rate-limited per
   address; the same answer whether or not the CCCD has a wallet).
2. An identity-provider agency (role ``idp``) checks the person and signs a recovery assertion
   naming the CCCD, the new device's key, the nonce and the assurance level
   (``wallet_api.recovery.assertion``); in ``dev`` mode the recovery code printed at enrolment may
   stand in for it (``wallet_api.recovery.codes``).
3. The new device starts the recovery with a DPoP proof of its key (``start``): the nonce is spent,
   the recovery is pending until ``completes_at`` (the cooling-off, ``WALLET_RECOVERY_COOLING_OFF_
   SECONDS``, default 24 h); one recovery per citizen may be pending. It is in the access log, on
   ``GET /v1/me`` of every device still held, and any of them may cancel it (``cancel``).
4. Completion is lazy: the first time the new device asks for its recovery (``status``) after
   ``completes_at``, in one transaction every active device is revoked, the new device added,
   credentials bound to the old keys queued for re-issuance, and (dev mode) a new recovery code
   made, shown once in that answer.

Each step that changes a recovery (started, cancelled, expired, completed) appends its entry to the
citizen's log in the same transaction, before it commits: a failed append rolls the step back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import crypto
import storage
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.devices import device_name, device_possession, public_device_jwk
from wallet_api.devices.errors import DeviceAlreadyAdded
from wallet_api.errors import Unauthenticated
from wallet_api.errors_consent import AccessLogBusy, AccessLogCorrupted
from wallet_api.identity import parse_cccd_number
from wallet_api.recovery.assertion import NONCE_SECONDS, check_assertion
from wallet_api.recovery.codes import RecoveryCodes
from wallet_api.recovery.errors import (
    InvalidRecoveryNonce,
    RecoveryClosed,
    RecoveryNotFound,
    RecoveryPending,
)
from wallet_api.services.access_log import record_by
from wallet_api.services.credentials import queue_unheld

log = logging.getLogger("wallet.recovery")
RECOVERY = "recovery"  # how the new device was added; the log's resource type
CODE_ACTOR = ("recovery-code", "mã khôi phục / recovery code")
EXPIRY_ACTOR = ("wallet-collect", "đơn vị vận hành ví / the wallet's operator")


@dataclass(frozen=True, slots=True)
class IssuedNonce:
    """A recovery nonce and until when it may be spent."""

    nonce: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RecoveryView:
    """A recovery as the new device or a device still held sees it."""

    record: storage.RecoveryRecord
    words: str
    vouched_by: str  # the idp agency's name, or "recovery code"
    recovery_code: str | None = None  # a new code, shown once (dev mode, to whoever ended a code recovery)


def _digest(nonce: str) -> bytes:
    return hashlib.sha256(nonce.encode()).digest()


class RecoveryService:
    """Nonces, starting, following, cancelling and completing recoveries."""

    def __init__(self, ctx: Context, codes: RecoveryCodes) -> None:
        self.ctx = ctx
        self.codes = codes

    def nonce(self, cccd: str) -> IssuedNonce:
        """A nonce for recovering the wallet of ``cccd`` (whether one exists is not said)."""
        index = crypto.blind_index(self.ctx.blind_key, parse_cccd_number(cccd))
        nonce, now = secrets.token_urlsafe(24), self.ctx.utcnow()
        expires = now + dt.timedelta(seconds=NONCE_SECONDS)
        with self.ctx.metadata.unit_of_work() as uow:
            uow.recoveries.add_nonce(_digest(nonce), index, now, expires)
            uow.commit()
        return IssuedNonce(nonce, expires)

    def start(
        self,
        name: str,
        jwk: Mapping[str, object],
        proof: tuple[Sequence[str], str],
        nonce: str,
        *,
        assertion: str | None = None,
        code: str | None = None,
    ) -> RecoveryView:
        """Start a recovery for the new device (its key proved by ``proof``: DPoP headers and URL)."""
        public, cleaned = public_device_jwk(jwk), device_name(name)
        jkt = crypto.jwk_thumbprint(public)
        if device_possession(self.ctx, proof[0], "POST", proof[1]) != jkt:
            raise Unauthenticated()
        now = self.ctx.utcnow()
        citizen, agency, assurance, code_hash = self._vouched(nonce, jkt, now, assertion, code)
        record = storage.RecoveryRecord(
            id=str(uuid.uuid4()),
            citizen_id=citizen.id,
            jwk=json.dumps(public, sort_keys=True),
            jkt=jkt,
            name=cleaned,
            method="idp" if agency else "code",
            agency_id=agency.id if agency else None,
            assurance=assurance,
            status="pending",
            started_at=now,
            completes_at=now + dt.timedelta(seconds=self.ctx.settings.recovery_cooling_off_seconds),
            open_citizen=citizen.id,
        )
        with self.ctx.metadata.unit_of_work() as uow:
            if any(d.jkt == jkt for d in uow.devices.list(citizen.id)):
                raise DeviceAlreadyAdded()
            if not uow.recoveries.spend_nonce(_digest(nonce), now):
                raise InvalidRecoveryNonce()
            if agency is None and not uow.recoveries.use_code(citizen.id, code_hash):
                raise RecoveryPending()  # a racing recovery consumed the code first
            try:
                uow.recoveries.add(record)
            except storage.Conflict:
                raise RecoveryPending() from None
            actor = (agency.id, agency.display_name) if agency else CODE_ACTOR
            self._record(uow, record, actor, AccessAction.RECOVERY_START)
            uow.commit()
        log.info("recovery %s of %s started (%s)", record.id, citizen.id, record.method)
        return self._view(record)

    def _vouched(
        self, nonce: str, jkt: str, now: dt.datetime, assertion: str | None, code: str | None
    ) -> tuple[storage.CitizenRecord, storage.AgencyRecord | None, str | None, bytes]:
        """Who the nonce's CCCD is, and who vouches for the new key: the idp agency and assurance
        level of a valid assertion, or the stored hash of the right recovery code (to consume)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            found = uow.recoveries.nonce(_digest(nonce))
            if found is None or found[2] is not None or now >= found[1]:
                raise InvalidRecoveryNonce()
            citizen = uow.citizens.find_by_index(found[0])
            agency, assurance = None, None
            if assertion is not None:
                agency, assurance = check_assertion(self.ctx, uow, assertion, nonce, found[0], jkt)
        # The code is checked (and wrong tries counted) outside any write transaction: a slow hash.
        code_hash = b"" if agency else self.codes.check(citizen.id if citizen else None, code or "")
        if citizen is None:  # a valid assertion for a CCCD without a wallet
            raise RecoveryNotFound()
        return citizen, agency, assurance, code_hash

    def status(self, recovery_id: str, proofs: Sequence[str], url: str) -> RecoveryView:
        """The new device follows its recovery (DPoP proof of its key); it completes it once due."""
        jkt = device_possession(self.ctx, proofs, "GET", url)
        record = self._get(recovery_id)
        if not secrets.compare_digest(record.jkt.encode(), jkt.encode()):
            raise RecoveryNotFound()
        if record.status == "pending" and self.ctx.utcnow() >= self._expires_at(record):
            self._expire(record)  # came back too late: the rule does not wait for ``wallet collect``
            return self._view(self._get(record.id))
        if record.status == "pending" and self.ctx.utcnow() >= record.completes_at:
            return self._complete(record)
        return self._view(record)

    def pending(self, citizen_id: str) -> RecoveryView | None:
        """The citizen's pending recovery, announced on every device still held."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            record = uow.recoveries.pending(citizen_id)
        if record is not None and self.ctx.utcnow() >= self._expires_at(record):
            self._expire(record)  # announced no longer: it can never complete
            return None
        return None if record is None else self._view(record)

    def of_citizen(self, citizen_id: str) -> list[RecoveryView]:
        """Every recovery of the citizen's wallet, pending or ended, oldest first (no secret: the
        recovery code is only ever shown once, when it is made)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            records = uow.recoveries.of_citizen(citizen_id)
        return [self._view(record) for record in records]

    def cancel(self, citizen_id: str, caller_jkt: str, recovery_id: str) -> RecoveryView:
        """A device still held cancels a pending recovery of its wallet."""
        now, code = self.ctx.utcnow(), None
        record = self._get(recovery_id)
        if record.citizen_id != citizen_id:
            raise RecoveryNotFound()
        fresh = self.codes.fresh(citizen_id, now) if record.method == "code" and self.codes.enabled else None
        with self.ctx.metadata.unit_of_work() as uow:
            actor = uow.devices.active(citizen_id, caller_jkt)
            if actor is None:
                raise Unauthenticated()
            if not uow.recoveries.end(record.id, "cancelled", now, actor.id, None):
                raise RecoveryClosed()
            if fresh is not None:  # the code it consumed is replaced, shown to this device once
                code = fresh[0]
                uow.recoveries.set_code(fresh[1])
            self._record(uow, record, (f"device:{actor.id}", actor.name), AccessAction.RECOVERY_CANCEL)
            uow.commit()
        log.info("recovery %s of %s cancelled by device %s", record.id, citizen_id, actor.id)
        return self._view(self._get(record.id), code)

    def expire_stale(self, limit: int = 500) -> int:
        """``wallet collect``: end, as ``expired``, every pending recovery whose new device has not come
        back ``WALLET_RECOVERY_EXPIRE_SECONDS`` after ``completes_at`` (it never completed it); each in
        the citizen's log. Pages until none is left; a completion or cancel racing it wins or loses
        on the one conditional update. One whose citizen's log refuses the entry stays pending (the
        expiry rolled back with it) and is tried again next time; the others still expire."""
        expired, refused = 0, set[str]()
        while True:
            before = self.ctx.utcnow() - dt.timedelta(seconds=self.ctx.settings.recovery_expire_seconds)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                stale = uow.recoveries.stale(before, limit + len(refused))  # refused ones: past them
            page = [record for record in stale if record.id not in refused]
            for record in page:  # each leaves the stale ones (expired, or ended meanwhile) or is refused
                try:
                    expired += self._expire(record)
                except (AccessLogCorrupted, AccessLogBusy):
                    log.error("recovery %s not expired: its log refused the entry", record.id)
                    refused.add(record.id)
            if len(page) < limit:
                return expired

    def _expires_at(self, record: storage.RecoveryRecord) -> dt.datetime:
        return record.completes_at + dt.timedelta(seconds=self.ctx.settings.recovery_expire_seconds)

    def _expire(self, record: storage.RecoveryRecord) -> bool:
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.recoveries.end(record.id, "expired", self.ctx.utcnow(), EXPIRY_ACTOR[0], None):
                return False  # completed or cancelled meanwhile
            self._record(uow, record, EXPIRY_ACTOR, AccessAction.RECOVERY_EXPIRE)
            uow.commit()
        log.info("recovery %s of %s expired: the new device never came back", record.id, record.citizen_id)
        return True

    def _complete(self, record: storage.RecoveryRecord) -> RecoveryView:
        now, code = self.ctx.utcnow(), None
        fresh = self.codes.fresh(record.citizen_id, now) if self.codes.enabled else None
        device = storage.DeviceRecord(
            id=str(uuid.uuid4()),
            citizen_id=record.citizen_id,
            jwk=record.jwk,
            jkt=record.jkt,
            name=record.name,
            added_at=now,
            last_used_at=None,
            how_added=RECOVERY,
        )
        actor = self._actor(record)
        with self.ctx.metadata.unit_of_work() as uow:
            uow.devices.count_active(record.citizen_id)  # locks the citizen: one device change at a time
            if not uow.recoveries.end(record.id, "completed", now, None, device.id):
                return self._view(uow.recoveries.get(record.id))  # cancelled (or completed) meanwhile
            for old in uow.devices.revoke_all(record.citizen_id, now):
                uow.pairings.cancel_shown_to(record.citizen_id, old.jkt)
            try:
                uow.devices.add(device)
            except storage.Conflict:
                raise DeviceAlreadyAdded() from None
            queued = queue_unheld(self.ctx, uow, record.citizen_id, now)
            if fresh is not None:
                code = fresh[0]
                uow.recoveries.set_code(fresh[1])
            self._record(uow, record, actor, AccessAction.RECOVERY_COMPLETE)
            uow.commit()
        log.info(
            "recovery %s of %s completed (%d credentials to re-issue)", record.id, record.citizen_id, queued
        )
        return self._view(self._get(record.id), code)

    def _get(self, recovery_id: str) -> storage.RecoveryRecord:
        try:
            uuid.UUID(recovery_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                return uow.recoveries.get(recovery_id)
        except (ValueError, storage.NotFound):
            raise RecoveryNotFound() from None

    def _actor(self, record: storage.RecoveryRecord) -> tuple[str, str]:
        if record.agency_id is None:
            return CODE_ACTOR
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                return record.agency_id, uow.agencies.get(record.agency_id).display_name
        except storage.NotFound:
            return record.agency_id, record.agency_id

    def _view(self, record: storage.RecoveryRecord, code: str | None = None) -> RecoveryView:
        return RecoveryView(record, crypto.thumbprint_words(record.jkt), self._actor(record)[1], code)

    def _record(
        self,
        uow: storage.UnitOfWork,
        record: storage.RecoveryRecord,
        actor: tuple[str, str],
        action: AccessAction,
    ) -> None:
        """The recovery event in the citizen's log, inside ``uow``'s transaction (before it commits):
        the change and its entry land together or not at all."""
        record_by(
            self.ctx,
            record.citizen_id,
            actor,
            (record.id, RECOVERY),
            action,
            purpose=record.name,
            store=uow.log_store(),
        )
