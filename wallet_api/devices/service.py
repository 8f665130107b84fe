"""A citizen's devices: list them, revoke one, and write each device event to the access log.

Each device event is appended in the transaction that makes the change (``record_device_event``
with the unit of work's ``log_store()``): a device is never added or revoked without its entry.

A device is a key the citizen holds; it logs in while it is not revoked. The
per-request holder check (``storage.CitizenHolder``) reads the devices table in
the statement that spends the DPoP proof, so a revoked device's token stops at
its next request. Revoking the last active device needs ``last=True``: the
wallet would otherwise lock itself (recovery is another seam, see docs/devices.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import crypto
import storage
from consent.log_store import LogStore
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.devices.errors import DeviceNotFound, LastDevice
from wallet_api.services.access_log import record_by
from wallet_api.services.credentials import queue_unheld

log = logging.getLogger("wallet.devices")
PAIRING = "pairing"
DEVICE_RESOURCE = "device"


@dataclass(frozen=True, slots=True)
class StartedPairing:
    """What the new device shows: the code, the nonce, its key's thumbprint and words."""

    pairing_id: str
    code: str
    nonce: str
    jkt: str
    words: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ShownPairing:
    """What the approving device shows before it signs."""

    pairing_id: str
    name: str
    jkt: str
    words: str
    nonce: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PairingStatus:
    """The new device's view of its pairing."""

    status: str  # pending, approved, expired, cancelled
    expires_at: dt.datetime
    citizen_id: str | None = None
    device_id: str | None = None
    approval: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceView:
    """A device as the citizen sees it; ``current``: the one asking."""

    record: storage.DeviceRecord
    words: str
    current: bool


def device_view(record: storage.DeviceRecord, caller_jkt: str | None = None) -> DeviceView:
    """The record with its thumbprint words."""
    return DeviceView(record, crypto.thumbprint_words(record.jkt), record.jkt == caller_jkt)


def record_device_event(
    ctx: Context,
    citizen_id: str,
    actor: storage.DeviceRecord,
    subject: storage.DeviceRecord,
    action: AccessAction,
    *,
    store: LogStore,
) -> int:
    """Append a device event to the citizen's access log: who (``actor``) added or revoked which.

    ``store``: the log of the unit of work that makes the change (``UnitOfWork.log_store``), so the
    device change and its entry commit together or not at all."""
    return record_by(
        ctx,
        citizen_id,
        (f"device:{actor.id}", actor.name),
        (subject.id, DEVICE_RESOURCE),
        action,
        purpose=subject.name,
        store=store,
    )


class DeviceService:
    """Use cases of a citizen's devices (pairing lives in ``wallet_api.devices.pairing``)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def list(self, citizen_id: str, caller_jkt: str) -> Sequence[DeviceView]:
        """Every device of the citizen, oldest first, revoked ones included."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return [device_view(d, caller_jkt) for d in uow.devices.list(citizen_id)]

    def revoke(self, citizen_id: str, caller_jkt: str, device_id: str, *, last: bool) -> DeviceView:
        """Revoke a device: its tokens stop at their next request, the pairings it was shown die."""
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            actor = uow.devices.active(citizen_id, caller_jkt)
            try:
                subject = uow.devices.get(citizen_id, device_id)
            except storage.NotFound:
                raise DeviceNotFound() from None
            if actor is None or subject.revoked_at is not None:
                raise DeviceNotFound()
            if uow.devices.count_active(citizen_id) <= 1 and not last:
                raise LastDevice()
            if not uow.devices.revoke(citizen_id, device_id, now):
                raise DeviceNotFound()
            cancelled = uow.pairings.cancel_shown_to(citizen_id, subject.jkt)
            queue_unheld(self.ctx, uow, citizen_id, now)  # credentials bound to it: for re-issue
            # the revocation and its log entry: one transaction, all or nothing
            record_device_event(
                self.ctx, citizen_id, actor, subject, AccessAction.DEVICE_REVOKE, store=uow.log_store()
            )
            uow.commit()
        log.info("device %s of %s revoked (%d pairings cancelled)", device_id, citizen_id, cancelled)
        return device_view(replace(subject, revoked_at=now))
