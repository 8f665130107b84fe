"""The port under ``AccessLog``: per-citizen storage of entries, perfect-subtree hashes and the head.

Adapters: ``consent.log_memory.MemoryLogStore`` (tests, benchmarks) and
``storage.sql_log.SqlLogStore`` (SQLite, PostgreSQL). Plain types only cross
this port, so ``storage`` need not import ``consent``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = ["LogAppend", "LogStore", "LogTransaction"]


class LogStore(Protocol):
    """Append-only Merkle logs, one per ``log_id`` (the citizen id).

    Contract:

    * ``head(log_id)`` is ``(size, root_hash)`` as last appended, or ``None`` for
      a log never appended to.
    * ``nodes(log_id, ids)`` maps each ``(level, index)`` of ``ids`` that is
      stored to its hash: level 0 is the leaf hash of entry ``index``, a higher
      level a perfect subtree (see ``consent.compact``). Ids not stored are left
      out, never invented. One round trip, whatever the number of ids.
    * ``entries(log_id, start, stop)`` lists ``(index, data)`` for the stored
      entries with ``start <= index < stop``, in index order (gaps left out).
    * ``append(log_id, expected_size, entries, nodes, root_hash)`` is all or
      nothing: when the log's size is ``expected_size`` it stores ``entries``
      (``(index, data, leaf_hash)``, indexes ``expected_size`` onwards, no gap),
      the completed ``nodes`` (``(level, index, hash)``, level >= 1), and the new
      head ``(expected_size + len(entries), root_hash)``, then returns True. When
      the size differs (another append won a race) it changes nothing and
      returns False. Two appends racing on one log never both succeed with the
      same ``expected_size``.
    * ``erase(log_id)`` removes the log entirely (the citizen's erasure).
    """

    def head(self, log_id: str) -> tuple[int, bytes] | None: ...

    def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...

    def entries(self, log_id: str, start: int, stop: int) -> list[tuple[int, str]]: ...

    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool: ...

    def erase(self, log_id: str) -> None: ...


# One log's part of a batched append: (log_id, expected_size, entries, nodes, root_hash), as ``append``.
LogAppend = tuple[str, int, Sequence[tuple[int, str, bytes]], Sequence[tuple[int, int, bytes]], bytes]


class LogTransaction(LogStore, Protocol):
    """A ``LogStore`` inside a caller's open transaction (``UnitOfWork.log_store``), which can also
    append to several logs at once in a few statements (an act under a mandate: two logs).

    * ``heads(log_ids)`` maps each log appended to before to ``(size, root_hash)``, in one
      statement, locking those heads for the transaction (``FOR UPDATE`` on PostgreSQL) in the
      order given (callers sort the ids: two batches crossing never deadlock).
    * ``nodes_of_logs(wanted)`` is ``nodes`` for several logs in one statement.
    * ``append_logs(appends)`` is ``append`` for each, the entries and nodes of all in one
      statement each. False when a head had moved: part may be written, so the caller's
      transaction must roll back (with the heads locked by ``heads`` it cannot happen).
    """

    def heads(self, log_ids: Sequence[str]) -> dict[str, tuple[int, bytes]]: ...

    def nodes_of_logs(
        self, wanted: Mapping[str, Sequence[tuple[int, int]]]
    ) -> dict[str, dict[tuple[int, int], bytes]]: ...

    def append_logs(self, appends: Sequence[LogAppend]) -> bool: ...
