"""Wallet recovery and the re-issuance queue on SQL (SQLAlchemy Core).

Every change of state is one conditional statement restating its rule, so racing requests
cannot both win: a nonce is spent once and only before it expires; a recovery ends once
(cancelled or completed) and only while pending; one recovery per citizen is pending (the
unique ``open_citizen``); a recovery code is used once (deleted only if still the same hash);
a queued re-issue is done once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, select, update

from storage.errors import NotFound
from storage.records import RecoveryCodeRecord, RecoveryRecord, ReissueRecord
from storage.recovery_tables import RECOVERIES, RECOVERY_CODES, RECOVERY_NONCES, REISSUES
from storage.sql_base import Repository, columns, translated

__all__ = ["SqlRecoveryRepository", "SqlReissueRepository"]

_RECOVERY = columns(RECOVERIES, RecoveryRecord)
_CODE = columns(RECOVERY_CODES, RecoveryCodeRecord)
_REISSUE = columns(REISSUES, ReissueRecord)
_NONCE = select(RECOVERY_NONCES.c.blind_index, RECOVERY_NONCES.c.expires_at, RECOVERY_NONCES.c.used_at).where(
    RECOVERY_NONCES.c.nonce_sha256 == bindparam("digest")
)
_SPEND_NONCE = (
    update(RECOVERY_NONCES)
    .where(
        RECOVERY_NONCES.c.nonce_sha256 == bindparam("digest"),
        RECOVERY_NONCES.c.used_at.is_(None),
        RECOVERY_NONCES.c.expires_at > bindparam("at"),
    )
    .values(used_at=bindparam("at"))
)
_FORGET_NONCES = delete(RECOVERY_NONCES).where(RECOVERY_NONCES.c.blind_index == bindparam("blind_index"))
_PURGE_NONCES = delete(RECOVERY_NONCES).where(RECOVERY_NONCES.c.expires_at < bindparam("before"))
_GET = select(*_RECOVERY).where(RECOVERIES.c.id == bindparam("recovery_id"))
_PENDING = select(*_RECOVERY).where(RECOVERIES.c.open_citizen == bindparam("citizen_id"))
_STALE = (
    select(*_RECOVERY)
    .where(RECOVERIES.c.status == "pending", RECOVERIES.c.completes_at <= bindparam("before"))
    .order_by(RECOVERIES.c.completes_at, RECOVERIES.c.id)
    .limit(bindparam("limit"))
)
_OF_CITIZEN = (
    select(*_RECOVERY)
    .where(RECOVERIES.c.citizen_id == bindparam("citizen_id"))
    .order_by(RECOVERIES.c.started_at, RECOVERIES.c.id)
)
_END = (
    update(RECOVERIES)
    .where(RECOVERIES.c.id == bindparam("recovery_id"), RECOVERIES.c.status == "pending")
    .values(
        status=bindparam("new_status"),
        ended_at=bindparam("at"),
        ended_by=bindparam("by"),
        device_id=bindparam("new_device"),
        open_citizen=None,
    )
)
_GET_CODE = select(*_CODE).where(RECOVERY_CODES.c.citizen_id == bindparam("citizen_id"))
_DROP_CODE = delete(RECOVERY_CODES).where(RECOVERY_CODES.c.citizen_id == bindparam("citizen_id"))
_USE_CODE = _DROP_CODE.where(RECOVERY_CODES.c.code_hash == bindparam("code_hash"))
_CODE_FAILED = (
    update(RECOVERY_CODES)
    .where(
        RECOVERY_CODES.c.citizen_id == bindparam("owner"),
        RECOVERY_CODES.c.code_hash == bindparam("stored"),
    )
    .values(failures=RECOVERY_CODES.c.failures + 1)
)
_FAILURES = select(RECOVERY_CODES.c.failures).where(RECOVERY_CODES.c.citizen_id == bindparam("citizen_id"))
_LOCK_CODE = (
    update(RECOVERY_CODES)
    .where(RECOVERY_CODES.c.citizen_id == bindparam("owner"))
    .values(locked_until=bindparam("until"))
)
_QUEUE = (
    select(*_REISSUE)
    .where(REISSUES.c.agency_id.in_(bindparam("agency_ids", expanding=True)), REISSUES.c.done_at.is_(None))
    .order_by(REISSUES.c.queued_at, REISSUES.c.credential_id)
    .limit(bindparam("limit"))
)
_GET_REISSUE = select(*_REISSUE).where(REISSUES.c.credential_id == bindparam("credential_id"))
_REISSUES_OF = (
    select(*_REISSUE)
    .where(REISSUES.c.citizen_id == bindparam("citizen_id"))
    .order_by(REISSUES.c.queued_at, REISSUES.c.credential_id)
)
_DONE = (
    update(REISSUES)
    .where(REISSUES.c.credential_id == bindparam("reissued"), REISSUES.c.done_at.is_(None))
    .values(done_at=bindparam("at"), new_credential_id=bindparam("new_id"))
)


class SqlRecoveryRepository(Repository):
    """Recovery nonces, recoveries and recovery codes on SQL."""

    __slots__ = ()

    @translated
    def add_nonce(self, digest: bytes, blind_index: str, at: dt.datetime, expires_at: dt.datetime) -> None:
        row = {"nonce_sha256": digest, "blind_index": blind_index, "created_at": at, "expires_at": expires_at}
        self.insert_row(RECOVERY_NONCES, row)

    @translated
    def nonce(self, digest: bytes) -> tuple[str, dt.datetime, dt.datetime | None] | None:
        row = self.execute(_NONCE, {"digest": digest}).first()
        return None if row is None else (row[0], row[1], row[2])

    @translated
    def spend_nonce(self, digest: bytes, at: dt.datetime) -> bool:
        return self.execute(_SPEND_NONCE, {"digest": digest, "at": at}).rowcount == 1

    @translated
    def forget_nonces(self, blind_index: str) -> int:
        return int(self.execute(_FORGET_NONCES, {"blind_index": blind_index}).rowcount)

    @translated
    def purge_nonces(self, before: dt.datetime) -> int:
        return int(self.execute(_PURGE_NONCES, {"before": before}).rowcount)

    @translated
    def add(self, recovery: RecoveryRecord) -> None:
        self.insert(RECOVERIES, recovery)

    @translated
    def get(self, recovery_id: str) -> RecoveryRecord:
        row = self.execute(_GET, {"recovery_id": recovery_id}).first()
        if row is None:
            raise NotFound("no such recovery")
        return RecoveryRecord(*row)

    @translated
    def pending(self, citizen_id: str) -> RecoveryRecord | None:
        row = self.execute(_PENDING, {"citizen_id": citizen_id}).first()
        return None if row is None else RecoveryRecord(*row)

    @translated
    def stale(self, before: dt.datetime, limit: int) -> Sequence[RecoveryRecord]:
        rows = self.execute(_STALE, {"before": before, "limit": limit})
        return [RecoveryRecord(*row) for row in rows]

    @translated
    def of_citizen(self, citizen_id: str) -> Sequence[RecoveryRecord]:
        return [RecoveryRecord(*row) for row in self.execute(_OF_CITIZEN, {"citizen_id": citizen_id})]

    @translated
    def end(
        self, recovery_id: str, status: str, at: dt.datetime, by: str | None, device_id: str | None
    ) -> bool:
        params = {"recovery_id": recovery_id, "new_status": status, "at": at, "by": by}
        params["new_device"] = device_id
        return self.execute(_END, params).rowcount == 1

    @translated
    def code(self, citizen_id: str) -> RecoveryCodeRecord | None:
        row = self.execute(_GET_CODE, {"citizen_id": citizen_id}).first()
        return None if row is None else RecoveryCodeRecord(*row)

    @translated
    def set_code(self, record: RecoveryCodeRecord) -> None:
        self.execute(_DROP_CODE, {"citizen_id": record.citizen_id})
        self.insert(RECOVERY_CODES, record)

    @translated
    def use_code(self, citizen_id: str, code_hash: bytes) -> bool:
        return self.execute(_USE_CODE, {"citizen_id": citizen_id, "code_hash": code_hash}).rowcount == 1

    @translated
    def code_failed(self, citizen_id: str, code_hash: bytes) -> int:
        """One more wrong try, counted atomically; the run of wrong tries now (0: no such code)."""
        if self.execute(_CODE_FAILED, {"owner": citizen_id, "stored": code_hash}).rowcount != 1:
            return 0
        return int(self.execute(_FAILURES, {"citizen_id": citizen_id}).scalar_one())

    @translated
    def lock_code(self, citizen_id: str, until: dt.datetime) -> None:
        self.execute(_LOCK_CODE, {"owner": citizen_id, "until": until})


class SqlReissueRepository(Repository):
    """The re-issuance queue on SQL."""

    __slots__ = ()

    @translated
    def add(self, reissue: ReissueRecord) -> None:
        self.insert(REISSUES, reissue)

    @translated
    def get(self, credential_id: str) -> ReissueRecord:
        row = self.execute(_GET_REISSUE, {"credential_id": credential_id}).first()
        if row is None:
            raise NotFound("no such re-issue")
        return ReissueRecord(*row)

    @translated
    def of_citizen(self, citizen_id: str) -> Sequence[ReissueRecord]:
        return [ReissueRecord(*row) for row in self.execute(_REISSUES_OF, {"citizen_id": citizen_id})]

    @translated
    def queue(self, agency_ids: Sequence[str], limit: int) -> Sequence[ReissueRecord]:
        rows = self.execute(_QUEUE, {"agency_ids": list(agency_ids), "limit": limit})
        return [ReissueRecord(*row) for row in rows]

    @translated
    def done(self, credential_id: str, new_credential_id: str, at: dt.datetime) -> bool:
        params = {"reissued": credential_id, "new_id": new_credential_id, "at": at}
        return self.execute(_DONE, params).rowcount == 1
