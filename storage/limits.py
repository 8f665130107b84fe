"""How long a backend call may take: connect, read and pool waits, shared by every adapter."""

from __future__ import annotations

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
