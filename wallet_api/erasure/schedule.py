"""When an erasure becomes final: the date every master-key version that could open it is gone."""

from __future__ import annotations

import datetime as dt

import crypto
from wallet_api.settings import Settings

__all__ = ["final_by"]


def final_by(master: crypto.MasterKeyRing, settings: Settings, now: int, version: int) -> dt.datetime:
    """When every master-key version <= ``version`` will have been destroyed, if the schedule runs
    (``wallet keys epoch`` at least daily): an erasure made while ``version`` was the newest is
    final then. A version is replaced ``key_epoch_seconds`` after it began, drained by the re-wrap
    that follows, and destroyed ``key_retention_seconds`` after it was drained."""
    latest = now
    for held in master.versions:
        if held > version:
            break
        info = master.epoch(held)
        if info.drained is not None:
            due = info.drained + settings.key_retention_seconds
        elif held == master.current_version:
            turns = (info.since if info.since is not None else now) + settings.key_epoch_seconds
            due = max(turns, now) + settings.key_retention_seconds
        else:  # replaced, not drained yet: the next run drains it
            due = now + settings.key_retention_seconds
        latest = max(latest, due)
    return dt.datetime.fromtimestamp(latest, tz=dt.UTC)
