"""Fixed-window counters in the database: one upsert per limited call, shared by every node.

A call of ``kind`` by ``who`` (an address, a client id) adds one to the row of the current window
(``INSERT … ON CONFLICT DO UPDATE … RETURNING hits``: one statement, race-free across processes
on SQLite and PostgreSQL); past the kind's limit the call is refused with ``rate_limited`` and the
seconds until the window ends. ``who`` is stored only as a keyed hash. Windows older than a day
are removed by ``wallet collect`` and, bounded, every 256 counted calls.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading

from wallet_api.context import Context
from wallet_api.limits.errors import RateLimited
from wallet_api.limits.policy import STEPPED, parse
from wallet_api.limits.shared import SharedCounts

log = logging.getLogger("wallet.limits")
KEEP_SECONDS = 86_400
PURGE_EVERY = 256


class RateLimiter:
    """Count and refuse, per kind of call, in the shared database."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.limits = parse(ctx.settings.rate_limits)
        self._key = ctx.master.derive("rate-limit-buckets")
        self._calls = 0
        self._lock = threading.Lock()
        self._shared = SharedCounts(self._add)

    def check(self, kind: str, who: str) -> None:
        """Count one call of ``kind`` by ``who``; ``RateLimited`` past the limit (blocking)."""
        limit = self.limits.get(kind)
        if limit is None:
            return
        hits, seconds = limit
        now = self.ctx.now()
        window = now - now % seconds
        if kind in STEPPED:  # every authenticated request: counted in steps (``limits.shared``)
            count = self._shared.hit(f"{kind}:{who}", window, hits)
        else:
            count = self._add(f"{kind}:{who}", window, 1)
        if count > hits:
            raise RateLimited(retry_after=max(1, window + seconds - now))

    def check_caller(self, kind: str, subject: str, jkt: str) -> None:
        """The per-device (citizen) or per-agency limit of an authenticated request (blocking)."""
        if kind == "citizen":
            self.check("device", f"{subject}|{jkt}")
        elif kind == "agency":
            self.check("agency", subject)

    AHEAD_MARGIN = 64  # calls below the limit under which ``far_below_limit`` answers True

    def far_below_limit(self, kind: str, subject: str, jkt: str) -> bool:
        """Whether the caller's per-device (citizen) or per-agency count, as this process knows it,
        is at least ``AHEAD_MARGIN`` calls below the limit, so that a call served before it is
        counted (``count_served``) cannot pass the limit but by as many calls in flight at once.
        No count, no I/O. A caller near the limit takes ``check_caller`` before anything is served."""
        bucket = _caller_bucket(kind, subject, jkt)
        limit = None if bucket is None else self.limits.get(bucket[0])
        if bucket is None or limit is None:
            return True
        hits, seconds = limit
        now = self.ctx.now()
        return self._shared.known(f"{bucket[0]}:{bucket[1]}", now - now % seconds) + self.AHEAD_MARGIN <= hits

    def count_served(self, kind: str, subject: str, jkt: str) -> None:
        """Count a call ``far_below_limit`` let through before it was counted; never refuses."""
        bucket = _caller_bucket(kind, subject, jkt)
        limit = None if bucket is None else self.limits.get(bucket[0])
        if bucket is None or limit is None:
            return
        hits, seconds = limit
        now = self.ctx.now()
        self._shared.hit(f"{bucket[0]}:{bucket[1]}", now - now % seconds, hits)

    def _add(self, bucket: str, window: int, calls: int) -> int:
        """Add ``calls`` to the shared row of ``bucket`` (``kind:who``, ``who`` stored as a keyed
        hash) in ``window``; the window's count after them."""
        kind, _, who = bucket.partition(":")
        digest = hmac.new(self._key, who.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
        # One statement committing on its own (no unit of work: one round trip on PostgreSQL).
        count = self.ctx.metadata.hot_counters().hit(f"{kind}:{digest}", window, calls)
        self._maybe_purge(window)
        return count

    def _maybe_purge(self, now: int) -> None:
        # ``now``: a window's start, at most its length in the past (the purge keeps a day).
        with self._lock:
            self._calls += 1
            due = self._calls % PURGE_EVERY == 0
        if not due:
            return
        try:
            with self.ctx.metadata.unit_of_work() as uow:
                uow.rate_counters.purge(now - KEEP_SECONDS, 1000)
                uow.commit()
        except Exception:  # the request's own count is committed; a failed clean-up is not its error
            log.warning("rate counters: purge failed", exc_info=True)


def _caller_bucket(kind: str, subject: str, jkt: str) -> tuple[str, str] | None:
    """``check_caller``'s limit kind and caller (both stepped, ``limits.shared``)."""
    if kind == "citizen":
        return "device", f"{subject}|{jkt}"
    if kind == "agency":
        return "agency", subject
    return None


def source_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str]) -> str:
    """The caller's address: the peer, or behind a trusted proxy the last address it forwarded."""
    if peer and peer in trusted and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return (peer or "unknown")[:64]


def caller_address(request: object, trusted_proxies: str) -> str:
    """``source_address`` of a litestar request under the configured trusted proxies."""
    client = getattr(request, "client", None)
    headers = getattr(request, "headers", {})
    trusted = frozenset(p.strip() for p in trusted_proxies.split(",") if p.strip())
    return source_address(getattr(client, "host", None), headers.get("x-forwarded-for"), trusted)
