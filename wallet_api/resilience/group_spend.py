"""Proofs spent together: one durable write for the requests of one turn of the event loop.

On the embedded default every authenticated request stores its DPoP proof's ``jti`` in SQLite on
the event loop, and most of that cost is the commit (the write-ahead log's append, its locks),
not the insert. Under load several requests reach that step in the same turn of the loop: here
they wait for one another for that turn only, and their ids are inserted in ONE transaction
(``RequestReplayGuard.remember_many``), so they share one commit. Each request still learns, from
the committed transaction and before it acts, whether its own id was new: the guarantee is the
same as one commit each (an id spent once, across processes and restarts, SIGKILL included).

Used where storage calls run inline (``Settings.run_inline``: SQLite, no thread hop); elsewhere,
and for a request alone in its turn, the caller spends its proof as before. If the group's
transaction fails, nothing of it was stored and each request spends its proof alone, meeting the
error (a full disk, a stalled database) on its usual path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from storage.ports import RequestReplayGuard
from wallet_api.services.auth import CheckedRequest

log = logging.getLogger(__name__)


class GroupSpend:
    """The spends waiting for the end of this turn of the loop, committed together."""

    __slots__ = ("_guard", "_pending")

    def __init__(self, guard: Callable[[], RequestReplayGuard]) -> None:
        self._guard = guard
        self._pending: list[tuple[CheckedRequest, asyncio.Future[bool | None]]] = []

    async def spend(self, checked: CheckedRequest) -> bool | None:
        """Whether ``checked``'s proof was new (and its holder still there), decided by a committed
        transaction; None: not spent here, the caller spends it alone."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool | None] = loop.create_future()
        self._pending.append((checked, future))
        if len(self._pending) == 1:  # the first of this turn: commit after the others of the turn
            loop.call_soon(self._commit)
        return await future

    def _commit(self) -> None:
        pending, self._pending = self._pending, []
        if len(pending) == 1:  # alone in its turn: its own statement is as cheap
            _answer(pending[0][1], None)
            return
        try:
            fresh = self._guard().remember_many([(c.scope, c.jti, c.expires, c.holder) for c, _ in pending])
        except BaseException as exc:  # nothing stored: each spends alone, on its usual error path
            for _, future in pending:  # never left waiting, whatever was raised
                _answer(future, None)
            if not isinstance(exc, Exception):
                raise
            log.info("group spend failed (%s); each request spends alone", type(exc).__name__)
            return
        for (_, future), new in zip(pending, fresh, strict=True):
            _answer(future, new)


def _answer(future: asyncio.Future[bool | None], value: bool | None) -> None:
    if not future.done():  # a request whose client went away: its proof is spent all the same
        future.set_result(value)
