"""``AccessLog`` on ``MemoryLogStore``: appends, races, heads, proofs, damage found by the server."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from consent.log import MAX_PAGE, AccessLog
from consent.log_memory import MemoryLogStore
from crypto import generate_private_key, unverified_header, verify_jws
from crypto.transparency.entry import AccessEntry
from crypto.transparency.errors import LogBusy, LogCorrupted, LogError
from crypto.transparency.merkle import EMPTY_ROOT, leaf_hash
from crypto.transparency.proofs import TREE_HEAD_TYP
from tests.unit.consent.test_consent_store_contract import access


class RacingStore(MemoryLogStore):
    """Another writer appends just before each of our next ``races`` attempts lands."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races = races
        self._rival = False

    def append(
        self,
        log_id: str,
        expected_size: int,
        entries: Sequence[tuple[int, str, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        root_hash: bytes,
    ) -> bool:
        if self.races and not self._rival:
            self.races -= 1
            self._rival = True
            try:
                AccessLog(self).append(log_id, access(900 + self.races))
            finally:
                self._rival = False
        return super().append(log_id, expected_size, entries, nodes, root_hash)


def test_append_returns_consecutive_indexes() -> None:
    log = AccessLog(MemoryLogStore())
    assert log.append("c", access(0)) == 0
    assert log.append_many("c", [access(1), access(2)]) == range(1, 3)
    assert log.append("c", access(3)) == 3
    assert log.append("other", access(4)) == 0
    assert log.size("c") == 4
    assert [e.entry for e in log.entries("c", 0, 10)] == [access(n) for n in range(4)]


def test_a_lost_race_is_retried_from_a_fresh_head() -> None:
    store = RacingStore(races=3)
    log = AccessLog(store)
    assert log.append("c", access(0)) == 3
    assert [e.entry.resource_id for e in log.entries("c", 0, 10)][-1] == access(0).resource_id
    assert log.tree_head("c", now=0).root_hash == AccessLog(store).tree_head("c", now=0).root_hash


def test_an_append_that_keeps_losing_gives_up_with_log_busy() -> None:
    log = AccessLog(RacingStore(races=5), attempts=5)
    with pytest.raises(LogBusy) as raised:
        log.append("c", access(0))
    assert raised.value.code == "log_busy"
    assert log.size("c") == 5  # the rivals' entries only


def test_an_empty_log_has_the_empty_root() -> None:
    head = AccessLog(MemoryLogStore()).tree_head("nobody", now=7)
    assert (head.citizen_id, head.size, head.root_hash, head.timestamp) == ("nobody", 0, EMPTY_ROOT, 7)


def test_signed_tree_head_is_an_es256_jws_of_the_head() -> None:
    key = generate_private_key()
    log = AccessLog(MemoryLogStore())
    log.append_many("c", [access(n) for n in range(3)])
    token = log.signed_tree_head("c", key, now=1_767_225_600, kid="svc-1")
    assert unverified_header(token) == {"alg": "ES256", "typ": TREE_HEAD_TYP, "kid": "svc-1"}
    claims = verify_jws(token, key.public_key(), typ=TREE_HEAD_TYP)
    head = log.tree_head("c", now=1_767_225_600)
    assert claims == {"sub": "c", "tree_size": 3, "root_hash": head.root_hash.hex(), "iat": 1_767_225_600}


def test_misuse_is_a_log_error() -> None:
    log = AccessLog(MemoryLogStore())
    log.append_many("c", [access(n) for n in range(4)])
    for call in (
        lambda: log.append_many("c", []),
        lambda: log.inclusion_proof("c", 0, 5),  # the log has not reached size 5
        lambda: log.inclusion_proof("c", 4, 4),
        lambda: log.consistency_proof("c", 2, 5),
        lambda: log.consistency_proof("c", 3, 2),
        lambda: log.entries("c", 0, MAX_PAGE + 1),
        lambda: log.entries("c", -1, 3),
    ):
        with pytest.raises(LogError) as raised:
            call()
        assert raised.value.code == "log_error"


def test_proofs_read_logarithmically_many_stored_hashes() -> None:
    class CountingStore(MemoryLogStore):
        def __init__(self) -> None:
            super().__init__()
            self.reads: list[int] = []

        def nodes(self, log_id: str, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
            self.reads.append(len(ids))
            return super().nodes(log_id, ids)

    store = CountingStore()
    log = AccessLog(store)
    for start in range(0, 5000, 1000):
        log.append_many("c", [access(n) for n in range(start, start + 1000)])
    store.reads.clear()
    for index in (0, 1, 2047, 2048, 4095, 4096, 4999):
        log.inclusion_proof("c", index, 5000)
    for first in (1, 2, 2047, 2048, 4095, 4096, 4999):
        log.consistency_proof("c", first, 5000)
    assert len(store.reads) == 14  # one read per proof
    assert max(store.reads) <= 2 * 13  # log2(5000) < 13
    store.reads.clear()
    log.append("c", access(5000))
    assert store.reads == [bin(5000).count("1")]  # the frontier only


def test_a_missing_stored_hash_is_found_corrupt() -> None:
    store = MemoryLogStore()
    log = AccessLog(store)
    log.append_many("c", [access(n) for n in range(8)])
    del store.logs["c"].nodes[1, 1]  # the subtree over leaves 2 and 3
    with pytest.raises(LogCorrupted) as raised:
        log.inclusion_proof("c", 0, 8)
    assert raised.value.code == "log_corrupted"
    log.inclusion_proof("c", 5, 8)  # proofs that do not need it still work


def test_appending_onto_a_damaged_tree_is_refused() -> None:
    store = MemoryLogStore()
    log = AccessLog(store)
    log.append_many("c", [access(n) for n in range(6)])
    store.logs["c"].nodes[1, 2] = leaf_hash(b"forged")  # part of the frontier of 6 = 4 + 2
    with pytest.raises(LogCorrupted):
        log.append("c", access(6))
    assert log.size("c") == 6


def test_a_malformed_stored_entry_is_found_corrupt() -> None:
    store = MemoryLogStore()
    log = AccessLog(store)
    log.append("c", access(0))
    store.logs["c"].data[0] = store.logs["c"].data[0].replace('"action":"read"', '"action":"delete"')
    with pytest.raises(LogCorrupted):
        log.entries("c", 0, 1)


def test_erase_removes_the_log() -> None:
    log = AccessLog(MemoryLogStore())
    log.append_many("c", [access(n) for n in range(3)])
    log.erase("c")
    assert log.size("c") == 0
    assert log.entries("c", 0, 10) == []
    assert log.append("c", access(9)) == 0


def entries_of(log: AccessLog, citizen: str) -> list[AccessEntry]:
    return [logged.entry for logged in log.entries(citizen, 0, MAX_PAGE)]


def test_citizens_logs_are_independent_trees() -> None:
    log = AccessLog(MemoryLogStore())
    log.append_many("a", [access(n, "a") for n in range(5)])
    log.append_many("b", [access(n, "b") for n in range(5)])
    assert entries_of(log, "a") != entries_of(log, "b")
    assert log.tree_head("a", now=0).root_hash != log.tree_head("b", now=0).root_hash
