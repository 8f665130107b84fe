"""Two lanes for blocking storage work, each bounded in time; blob I/O cannot starve metadata.

Metadata work (SQL) runs on anyio's default thread limiter; blob work (S3 or
file reads and writes, the streamed upload, download and export) on a limiter
of its own (``WALLET_BLOB_CONCURRENCY`` threads). A stuck object store can fill
the blob lane, never the metadata one: listings keep answering. Every step
waits at most ``WALLET_DEADLINE_SECONDS``; past it the caller gets
``Unavailable`` (503) and the thread is abandoned to finish on its own (the
adapters' socket timeouts end it; a frozen PostgreSQL ends it when it resumes).
A new transfer finding every blob thread busy is refused at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

import anyio
import anyio.to_thread

import storage
from wallet_api.settings import Settings

T = TypeVar("T")
log = logging.getLogger("wallet.lanes")
_END = object()


def failure_kind(exc: BaseException) -> str:
    """What went wrong, for the operator's log: a stable code, never content."""
    return str(getattr(exc, "code", type(exc).__name__))


class Lanes:
    """The metadata lane and the blob lane of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.deadline = settings.deadline_seconds
        self.inline = settings.run_inline
        self._blob_capacity = settings.blob_concurrency
        self._blob_limiter: anyio.CapacityLimiter | None = None

    @property
    def blob_limiter(self) -> anyio.CapacityLimiter:
        """Created on first use: a limiter belongs to the running event loop."""
        if self._blob_limiter is None:
            self._blob_limiter = anyio.CapacityLimiter(self._blob_capacity)
        return self._blob_limiter

    async def metadata(self, call: Callable[[], T]) -> T:
        """Run SQL work: inline for the embedded default, else in a thread within the deadline."""
        if self.inline:
            return call()
        return await self._within_deadline(call, None)

    def admit_transfer(self) -> None:
        """Refuse a new blob transfer at once when every blob thread is busy (503, never a queue)."""
        if self.blob_limiter.available_tokens < 1:
            raise storage.Unavailable("every blob thread is busy")

    async def blob(self, call: Callable[[], T]) -> T:
        """One blocking blob step (open, read a chunk, write) on the blob lane within the deadline."""
        return await self._within_deadline(call, self.blob_limiter)

    async def blob_unbounded(self, call: Callable[[], T]) -> T:
        """A blob step whose length the client sets (a streamed upload): only the adapters' socket
        timeouts bound each backend call inside it."""
        return await anyio.to_thread.run_sync(call, limiter=self.blob_limiter)

    async def stream(
        self, chunks: Iterator[bytes], on_error: Callable[[BaseException], None], *, first: bytes = b""
    ) -> AsyncIterator[bytes]:
        """Pull ``chunks`` on the blob lane, one deadline per chunk; ``on_error`` logs a failure
        after the response started (the connection is then cut, the client sees a short body)."""
        try:
            if first:
                yield first
            while True:
                chunk = await self.blob(lambda: next(chunks, _END))
                if chunk is _END:
                    return
                yield chunk  # type: ignore[misc]  # not _END, so bytes
        except Exception as exc:
            on_error(exc)
            raise
        finally:
            with contextlib.suppress(Exception):  # a chunk abandoned mid-read is still executing
                chunks.close()  # type: ignore[attr-defined]  # generators close their source

    async def _within_deadline(self, call: Callable[[], T], limiter: anyio.CapacityLimiter | None) -> T:
        with anyio.move_on_after(self.deadline) as scope:
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=limiter)
        if scope.cancelled_caught:
            log.warning("storage call abandoned after the %.1f s deadline", self.deadline)
        raise storage.Unavailable("the storage call missed its deadline")
