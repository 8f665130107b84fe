"""Key epochs: re-wrap live values under the newest master-key version, destroy drained ones.

The guarantee (``docs/erasure.md``): a key erased while version ``V`` was the newest is, wherever
a copy of it was written (WAL, replicas, base backups, object-store volumes), wrapped under a
version <= ``V`` only. Each epoch adds a version and re-wraps every live value under it; once no
live row uses an old version (it is *drained*) and the retention window has passed since, the
version is destroyed. After that, no copy opens, even for someone holding the key file and every
byte ever written. Legacy document keys (no master layer) are converted by the same pass.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import crypto
import storage
from storage.sql_epochs import WRAPPED_TABLES
from wallet_api.context import Context
from wallet_api.erasure.layout import master_part
from wallet_api.erasure.schedule import final_by
from wallet_api.erasure.wrapping import (
    rewrap_citizen,
    rewrap_document,
    rewrap_signing_key,
)
from wallet_api.services.documents import blob_aad

log = logging.getLogger("wallet.epochs")

Progress = Callable[[str, int, int], None]  # table, rows seen, rows re-wrapped
LEGACY = 0  # a legacy document key's "version": it has no master layer yet


class EpochRefused(Exception):
    """An epoch step that must not happen now; ``vi`` and ``en`` say why."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


@dataclass(slots=True)
class RewrapReport:
    """What one re-wrap pass did."""

    seen: int = 0
    rewrapped: int = 0
    changed_meanwhile: int = 0  # a concurrent write or delete won: left for the next pass
    unreadable: int = 0  # does not open: left as it is, and its version is never drained
    seconds: float = 0.0
    per_table: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TurnReport:
    """What ``wallet keys epoch`` did."""

    rotated_to: int | None
    rewrap: RewrapReport
    drained: tuple[int, ...]
    destroyed: tuple[int, ...]
    pruned: int


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


class KeyEpochs:
    """The epoch job and the erasure bookkeeping, on any backend."""

    def __init__(
        self, ctx: Context, *, batch: int = 256, progress: Progress | None = None, pace: float = 1.0
    ) -> None:
        self.ctx = ctx
        self.batch = batch
        self.progress = progress
        self.pace = pace  # the share of wall time the re-wrap works; it sleeps the rest (serving first)

    def _yield(self, worked: float) -> None:
        if 0 < self.pace < 1:
            time.sleep(worked * (1 / self.pace - 1))

    @property
    def master(self) -> crypto.MasterKeyRing:
        return self.ctx.master

    # --- re-wrap ---------------------------------------------------------------------------

    def _rewrapped(self, table: str, row: storage.WrappedKey) -> bytes:
        if table == "citizens":
            return rewrap_citizen(self.master, row.key, row.wrapped)
        if table == "signing_keys":
            return rewrap_signing_key(self.master, row.key, row.wrapped)
        owner_kek: bytes | None = None
        if master_part(table, row.wrapped) is None:  # legacy: gains its master layer
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                owner_kek = uow.citizens.get(row.owner).wrapped_kek
        aad = blob_aad(row.owner, row.key, row.version)
        return rewrap_document(self.master, aad, row.wrapped, owner_kek, row.owner)

    def rewrap(self) -> RewrapReport:
        """Re-wrap every live value not yet under the newest version; batched, resumable."""
        report = RewrapReport()
        started = time.monotonic()
        self.master.refresh(force=True)
        for table in WRAPPED_TABLES:
            moved = 0
            after = ""
            while True:
                batch_started = time.monotonic()
                with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                    rows = uow.key_epochs.batch(table, after, self.batch)
                if not rows:
                    break
                after = rows[-1].key
                changes: list[tuple[str, bytes, bytes]] = []
                for row in rows:
                    report.seen += 1
                    part = master_part(table, row.wrapped)
                    if part is not None and self.master.version_of(part) == self.master.current_version:
                        continue
                    try:
                        changes.append((row.key, row.wrapped, self._rewrapped(table, row)))
                    except (crypto.CryptoError, storage.NotFound):
                        report.unreadable += 1
                        log.warning("a %s value does not open: left as it is", table)
                if changes:
                    with self.ctx.metadata.unit_of_work() as uow:
                        done = uow.key_epochs.swap_many(table, changes)
                        uow.commit()
                    moved += done
                    report.changed_meanwhile += len(changes) - done
                if self.progress is not None:
                    self.progress(table, report.seen, report.rewrapped + moved)
                self._yield(time.monotonic() - batch_started)
            report.rewrapped += moved
            report.per_table[table] = moved
        report.seconds = time.monotonic() - started
        return report

    def usage(self) -> Counter[int]:
        """How many live values each master-key version wraps (``LEGACY``: no master layer)."""
        used: Counter[int] = Counter()
        for table in WRAPPED_TABLES:
            after = ""
            while True:
                with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                    rows = uow.key_epochs.batch(table, after, self.batch * 4)
                if not rows:
                    break
                after = rows[-1].key
                for row in rows:
                    part = master_part(table, row.wrapped)
                    used[LEGACY if part is None else self.master.version_of(part)] += 1
        return used

    def mark_drained(self, used: Counter[int]) -> tuple[int, ...]:
        """Record, for each old version no live row uses, that it is drained from now on."""
        drained = []
        for version in self.master.versions[:-1]:
            if used[version] == 0 and self.master.epoch(version).drained is None:
                self.master.mark_drained(version, self.ctx.now())
                drained.append(version)
        return tuple(drained)

    # --- destroy ---------------------------------------------------------------------------

    def destroyable_at(self, version: int) -> int | None:
        """When ``version`` may be destroyed (``None``: not drained yet)."""
        drained = self.master.epoch(version).drained
        return None if drained is None else drained + self.ctx.settings.key_retention_seconds

    def destroy(self, version: int, used: Counter[int] | None = None) -> None:
        """Destroy ``version`` for good, or refuse (``EpochRefused``) while it may still be needed."""
        self.master.refresh(force=True)
        if version not in self.master.versions:
            raise EpochRefused(
                f"không có phiên bản khoá chủ {version}", f"there is no master key version {version}"
            )
        if version == self.master.current_version:
            raise EpochRefused(
                "không huỷ phiên bản đang dùng để bọc khoá (chạy rotate-master --rewrap trước)",
                "the version that wraps new keys cannot be destroyed (run rotate-master --rewrap first)",
            )
        live = (used if used is not None else self.usage())[version]
        if live:
            raise EpochRefused(
                f"còn {live} khoá đang dùng phiên bản {version} (chạy rotate-master --rewrap)",
                f"{live} live keys still use version {version} (run rotate-master --rewrap)",
            )
        due = self.destroyable_at(version)
        if due is None:
            self.mark_drained(used if used is not None else self.usage())
            due = self.destroyable_at(version)
        if due is None or due > self.ctx.now():
            when = _at(due).isoformat() if due is not None else "?"
            raise EpochRefused(
                f"chưa hết thời hạn lưu bản sao lưu: chỉ huỷ được từ {when}",
                f"the backup-retention window has not passed: it can be destroyed from {when}",
            )
        self.master.destroy(version)
        log.info("master key version %d destroyed", version)

    # --- the schedule ----------------------------------------------------------------------

    def turn(self) -> TurnReport:
        """One run of the schedule: a new version when the current one is due, a re-wrap (which
        also finishes an interrupted one), drained versions recorded, due ones destroyed."""
        self.master.refresh(force=True)
        rotated: int | None = None
        since = self.master.epoch(self.master.current_version).since
        if since is None or since + self.ctx.settings.key_epoch_seconds <= self.ctx.now():
            rotated = self.master.rotate(now=self.ctx.now())
        report = self.rewrap()
        used = self.usage()
        drained = self.mark_drained(used)
        destroyed = []
        for version in self.master.versions[:-1]:
            due = self.destroyable_at(version)
            if used[version] == 0 and due is not None and due <= self.ctx.now():
                self.destroy(version, used)
                destroyed.append(version)
        with self.ctx.metadata.unit_of_work() as uow:
            pruned = uow.erasures.prune(self.master.versions[0])
            uow.commit()
        return TurnReport(rotated, report, drained, tuple(destroyed), pruned)

    # --- erasures --------------------------------------------------------------------------

    def final_by(self, version: int) -> dt.datetime:
        """When the erasures made while ``version`` was the newest become final (``schedule``)."""
        return final_by(self.master, self.ctx.settings, self.ctx.now(), version)

    def pending(self) -> list[tuple[storage.ErasureRecord, dt.datetime]]:
        """Erasures not final yet, with the date each becomes final."""
        self.master.refresh(force=True)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            rows = uow.erasures.pending(self.master.versions[0])
        return [(row, self.final_by(row.master_version)) for row in rows]
