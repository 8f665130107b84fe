"""Per-device and per-agency limits on every authenticated request, shared by every node at a
fraction of a database write per request.

A counter write per request would cost as much as the request's replay insert. Instead each
process counts calls in memory and adds them to the shared window row (the same
``rate_counters`` table and keyed hash as ``RateLimiter.check``) in steps of ``step(hits)``
calls: one upsert every ``step`` calls, whose answer is the window's count over every node. A
caller is refused once that count plus the calls not yet added passes the limit, and from then
on without touching the database. The count can run past the limit by at most ``step - 1``
calls per node that has not added them yet (about 5 % of the limit per node, at most 63 calls);
a limit of 40 calls or fewer is counted exactly (a step of one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

MAX_STEP = 64
MAX_BUCKETS = 200_000  # callers remembered in memory per process before old windows are dropped


def step(hits: int) -> int:
    """Calls counted in memory before they are added to the shared row: 5 % of the limit, 1-64."""
    return max(1, min(MAX_STEP, hits // 20))


@dataclass(slots=True)
class _Bucket:
    window: int
    shared: int = 0  # the window's count over every node at the last upsert
    pending: int = 0  # this process's calls not added yet


class SharedCounts:
    """In-memory counts per caller, added to the shared window rows in steps."""

    def __init__(self, add: Callable[[str, int, int], int]) -> None:
        self._add = add  # (bucket, window_start, calls) -> the window's count after them
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, window: int, hits: int) -> int:
        """Count one call of ``bucket`` in ``window``; the window's count as far as it is known
        (every node's added calls plus this process's pending ones)."""
        size = step(hits)
        with self._lock:
            state = self._buckets.get(bucket)
            if state is None or state.window != window:
                if state is None and len(self._buckets) >= MAX_BUCKETS:
                    self._forget_before(window)
                state = self._buckets[bucket] = _Bucket(window)
            state.pending += 1
            if state.pending < size or state.shared + state.pending > hits + size:
                # Not a full step yet, or refused already (nothing left to learn from the row).
                return state.shared + state.pending
            calls, state.pending = state.pending, 0
        try:
            total = self._add(bucket, window, calls)
        except BaseException:
            with self._lock:
                state.pending += calls  # added with the next step
            raise
        with self._lock:
            state.shared = max(state.shared, total)
            return state.shared + state.pending

    def known(self, bucket: str, window: int) -> int:
        """The window's count of ``bucket`` as far as this process knows it, without counting a call."""
        with self._lock:
            state = self._buckets.get(bucket)
            return 0 if state is None or state.window != window else state.shared + state.pending

    def _forget_before(self, window: int) -> None:
        """Drop the callers whose last window started before ``window`` (under the lock)."""
        old = [key for key, state in self._buckets.items() if state.window < window]
        for key in old:
            del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:  # all current: forget half rather than grow
            for key in list(self._buckets)[: MAX_BUCKETS // 2]:
                del self._buckets[key]
