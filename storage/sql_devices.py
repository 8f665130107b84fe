"""A citizen's devices and pending pairings on SQL (SQLAlchemy Core).

Every change of state is one conditional UPDATE restating its rule, so racing
requests cannot both win: a pairing is shown to one citizen's device, approved
once, only before it expires; a device is revoked once. Revoking a citizen's
devices first locks their citizen row (``FOR UPDATE`` on PostgreSQL; SQLite has
one writer at a time), so two revocations racing cannot leave no device behind.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, func, or_, select, update

from storage.device_tables import DEVICES, PAIRINGS
from storage.errors import NotFound
from storage.records import CitizenRecord, DeviceRecord, PairingRecord
from storage.sql_base import Repository, columns, translated
from storage.tables import CITIZENS

__all__ = ["ENROLMENT", "ENROLMENT_NAME", "SqlDeviceRepository", "SqlPairingRepository", "enrolment_device"]

ENROLMENT = "enrolment"
ENROLMENT_NAME = "Thiết bị đăng ký / Enrolment device"
_DEVICE_IDS = uuid.UUID("6f1b1c8e-3b0e-4f43-9d55-7c1d2b0c9a11")  # namespace of enrolment device ids

_DEVICE = columns(DEVICES, DeviceRecord)
_PAIRING = columns(PAIRINGS, PairingRecord)
_OF_CITIZEN = select(*_DEVICE).where(DEVICES.c.citizen_id == bindparam("citizen_id"))
_LIST = _OF_CITIZEN.order_by(DEVICES.c.added_at, DEVICES.c.id)
_GET = _OF_CITIZEN.where(DEVICES.c.id == bindparam("device_id"))
_ACTIVE_KEY = _OF_CITIZEN.where(DEVICES.c.jkt == bindparam("jkt"), DEVICES.c.revoked_at.is_(None))
_PURGE = delete(PAIRINGS).where(PAIRINGS.c.expires_at < bindparam("before"))
_LOCK_CITIZEN = select(CITIZENS.c.id).where(CITIZENS.c.id == bindparam("citizen_id")).with_for_update()
_COUNT_ACTIVE = select(func.count()).where(
    DEVICES.c.citizen_id == bindparam("citizen_id"), DEVICES.c.revoked_at.is_(None)
)
_REVOKE = (
    update(DEVICES)
    .where(
        DEVICES.c.citizen_id == bindparam("owner"),
        DEVICES.c.id == bindparam("device_id"),
        DEVICES.c.revoked_at.is_(None),
    )
    .values(revoked_at=bindparam("at"))
)
_REVOKE_ALL = (
    update(DEVICES)
    .where(DEVICES.c.citizen_id == bindparam("owner"), DEVICES.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
)
_TOUCH = (
    update(DEVICES)
    .where(DEVICES.c.citizen_id == bindparam("owner"), DEVICES.c.jkt == bindparam("key"))
    .values(last_used_at=bindparam("at"))
)
_PAIRING_BY_ID = select(*_PAIRING).where(PAIRINGS.c.id == bindparam("pairing_id"))
_PAIRING_BY_CODE = select(*_PAIRING).where(PAIRINGS.c.code_sha256 == bindparam("code"))
_SHOW = (
    update(PAIRINGS)
    .where(
        PAIRINGS.c.id == bindparam("pairing_id"),
        or_(
            PAIRINGS.c.status == "pending",
            (PAIRINGS.c.status == "shown")
            & (PAIRINGS.c.citizen_id == bindparam("owner"))
            & (PAIRINGS.c.approver_jkt == bindparam("approver")),
        ),
        PAIRINGS.c.expires_at > bindparam("at"),
    )
    .values(status="shown", citizen_id=bindparam("owner"), approver_jkt=bindparam("approver"))
)
_APPROVE = (
    update(PAIRINGS)
    .where(
        PAIRINGS.c.id == bindparam("pairing_id"),
        PAIRINGS.c.status == "shown",
        PAIRINGS.c.citizen_id == bindparam("owner"),
        PAIRINGS.c.approver_jkt == bindparam("approver"),
        PAIRINGS.c.expires_at > bindparam("at"),
    )
    .values(status="approved", approval=bindparam("new_approval"), device_id=bindparam("new_device"))
)
_CANCEL_SHOWN_TO = (
    update(PAIRINGS)
    .where(
        PAIRINGS.c.citizen_id == bindparam("owner"),
        PAIRINGS.c.approver_jkt == bindparam("approver"),
        PAIRINGS.c.status == "shown",
    )
    .values(status="cancelled")
)


def enrolment_device(citizen: CitizenRecord) -> DeviceRecord:
    """The first device of a citizen: the key they enrolled with (migration 0009 derives the same id)."""
    return DeviceRecord(
        id=str(uuid.uuid5(_DEVICE_IDS, f"{citizen.id}:{citizen.device_jkt}")),
        citizen_id=citizen.id,
        jwk=citizen.device_jwk,
        jkt=citizen.device_jkt,
        name=ENROLMENT_NAME,
        added_at=citizen.created_at,
        last_used_at=None,
        how_added=ENROLMENT,
    )


class SqlDeviceRepository(Repository):
    """A citizen's devices on SQL, every lookup scoped by the owner's id."""

    __slots__ = ()

    @translated
    def add(self, device: DeviceRecord) -> None:
        self.insert(DEVICES, device)

    @translated
    def list(self, citizen_id: str) -> Sequence[DeviceRecord]:
        return [DeviceRecord(*row) for row in self.execute(_LIST, {"citizen_id": citizen_id})]

    @translated
    def get(self, citizen_id: str, device_id: str) -> DeviceRecord:
        row = self.execute(_GET, {"citizen_id": citizen_id, "device_id": device_id}).first()
        if row is None:
            raise NotFound("no such device")
        return DeviceRecord(*row)

    @translated
    def active(self, citizen_id: str, jkt: str) -> DeviceRecord | None:
        row = self.execute(_ACTIVE_KEY, {"citizen_id": citizen_id, "jkt": jkt}).first()
        return None if row is None else DeviceRecord(*row)

    @translated
    def touch(self, citizen_id: str, jkt: str, at: dt.datetime) -> None:
        self.execute(_TOUCH, {"owner": citizen_id, "key": jkt, "at": at})

    @translated
    def count_active(self, citizen_id: str) -> int:
        """Active devices, with the citizen's row locked until the transaction ends."""
        if self.execute(_LOCK_CITIZEN, {"citizen_id": citizen_id}).first() is None:
            raise NotFound("no such citizen")
        return int(self.execute(_COUNT_ACTIVE, {"citizen_id": citizen_id}).scalar_one())

    @translated
    def revoke(self, citizen_id: str, device_id: str, at: dt.datetime) -> bool:
        params = {"owner": citizen_id, "device_id": device_id, "at": at}
        return self.execute(_REVOKE, params).rowcount == 1

    @translated
    def revoke_all(self, citizen_id: str, at: dt.datetime) -> Sequence[DeviceRecord]:
        """Revoke every active device of the citizen (a completed recovery); the ones revoked."""
        active = [d for d in self.list(citizen_id) if d.revoked_at is None]
        self.execute(_REVOKE_ALL, {"owner": citizen_id, "at": at})
        return active


class SqlPairingRepository(Repository):
    """Pairings on SQL: created by a new device, shown to and approved by one of the citizen's."""

    __slots__ = ()

    @translated
    def add(self, pairing: PairingRecord) -> None:
        self.insert(PAIRINGS, pairing)

    @translated
    def get(self, pairing_id: str) -> PairingRecord:
        row = self.execute(_PAIRING_BY_ID, {"pairing_id": pairing_id}).first()
        if row is None:
            raise NotFound("no such pairing")
        return PairingRecord(*row)

    @translated
    def by_code(self, code_sha256: bytes) -> PairingRecord | None:
        row = self.execute(_PAIRING_BY_CODE, {"code": code_sha256}).first()
        return None if row is None else PairingRecord(*row)

    @translated
    def show(self, pairing_id: str, citizen_id: str, approver_jkt: str, at: dt.datetime) -> bool:
        params = {"pairing_id": pairing_id, "owner": citizen_id, "approver": approver_jkt, "at": at}
        return self.execute(_SHOW, params).rowcount == 1

    @translated
    def approve(self, approved: PairingRecord, at: dt.datetime) -> bool:
        params = {
            "pairing_id": approved.id,
            "owner": approved.citizen_id,
            "approver": approved.approver_jkt,
            "at": at,
            "new_approval": approved.approval,
            "new_device": approved.device_id,
        }
        return self.execute(_APPROVE, params).rowcount == 1

    @translated
    def cancel_shown_to(self, citizen_id: str, approver_jkt: str) -> int:
        return int(self.execute(_CANCEL_SHOWN_TO, {"owner": citizen_id, "approver": approver_jkt}).rowcount)

    @translated
    def purge(self, expired_before: dt.datetime) -> int:
        """Forget pairings that ended before ``expired_before`` (a code lives 5 minutes)."""
        return int(self.execute(_PURGE, {"before": expired_before}).rowcount)
