"""The service's access log takes turns per citizen: a burst of pulls on one citizen all lands."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from consent.log import AccessLog
from consent.log_memory import MemoryLogStore
from crypto.transparency.entry import AccessAction, AccessEntry
from crypto.transparency.errors import LogBusy
from crypto.transparency.merkle import leaf_hash, subtree_root
from wallet_api.services.access_log import SerialAccessLog


class SlowStore(MemoryLogStore):
    """A store whose reads take a while, so optimistic appends collide."""

    def head(self, log_id: str) -> tuple[int, bytes] | None:
        found = super().head(log_id)
        time.sleep(0.0005)  # the head read goes stale while others append
        return found


class LosingStore(MemoryLogStore):
    """A store that reports a lost race ``losses`` times before accepting appends."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses

    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        if self.losses:
            self.losses -= 1
            return False
        return super().append(log_id, expected_size, entries, nodes, root_hash)


def entry(n: int) -> AccessEntry:
    return AccessEntry(
        agency_id="ubnd-hai-chau",
        agency_name="Ủy ban nhân dân phường Hải Châu",
        resource_id=f"credential-{n}",
        resource_type="birth-certificate",
        action=AccessAction.READ,
        purpose="Đăng ký khai sinh",
        procedure_code="1.001193",
        consent_id="consent-1",
        at=1_800_000_000 + n,
    )


def burst(log: AccessLog, threads: int = 16, each: int = 10) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(t: int) -> None:
        for n in range(each):
            try:
                log.append("citizen-1", entry(t * 100 + n))
            except LogBusy as exc:
                errors.append(exc)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_a_burst_on_one_citizen_all_lands_and_the_tree_is_whole() -> None:
    store = SlowStore()
    log = SerialAccessLog(store, attempts=1)
    assert burst(log) == []
    stored = store.logs["citizen-1"]
    assert stored.size == 160
    leaves = [leaf_hash(stored.data[i].encode()) for i in range(160)]
    assert stored.root_hash == subtree_root(leaves)


def test_the_plain_log_would_have_given_up() -> None:
    assert burst(AccessLog(SlowStore(), attempts=1))  # the reason for SerialAccessLog


def test_races_lost_to_other_processes_are_retried_a_few_times() -> None:
    log = SerialAccessLog(LosingStore(losses=3), attempts=1, retries=4)
    assert log.append("citizen-1", entry(1)) == 0
    hopeless = SerialAccessLog(LosingStore(losses=100), attempts=1, retries=2)
    with pytest.raises(LogBusy):
        hopeless.append("citizen-1", entry(1))
