"""Recovery codes (``dev`` mode only): printed once at enrolment, kept only as a slow hash.

A code is 20 characters from the pairing alphabet (no 0/O, 1/I), about 100 bits, shown in
groups of five. It is single use: a recovery it starts consumes it, and a new code is shown
once, to the device that completes the recovery (or cancels it). Wrong tries are counted
atomically; every ``MAX_TRIES`` in a row lock the code for ``LOCK_SECONDS`` (doubling each time,
at most a day), and while locked every try, the right code too, is refused before any hashing:
a thousand guesses cost five slow hashes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets

import crypto
import storage
from wallet_api.context import Context
from wallet_api.devices.pairing import CODE_ALPHABET, normalize_code
from wallet_api.recovery.errors import RecoveryCodesOff, RecoveryLocked, WrongRecoveryCode

log = logging.getLogger("wallet.recovery")
MAX_TRIES = 5
LOCK_SECONDS = 900
MAX_LOCK_SECONDS = 86_400
_GROUPS, _GROUP = 4, 5


def new_code() -> str:
    """A fresh recovery code, ``XXXXX-XXXXX-XXXXX-XXXXX``."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(chars[i : i + _GROUP] for i in range(0, len(chars), _GROUP))


def lock_seconds(failures: int) -> int:
    """How long the ``failures``-th wrong try in a row locks the code (0: no lock-out yet)."""
    if failures < MAX_TRIES or failures % MAX_TRIES:
        return 0
    return min(MAX_LOCK_SECONDS, LOCK_SECONDS << (failures // MAX_TRIES - 1))


def locked(until: dt.datetime, now: dt.datetime) -> RecoveryLocked:
    """The refusal while a code is locked, with the wait in seconds and minutes."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return RecoveryLocked(retry_after=seconds, minutes=math.ceil(seconds / 60))


class RecoveryCodes:
    """Make, check and consume recovery codes."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def enabled(self) -> bool:
        """Codes exist only in ``dev`` mode; strict mode recovers through an identity provider."""
        return self.ctx.settings.mode == "dev"

    def fresh(self, citizen_id: str, now: dt.datetime) -> tuple[str, storage.RecoveryCodeRecord]:
        """A new code and the record that keeps only its slow hash (hash it outside a transaction)."""
        code = new_code()
        record = storage.RecoveryCodeRecord(
            citizen_id, crypto.hash_secret(normalize_code(code)), 0, None, now
        )
        return code, record

    def check(self, citizen_id: str | None, code: str) -> bytes:
        """The stored hash of the citizen's code if ``code`` is it; ``RecoveryLocked`` during a
        lock-out (before hashing), ``WrongRecoveryCode`` otherwise (counted)."""
        if not self.enabled:
            raise RecoveryCodesOff()
        now = self.ctx.utcnow()
        record = None
        if citizen_id is not None:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.recoveries.code(citizen_id)
        if record is None:  # no such citizen, or no code: the same answer
            raise WrongRecoveryCode(tries_left=MAX_TRIES)
        if record.locked_until is not None and now < record.locked_until:
            raise locked(record.locked_until, now)
        if crypto.check_secret(normalize_code(code), record.code_hash):
            return record.code_hash
        return self._failed(record, now)

    def _failed(self, record: storage.RecoveryCodeRecord, now: dt.datetime) -> bytes:
        with self.ctx.metadata.unit_of_work() as uow:
            failures = uow.recoveries.code_failed(record.citizen_id, record.code_hash)
            seconds = lock_seconds(failures)
            if seconds:
                uow.recoveries.lock_code(record.citizen_id, now + dt.timedelta(seconds=seconds))
            uow.commit()
        log.info("wrong recovery code for %s (%d in a row)", record.citizen_id, failures)
        if seconds:
            raise locked(now + dt.timedelta(seconds=seconds), now)
        raise WrongRecoveryCode(tries_left=MAX_TRIES - failures % MAX_TRIES)
