"""How long a backend call may take (connect, read and pool waits) and how much background work it may
do (the replay guard's purge while serving), shared by every adapter."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Bounds on one backend call, in seconds (defaults: a phone sees an answer within 10 s).

    ``connect`` bounds opening a connection (PostgreSQL ``connect_timeout``, the
    S3 TCP connect) and waiting for a pooled one; ``read`` bounds one statement
    or one S3 response read (server-side ``statement_timeout`` / ``lock_timeout``,
    TCP ``tcp_user_timeout``, the S3 socket read). The overall deadline of a
    request is the HTTP layer's (``WALLET_DEADLINE_SECONDS``).
    """

    connect: float = 3.0
    read: float = 4.0

    @property
    def connect_whole_seconds(self) -> int:
        """libpq counts ``connect_timeout`` in whole seconds and treats below 2 as 2."""
        return max(2, round(self.connect))

    @property
    def read_ms(self) -> int:
        return max(1, round(self.read * 1000))


class ReplayPurge:
    """When to purge while serving: one batch of at most ``batch`` expired ids every ``every`` new ones.

    One per process (``SqlMetadata`` owns it); the count is shared by its threads.
    ``clock`` is the service's (Unix seconds): expiry is judged on the clock that set it.
    """

    def __init__(self, every: int = 256, batch: int = 1024, clock: Callable[[], float] = time.time) -> None:
        if every < 1 or batch < 1:
            raise ValueError("every and batch must be positive")
        self.every = every
        self.batch = batch
        self._clock = clock
        self._stored = itertools.count(1)  # next() is atomic under the GIL

    def due(self) -> bool:
        """Count one new id; True on every ``every``-th."""
        return next(self._stored) % self.every == 0

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)
