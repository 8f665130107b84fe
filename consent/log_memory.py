"""``LogStore`` in process memory: for unit tests and as the benchmarks' reference."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from consent.log_store import LogAppend

__all__ = ["MemoryLogStore"]


@dataclass
class _Log:
    size: int = 0
    root_hash: bytes = b""
    data: dict[int, str] = field(default_factory=dict)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)  # level 0: leaf hashes


class MemoryLogStore:
    """Every log in dictionaries behind one lock; tests may reach ``logs`` to tamper with them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.logs: dict[str, _Log] = {}

    def head(self, log_id: str) -> tuple[int, bytes] | None:
        """``(size, root_hash)``, or ``None`` for a log never appended to."""
        log = self.logs.get(log_id)
        return None if log is None else (log.size, log.root_hash)

    def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes among ``ids``."""
        log = self.logs.get(log_id)
        if log is None:
            return {}
        return {node: log.nodes[node] for node in ids if node in log.nodes}

    def entries(self, log_id: str, start: int, stop: int) -> list[tuple[int, str]]:
        """``(index, data)`` for ``start <= index < stop``."""
        log = self.logs.get(log_id)
        if log is None:
            return []
        indexes = range(max(start, 0), min(stop, log.size))
        return [(index, log.data[index]) for index in indexes if index in log.data]

    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        """Store the entries and nodes if the log still has ``expected_size`` entries."""
        with self._lock:
            log = self.logs.get(log_id)
            if (0 if log is None else log.size) != expected_size:
                return False
            if log is None:
                log = self.logs[log_id] = _Log()
            for index, data, leaf in entries:
                log.data[index] = data
                log.nodes[0, index] = leaf
            for level, index, value in nodes:
                log.nodes[level, index] = value
            log.size, log.root_hash = expected_size + len(entries), root_hash
            return True

    def heads(self, log_ids: Sequence[str]) -> dict[str, tuple[int, bytes]]:
        """The heads of those logs appended to before."""
        return {i: head for i in log_ids if (head := self.head(i)) is not None}

    def nodes_of_logs(
        self, wanted: Mapping[str, Sequence[tuple[int, int]]]
    ) -> dict[str, dict[tuple[int, int], bytes]]:
        """``nodes`` of each log."""
        return {log_id: self.nodes(log_id, ids) for log_id, ids in wanted.items()}

    def append_logs(self, appends: Sequence[LogAppend]) -> bool:
        """``append`` of each, all or none."""
        with self._lock:
            if any(self._size(a[0]) != a[1] for a in appends):
                return False
        return all(self.append(*a) for a in appends)

    def _size(self, log_id: str) -> int:
        log = self.logs.get(log_id)
        return 0 if log is None else log.size

    def erase(self, log_id: str) -> None:
        """Forget the log."""
        with self._lock:
            self.logs.pop(log_id, None)
