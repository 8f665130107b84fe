"""The ``LogStore`` contract, here on ``MemoryLogStore``.

The bodies reach the store only through the ``log_store`` fixture, so
``tests/integration/test_sql_log.py`` imports this module and runs them again
on ``SqlLogStore`` over SQLite and PostgreSQL by overriding that fixture.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from consent.compact import extend, fold, frontier
from consent.log import AccessLog
from consent.log_memory import MemoryLogStore
from consent.log_store import LogStore
from crypto import EcPrivateKey, generate_private_key
from crypto.transparency.entry import AccessAction, AccessEntry
from crypto.transparency.errors import LogError, LogInconsistent
from crypto.transparency.merkle import consistency_proof, inclusion_proof, leaf_hash, subtree_root
from crypto.transparency.proofs import ConsistencyProof, InclusionProof, TreeHead
from crypto.transparency.verify import verify_entry, verify_head_consistency, verify_tree_head

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "consent" / "rfc6962.json").read_text("utf-8")
)


@pytest.fixture
def log_store() -> LogStore:
    return MemoryLogStore()


def access(n: int, citizen: str = "c") -> AccessEntry:
    return AccessEntry(
        agency_id=f"agency-{n % 3}",
        agency_name="Bệnh viện Bạch Mai" if n % 2 else "Công an phường Dịch Vọng",
        resource_id=f"{citizen}-doc-{n}",
        resource_type="cccd",
        action=list(AccessAction)[n % 4],
        purpose="Khám bệnh",
        procedure_code=f"1.00{n % 10}",
        consent_id=None if n % 5 == 0 else f"consent-{n}",
        at=1_767_225_600 + n,
    )


class Phone:
    """The citizen's client: keeps the last tree head it accepted and checks everything against it.

    It sees only what the service sends over the wire (JSON forms, the signed head) and
    the service's public key; any failure, including the service being unable to prove
    something, is a ``LogInconsistent``.
    """

    def __init__(self, log: AccessLog, key: EcPrivateKey, citizen_id: str) -> None:
        self._log, self._key, self.citizen_id = log, key, citizen_id  # the service side, for requests
        self.head: TreeHead | None = None

    def refresh(self, now: int = 1_767_225_600) -> TreeHead:
        token = self._log.signed_tree_head(self.citizen_id, self._key, now=now, kid="svc-1")
        new = verify_tree_head(token, self._key.public_key(), citizen_id=self.citizen_id)
        if self.head is not None:
            try:
                wire = self._log.consistency_proof(self.citizen_id, self.head.size, new.size).to_json()
            except LogError:
                raise LogInconsistent("the service cannot prove its new head extends the old one") from None
            verify_head_consistency(self.head, new, ConsistencyProof.from_json(wire))
        self.head = new
        return new

    def read(self, index: int) -> AccessEntry:
        assert self.head is not None
        try:
            [logged] = self._log.entries(self.citizen_id, index, index + 1)
            wire = self._log.inclusion_proof(self.citizen_id, index, self.head.size).to_json()
        except (LogError, ValueError):
            raise LogInconsistent("the service cannot show or prove the entry") from None
        return verify_entry(self.head, index, logged.data, InclusionProof.from_json(wire))


def raw_append(store: LogStore, log_id: str, data: list[bytes]) -> None:
    """Append raw leaf data (as hex text) through the port alone, as ``AccessLog`` would."""
    head = store.head(log_id)
    size = 0 if head is None else head[0]
    edge = [store.nodes(log_id, [node])[node] for node in frontier(size)]
    leaves = [leaf_hash(item) for item in data]
    nodes, edge = extend(size, edge, leaves)
    rows = [(size + i, item.hex(), leaf) for i, (item, leaf) in enumerate(zip(data, leaves, strict=True))]
    assert store.append(log_id, size, rows, nodes, fold(edge))


def test_a_new_log_is_empty(log_store: LogStore) -> None:
    assert log_store.head("nobody") is None
    assert log_store.nodes("nobody", [(0, 0), (1, 0)]) == {}
    assert log_store.entries("nobody", 0, 10) == []


def test_the_vector_tree_stores_every_published_node(log_store: LogStore) -> None:
    data = [bytes.fromhex(leaf) for leaf in VECTORS["leaves"]]
    raw_append(log_store, "v", data[:3])
    raw_append(log_store, "v", data[3:4])
    raw_append(log_store, "v", data[4:])
    expected = {
        (level, index): bytes.fromhex(value)
        for level, row in enumerate(VECTORS["node_hashes"])
        for index, value in enumerate(row)
    }
    assert log_store.nodes("v", sorted(expected)) == expected
    assert log_store.head("v") == (8, bytes.fromhex(VECTORS["roots"]["8"]))
    assert log_store.nodes("v", [(0, 8), (1, 4), (3, 1), (4, 0)]) == {}  # not (yet) complete: absent


def test_entries_come_back_in_index_order_and_range(log_store: LogStore) -> None:
    raw_append(log_store, "a", [bytes([i]) for i in range(10)])
    assert log_store.entries("a", 3, 6) == [(3, "03"), (4, "04"), (5, "05")]
    assert log_store.entries("a", 8, 100) == [(8, "08"), (9, "09")]
    assert log_store.entries("a", 10, 20) == []


def test_a_stale_append_changes_nothing(log_store: LogStore) -> None:
    raw_append(log_store, "a", [b"x", b"y"])
    before = log_store.head("a")
    leaf = leaf_hash(b"z")
    assert not log_store.append("a", 1, [(1, "7a", leaf)], [], leaf)
    assert not log_store.append("a", 0, [(0, "7a", leaf)], [], leaf)
    assert not log_store.append("other", 5, [(5, "7a", leaf)], [], leaf)
    assert log_store.head("a") == before
    assert log_store.head("other") is None
    assert log_store.entries("a", 0, 10) == [(0, "78"), (1, "79")]


def test_logs_are_kept_apart_and_erased_alone(log_store: LogStore) -> None:
    raw_append(log_store, "a", [b"1", b"2", b"3"])
    raw_append(log_store, "b", [b"4"])
    assert log_store.entries("b", 0, 10) == [(0, "34")]
    assert log_store.nodes("b", [(0, 1), (1, 0)]) == {}
    log_store.erase("a")
    assert log_store.head("a") is None
    assert log_store.entries("a", 0, 10) == []
    assert log_store.nodes("a", [(0, 0), (1, 0)]) == {}
    assert log_store.head("b") == (1, leaf_hash(b"4"))
    log_store.erase("never-there")


def test_access_log_proofs_over_the_store_match_the_reference(log_store: LogStore) -> None:
    log = AccessLog(log_store)
    for batch in ([0], [1, 2, 3], list(range(4, 11)), [11], list(range(12, 41))):
        log.append_many("c", [access(n) for n in batch])
    leaves = [leaf_hash(e.data.encode()) for e in log.entries("c", 0, 100)]
    assert [e.index for e in log.entries("c", 0, 100)] == list(range(41))
    assert log.tree_head("c", now=0).root_hash == subtree_root(leaves)
    for size in range(1, 42):
        for index in range(size):
            assert list(log.inclusion_proof("c", index, size).hashes) == inclusion_proof(index, leaves[:size])
        for first in range(size + 1):
            assert list(log.consistency_proof("c", first, size).hashes) == consistency_proof(
                first, leaves[:size]
            )


@pytest.mark.parametrize("size", [0, 3])
def test_appends_racing_from_one_head_exactly_one_wins(log_store: LogStore, size: int) -> None:
    if size:
        raw_append(log_store, "r", [bytes([i]) for i in range(size)])
    edge = [log_store.nodes("r", [node])[node] for node in frontier(size)]
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def attempt(k: int) -> None:
        leaf = leaf_hash(bytes([100 + k]))
        nodes, new_edge = extend(size, edge, [leaf])
        barrier.wait()
        results.append(log_store.append("r", size, [(size, f"{100 + k:x}", leaf)], nodes, fold(new_edge)))

    threads = [threading.Thread(target=attempt, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    head = log_store.head("r")
    assert head is not None and head[0] == size + 1
    assert len(log_store.entries("r", 0, 10)) == size + 1


def test_racing_appends_get_distinct_contiguous_indexes(log_store: LogStore) -> None:
    log = AccessLog(log_store, attempts=1000)
    got: list[int] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for n in range(15):
            index = log.append("race", access(100 * k + n, "race"))
            with lock:
                got.append(index)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == list(range(60))
    logged = log.entries("race", 0, 100)
    assert len({e.entry.resource_id for e in logged}) == 60
    assert log.tree_head("race", now=0).root_hash == subtree_root(
        [leaf_hash(e.data.encode()) for e in logged]
    )


def test_a_phone_following_the_log_accepts_every_honest_step(log_store: LogStore) -> None:
    log = AccessLog(log_store)
    phone = Phone(log, generate_private_key(), "c")
    assert phone.refresh().size == 0
    written: list[AccessEntry] = []
    for batch in (1, 2, 5, 1, 9, 0):
        entries = [access(len(written) + n) for n in range(batch)]
        if entries:
            log.append_many("c", entries)
        written += entries
        assert phone.refresh(now=1_767_225_600 + len(written)).size == len(written)
        assert [phone.read(index) for index in range(len(written))] == written
