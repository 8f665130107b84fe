"""The access log: one append-only RFC 9162 Merkle tree per citizen, over a ``LogStore``.

Every access to a citizen's data by anyone else is appended to that citizen's
log; the service signs tree heads and serves inclusion and consistency proofs,
which the phone checks with ``crypto.transparency.verify``. Costs, for a log of ``n``
entries: an append reads the head and the frontier (one stored hash per set
bit of ``n``) and writes O(1) amortised hashes per entry; a proof reads at most
about ``2 log2(n)`` stored hashes in one round trip; nothing reads the whole tree.

Appends are optimistic: read the head, compute, and store only if the size is
still the one read (``LogStore.append`` decides atomically); a lost race is
retried from a fresh read.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from consent.compact import NodeId, extend, fold, frontier, perfect_subtrees
from consent.log_store import LogAppend, LogStore, LogTransaction
from crypto import EcPrivateKey
from crypto.transparency.entry import AccessEntry, parse_entry
from crypto.transparency.errors import InvalidLogEntry, LogBusy, LogCorrupted, LogError
from crypto.transparency.merkle import EMPTY_ROOT, Range, consistency_ranges, inclusion_ranges, leaf_hash
from crypto.transparency.proofs import ConsistencyProof, InclusionProof, TreeHead, sign_tree_head

__all__ = ["MAX_PAGE", "AccessLog", "LoggedEntry", "PreparedAppend"]

MAX_PAGE = 1000  # entries per ``entries`` call


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """An entry at its leaf index: ``data`` is the exact leaf data the phone hashes."""

    index: int
    data: str
    entry: AccessEntry


class AccessLog:
    """Per-citizen tamper-evident access logs; the log id is the citizen id."""

    FRONTIERS = 4096  # logs whose last frontier ``append_across`` remembers

    def __init__(self, store: LogStore, *, attempts: int = 16) -> None:
        self._store = store
        self._attempts = attempts
        # log id -> (size, root, frontier hashes) as this process last appended: the next batch on
        # that log skips reading its frontier when the head read still has that size and root
        # (and the hashes still fold to the root, checked as a read frontier is)
        self._frontiers: dict[str, tuple[int, bytes, list[bytes]]] = {}

    def append(self, citizen_id: str, entry: AccessEntry) -> int:
        """Append one entry; its leaf index."""
        return self.append_many(citizen_id, [entry]).start

    def append_many(
        self, citizen_id: str, entries: Sequence[AccessEntry], *, store: LogStore | None = None
    ) -> range:
        """Append entries in order, all or none, in one store write; their leaf indexes.

        ``store``: the same logs inside a caller's transaction (``UnitOfWork.log_store``), so the
        append commits or rolls back with whatever else that transaction does.
        """
        if not entries:
            raise LogError("nothing to append")
        store = self._store if store is None else store
        data = [entry.canonical() for entry in entries]
        leaves = [leaf_hash(text.encode()) for text in data]
        for _ in range(self._attempts):
            size, root = _head_of(store, citizen_id)
            edge = _nodes_of(store, citizen_id, frontier(size))
            if not hmac.compare_digest(fold(edge), root):
                raise LogCorrupted("the stored head does not match the stored tree")
            nodes, edge = extend(size, edge, leaves)
            rows = [(size + i, text, leaf) for i, (text, leaf) in enumerate(zip(data, leaves, strict=True))]
            if store.append(citizen_id, size, rows, nodes, fold(edge)):
                return range(size, size + len(rows))
        raise LogBusy()

    def append_across(
        self, batches: Mapping[str, Sequence[AccessEntry]], *, store: LogTransaction
    ) -> dict[str, range]:
        """Append to several logs inside the caller's transaction, all or none, in a handful of
        statements whatever the number of logs (heads, frontiers, head advances, entries, nodes);
        each log's leaf indexes. The heads are read and locked in sorted id order. A head that
        moved anyway is ``LogBusy``: the caller's transaction must roll back."""
        if not batches or not all(batches.values()):
            raise LogError("nothing to append")
        ids = sorted(batches)
        heads = store.heads(ids)
        sizes = {log_id: heads.get(log_id, (0, EMPTY_ROOT)) for log_id in ids}
        edges: dict[str, list[bytes]] = {}
        for log_id in ids:
            known = self._frontiers.get(log_id)
            if known is not None and known[:2] == sizes[log_id]:
                edges[log_id] = known[2]
        wanted = {log_id: frontier(sizes[log_id][0]) for log_id in ids if log_id not in edges}
        found = store.nodes_of_logs({log_id: nodes for log_id, nodes in wanted.items() if nodes})
        for log_id in ids:
            if log_id not in edges:
                try:
                    edges[log_id] = [found[log_id][node] for node in wanted.get(log_id, ())]
                except KeyError:
                    raise LogCorrupted("stored hashes are missing") from None
            if not hmac.compare_digest(fold(edges[log_id]), sizes[log_id][1]):
                raise LogCorrupted("the stored head does not match the stored tree")
        appends, remembered = _extended(ids, batches, sizes, edges)
        if not store.append_logs(appends):
            raise LogBusy()
        self._remember(remembered)  # a rolled-back batch leaves a head never read
        return {log_id: range(size, size + len(rows)) for log_id, size, rows, _, _ in appends}

    def prepare_remembered(self, batches: Mapping[str, Sequence[AccessEntry]]) -> PreparedAppend | None:
        """``append_across``'s appends computed from the frontiers this process remembers, with no
        read at all; None unless it remembers every log's (and each has entries already). The
        store must then apply them only while every head is still ``PreparedAppend.heads`` (size
        and root), all or none, and the caller tells ``appended`` once they are committed."""
        if not batches or not all(batches.values()):
            raise LogError("nothing to append")
        ids = sorted(batches)
        sizes: dict[str, tuple[int, bytes]] = {}
        edges: dict[str, list[bytes]] = {}
        for log_id in ids:
            known = self._frontiers.get(log_id)
            if known is None or known[0] == 0:
                return None
            sizes[log_id], edges[log_id] = known[:2], known[2]
        appends, remembered = _extended(ids, batches, sizes, edges)
        return PreparedAppend(appends, sizes, remembered)

    def remembers(self, log_ids: Sequence[str]) -> bool:
        """Whether ``prepare_remembered`` can compute appends to these logs (no read needed)."""
        return all(self._frontiers.get(log_id, (0,))[0] > 0 for log_id in log_ids)

    def appended(self, prepared: PreparedAppend) -> None:
        """``prepare_remembered``'s appends were committed: remember the logs' new frontiers."""
        self._remember(prepared.remembered)

    def forget_frontiers(self, log_ids: Sequence[str]) -> None:
        """Forget what this process remembers of these logs' frontiers (their heads moved)."""
        for log_id in log_ids:
            self._frontiers.pop(log_id, None)

    def _remember(self, remembered: Sequence[tuple[str, int, bytes, list[bytes]]]) -> None:
        if len(self._frontiers) > self.FRONTIERS:
            self._frontiers.clear()
        for log_id, size, root, edge in remembered:
            self._frontiers[log_id] = (size, root, edge)

    def size(self, citizen_id: str) -> int:
        """The number of entries in the citizen's log."""
        return self._head(citizen_id)[0]

    def tree_head(self, citizen_id: str, *, now: int) -> TreeHead:
        """The current head of the citizen's log, stamped ``now`` (Unix seconds)."""
        size, root = self._head(citizen_id)
        return TreeHead(citizen_id, size, root, now)

    def signed_tree_head(
        self, citizen_id: str, key: EcPrivateKey, *, now: int, kid: str | None = None
    ) -> str:
        """The current head signed with the service key (a ``wallet-sth+jwt`` JWS)."""
        return sign_tree_head(self.tree_head(citizen_id, now=now), key, kid=kid)

    def entries(self, citizen_id: str, start: int, stop: int) -> list[LoggedEntry]:
        """The entries with ``start <= index < stop`` (at most ``MAX_PAGE``), as stored."""
        if start < 0 or stop - start > MAX_PAGE:
            raise LogError(f"entries are read at most {MAX_PAGE} at a time")
        logged = []
        for index, data in self._store.entries(citizen_id, start, stop):
            try:
                logged.append(LoggedEntry(index, data, parse_entry(data)))
            except InvalidLogEntry:
                raise LogCorrupted("a stored entry is malformed") from None
        return logged

    def inclusion_proof(self, citizen_id: str, index: int, tree_size: int) -> InclusionProof:
        """``PATH(index, D[tree_size])`` for a tree size the log has reached."""
        self._require_reached(citizen_id, tree_size)
        ranges = inclusion_ranges(index, tree_size)
        return InclusionProof(index, tree_size, self._range_hashes(citizen_id, ranges))

    def consistency_proof(self, citizen_id: str, first: int, second: int) -> ConsistencyProof:
        """``PROOF(first, D[second])`` for tree sizes the log has reached."""
        self._require_reached(citizen_id, second)
        ranges = consistency_ranges(first, second)
        return ConsistencyProof(first, second, self._range_hashes(citizen_id, ranges))

    def erase(self, citizen_id: str) -> None:
        """Remove the citizen's log (with the citizen's own erasure)."""
        self._store.erase(citizen_id)

    def _head(self, citizen_id: str) -> tuple[int, bytes]:
        return _head_of(self._store, citizen_id)

    def _require_reached(self, citizen_id: str, tree_size: int) -> None:
        if tree_size > self._head(citizen_id)[0]:
            raise LogError("the log has not reached that size")

    def _nodes(self, citizen_id: str, ids: Sequence[NodeId]) -> list[bytes]:
        return _nodes_of(self._store, citizen_id, ids)

    def _range_hashes(self, citizen_id: str, ranges: Sequence[Range]) -> tuple[bytes, ...]:
        """The subtree hash of each range, from one read of all the perfect subtrees they need."""
        covers = [perfect_subtrees(start, end) for start, end in ranges]
        wanted = sorted({node for cover in covers for node in cover})
        found = dict(zip(wanted, self._nodes(citizen_id, wanted), strict=True))
        return tuple(fold([found[node] for node in cover]) for cover in covers)


@dataclass(frozen=True, slots=True)
class PreparedAppend:
    """Appends to several logs computed ahead from remembered frontiers (``prepare_remembered``)."""

    appends: list[LogAppend]  # sorted by log id
    heads: dict[str, tuple[int, bytes]]  # each log's head they extend: (size, root)
    remembered: list[tuple[str, int, bytes, list[bytes]]]  # each log's head and frontier after them


def _extended(
    ids: Sequence[str],
    batches: Mapping[str, Sequence[AccessEntry]],
    heads: Mapping[str, tuple[int, bytes]],
    edges: Mapping[str, list[bytes]],
) -> tuple[list[LogAppend], list[tuple[str, int, bytes, list[bytes]]]]:
    """Each log's append (entries, completed nodes, new root) from its head and frontier, and its
    head and frontier after it."""
    appends: list[LogAppend] = []
    remembered: list[tuple[str, int, bytes, list[bytes]]] = []
    for log_id in ids:
        size = heads[log_id][0]
        data = [entry.canonical() for entry in batches[log_id]]
        leaves = [leaf_hash(text.encode()) for text in data]
        nodes, edge = extend(size, edges[log_id], leaves)
        rows = [(size + i, text, leaf) for i, (text, leaf) in enumerate(zip(data, leaves, strict=True))]
        new_root = fold(edge)
        appends.append((log_id, size, rows, nodes, new_root))
        remembered.append((log_id, size + len(rows), new_root, edge))
    return appends, remembered


def _head_of(store: LogStore, citizen_id: str) -> tuple[int, bytes]:
    head = store.head(citizen_id)
    return (0, EMPTY_ROOT) if head is None else head


def _nodes_of(store: LogStore, citizen_id: str, ids: Sequence[NodeId]) -> list[bytes]:
    """The stored hashes of ``ids``, in order; ``LogCorrupted`` if any is missing."""
    found = store.nodes(citizen_id, ids) if ids else {}
    try:
        return [found[node] for node in ids]
    except KeyError:
        raise LogCorrupted("stored hashes are missing") from None
