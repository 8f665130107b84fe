"""Per-device and per-agency counts added to the shared row in steps (``wallet_api.limits.shared``),
over a real SQLite database: several processes' counters stand for several nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.sql import SqlMetadata
from wallet_api.limits.shared import MAX_STEP, SharedCounts, step


@pytest.fixture
def metadata(tmp_path: Path) -> Iterator[SqlMetadata]:
    backend = SqlMetadata(f"sqlite:///{tmp_path / 'wallet.db'}")
    backend.migrate()
    yield backend
    backend.close()


def _adder(metadata: SqlMetadata, calls: list[int]) -> Callable[[str, int, int], int]:
    def add(bucket: str, window: int, count: int) -> int:
        calls.append(count)
        return metadata.hot_counters().hit(bucket, window, count)  # as the limiter adds them

    return add


def test_steps_are_five_percent_of_the_limit_within_one_and_sixty_four() -> None:
    assert [step(n) for n in (1, 39, 40, 400, 1200, 10**6)] == [1, 1, 2, 20, 60, MAX_STEP]


def test_small_limits_are_counted_exactly(metadata: SqlMetadata) -> None:
    writes: list[int] = []
    nodes = [SharedCounts(_adder(metadata, writes)) for _ in range(3)]
    admitted = sum(nodes[n % 3].hit("device:a", 600, 30) <= 30 for n in range(60))
    # One write per call until each node has learnt the caller is past the limit, none after.
    assert admitted == 30 and writes == [1] * 33


def test_three_nodes_overshoot_by_less_than_a_step_each(metadata: SqlMetadata) -> None:
    hits, writes = 400, []  # a step of 20
    nodes = [SharedCounts(_adder(metadata, writes)) for _ in range(3)]
    admitted = sum(nodes[n % 3].hit("agency:x", 600, hits) <= hits for n in range(1200))
    assert hits <= admitted <= hits + 3 * (step(hits) - 1), admitted
    assert all(count == step(hits) for count in writes)
    assert len(writes) <= (hits + 3 * step(hits)) // step(hits)  # refused callers cost no more writes
    with metadata.unit_of_work(readonly=True) as uow:  # the row holds every added call
        assert uow.rate_counters.hit("agency:x", 600, 0) == sum(writes)


def test_callers_and_windows_are_counted_apart(metadata: SqlMetadata) -> None:
    counts = SharedCounts(_adder(metadata, []))
    for _ in range(5):
        counts.hit("device:a", 600, 4)
    assert counts.hit("device:a", 600, 4) == 6  # refused in its window
    assert counts.hit("device:b", 600, 4) == 1  # another caller
    assert counts.hit("device:a", 660, 4) == 1  # the next window


def test_known_counts_without_counting(metadata: SqlMetadata) -> None:
    """``known`` (what the delegate's one-statement read looks at before deciding the limit ahead)
    is the count ``hit`` would build on, per caller and window, and adds nothing itself."""
    writes: list[int] = []
    counts = SharedCounts(_adder(metadata, writes))
    assert counts.known("device:a", 600) == 0
    for n in range(1, 46):
        assert counts.hit("device:a", 600, 400) == n
        assert counts.known("device:a", 600) == n == counts.known("device:a", 600)
    assert counts.known("device:b", 600) == 0 and counts.known("device:a", 660) == 0
    assert sum(writes) == 40  # two steps of 20 added; known wrote nothing
