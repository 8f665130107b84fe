"""The phone's checks: signed tree heads, entries against a head, heads against each other; tampering."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from consent.log import AccessLog
from consent.log_memory import MemoryLogStore
from crypto import generate_private_key, sign_jws
from crypto.transparency.errors import LogInconsistent
from crypto.transparency.merkle import EMPTY_ROOT, leaf_hash
from crypto.transparency.proofs import (
    TREE_HEAD_TYP,
    ConsistencyProof,
    InclusionProof,
    TreeHead,
    sign_tree_head,
)
from crypto.transparency.verify import verify_entry, verify_head_consistency, verify_tree_head
from tests.unit.consent.test_consent_store_contract import Phone, access

KEY = generate_private_key()
PUBLIC = KEY.public_key()
ROOT = leaf_hash(b"root")


def service(n: int, citizen: str = "c") -> tuple[AccessLog, MemoryLogStore]:
    store = MemoryLogStore()
    log = AccessLog(store)
    if n:
        log.append_many(citizen, [access(i, citizen) for i in range(n)])
    return log, store


# --- tree heads -------------------------------------------------------------------------------


def test_a_signed_head_round_trips() -> None:
    head = TreeHead("c", 5, ROOT, 1_767_225_600)
    assert verify_tree_head(sign_tree_head(head, KEY, kid="k"), PUBLIC, citizen_id="c") == head


def claims(**changes: Any) -> dict[str, Any]:
    return TreeHead("c", 5, ROOT, 1_767_225_600).claims() | changes


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            lambda: sign_tree_head(TreeHead("c", 5, ROOT, 1), generate_private_key()), id="other key"
        ),
        pytest.param(lambda: sign_tree_head(TreeHead("d", 5, ROOT, 1), KEY), id="other citizen"),
        pytest.param(lambda: sign_jws(KEY, claims(), typ="dpop+jwt"), id="other typ"),
        pytest.param(lambda: sign_jws(KEY, claims(tree_size=-1), typ=TREE_HEAD_TYP), id="negative size"),
        pytest.param(lambda: sign_jws(KEY, claims(tree_size=True), typ=TREE_HEAD_TYP), id="bool size"),
        pytest.param(lambda: sign_jws(KEY, claims(tree_size="5"), typ=TREE_HEAD_TYP), id="text size"),
        pytest.param(lambda: sign_jws(KEY, claims(iat=1.5), typ=TREE_HEAD_TYP), id="float time"),
        pytest.param(
            lambda: sign_jws(KEY, claims(root_hash=ROOT.hex().upper()), typ=TREE_HEAD_TYP), id="HEX"
        ),
        pytest.param(lambda: sign_jws(KEY, claims(root_hash=ROOT.hex()[:62]), typ=TREE_HEAD_TYP), id="short"),
        pytest.param(lambda: sign_jws(KEY, claims(sub=""), typ=TREE_HEAD_TYP), id="no citizen"),
        pytest.param(lambda: sign_jws(KEY, claims(tree_size=0), typ=TREE_HEAD_TYP), id="empty, root not H()"),
        pytest.param(lambda: "not.a.jws", id="malformed"),
        pytest.param(
            lambda: sign_tree_head(TreeHead("c", 5, ROOT, 1), KEY)[:-4] + "AAAA", id="signature altered"
        ),
    ],
)
def test_bad_heads_are_refused(token: Any) -> None:
    with pytest.raises(LogInconsistent) as raised:
        verify_tree_head(token(), PUBLIC, citizen_id="c")
    assert raised.value.code == "log_inconsistent"


def test_the_empty_head_verifies() -> None:
    token = sign_tree_head(TreeHead("c", 0, EMPTY_ROOT, 3), KEY)
    assert verify_tree_head(token, PUBLIC, citizen_id="c").size == 0


# --- entries and heads ------------------------------------------------------------------------


def test_entry_checks_bind_index_size_and_bytes() -> None:
    log, _ = service(7)
    head = log.tree_head("c", now=1)
    logged = log.entries("c", 4, 5)[0]
    proof = log.inclusion_proof("c", 4, 7)
    assert verify_entry(head, 4, logged.data, proof) == access(4)
    tampered = logged.data.replace("Khám bệnh", "Khám sức khỏe")
    other = log.inclusion_proof("c", 3, 7)
    for index, data, bad in (
        (3, logged.data, proof),
        (4, logged.data, other),
        (4, tampered, proof),
        (4, logged.data, replace(proof, tree_size=6)),
        (4, logged.data, log.inclusion_proof("c", 4, 6)),
        (4, logged.data + " ", proof),
    ):
        with pytest.raises(LogInconsistent):
            verify_entry(head, index, data, bad)


def test_a_leaf_that_hashes_right_but_is_no_entry_is_refused() -> None:
    store = MemoryLogStore()
    log = AccessLog(store)
    log.append("c", access(0))
    store.logs.clear()
    # A service that logged something not an entry at all, honestly proven:
    data = '{"hello":"world"}'
    assert store.append("c", 0, [(0, data, leaf_hash(data.encode()))], [], leaf_hash(data.encode()))
    head = log.tree_head("c", now=1)
    with pytest.raises(LogInconsistent):
        verify_entry(head, 0, data, log.inclusion_proof("c", 0, 1))


def test_heads_are_consistent_only_when_the_log_grew_honestly() -> None:
    log, _ = service(5)
    old = log.tree_head("c", now=1)
    log.append_many("c", [access(n) for n in range(5, 13)])
    new = log.tree_head("c", now=2)
    proof = log.consistency_proof("c", 5, 13)
    verify_head_consistency(old, new, proof)
    verify_head_consistency(new, new, log.consistency_proof("c", 13, 13))
    for first, second, bad in (
        (new, old, proof),  # backwards
        (old, replace(new, citizen_id="d"), proof),
        (old, new, replace(proof, first=4)),
        (old, new, replace(proof, second=12)),
        (old, new, log.consistency_proof("c", 5, 12)),
        (old, replace(new, root_hash=ROOT), proof),
    ):
        with pytest.raises(LogInconsistent):
            verify_head_consistency(first, second, bad)


def test_proofs_round_trip_through_json() -> None:
    log, _ = service(11)
    inclusion = log.inclusion_proof("c", 6, 11)
    consistency = log.consistency_proof("c", 3, 11)
    assert InclusionProof.from_json(inclusion.to_json()) == inclusion
    assert ConsistencyProof.from_json(consistency.to_json()) == consistency
    assert inclusion.to_json()["hashes"][0] == inclusion.hashes[0].hex()


@pytest.mark.parametrize(
    "wire",
    [
        [],
        {"index": 1, "tree_size": 2},
        {"index": 1, "tree_size": 2, "hashes": "00"},
        {"index": 1, "tree_size": 2, "hashes": ["00" * 31]},
        {"index": 1, "tree_size": 2, "hashes": ["AB" * 32]},
        {"index": 1, "tree_size": 2, "hashes": [7]},
        {"index": 1, "tree_size": 2, "hashes": ["00" * 32] * 129},
        {"index": -1, "tree_size": 2, "hashes": []},
        {"index": True, "tree_size": 2, "hashes": []},
        {"index": 1, "tree_size": "2", "hashes": []},
    ],
)
def test_malformed_inclusion_proofs_are_refused(wire: Any) -> None:
    with pytest.raises(LogInconsistent):
        InclusionProof.from_json(wire)


@pytest.mark.parametrize(
    "wire", [None, {"first": 1, "hashes": []}, {"first": 1, "second": 2.0, "hashes": []}]
)
def test_malformed_consistency_proofs_are_refused(wire: Any) -> None:
    with pytest.raises(LogInconsistent):
        ConsistencyProof.from_json(wire)


# --- tampering with the stored log, seen by a phone that saw an earlier head -----------------


def phone_after(n: int) -> tuple[Phone, AccessLog, MemoryLogStore]:
    log, store = service(n)
    phone = Phone(log, KEY, "c")
    phone.refresh()
    return phone, log, store


def test_an_entry_rewritten_in_place_fails_inclusion() -> None:
    phone, _, store = phone_after(10)
    stored = store.logs["c"]
    stored.data[3] = stored.data[3].replace("agency-0", "agency-2")
    with pytest.raises(LogInconsistent):
        phone.read(3)
    phone.read(4)  # the others still check


def test_an_entry_rewritten_with_its_leaf_hash_fails_inclusion() -> None:
    phone, _, store = phone_after(10)
    stored = store.logs["c"]
    stored.data[3] = stored.data[3].replace("agency-0", "agency-2")
    stored.nodes[0, 3] = leaf_hash(stored.data[3].encode())
    with pytest.raises(LogInconsistent):
        phone.read(3)


def test_a_history_rebuilt_without_an_entry_fails_consistency() -> None:
    phone, log, store = phone_after(10)
    kept = [logged.entry for logged in log.entries("c", 0, 10) if logged.index != 3]
    store.erase("c")  # whoever controls the database rebuilds the tree, and pads it back to 10
    log.append_many("c", [*kept, access(99)])
    with pytest.raises(LogInconsistent):
        phone.refresh()


def test_a_truncated_log_fails_consistency() -> None:
    phone, log, store = phone_after(10)
    kept = [logged.entry for logged in log.entries("c", 0, 8)]
    store.erase("c")
    log.append_many("c", kept)
    with pytest.raises(LogInconsistent):
        phone.refresh()


def test_a_deleted_entry_row_cannot_be_shown_or_proven() -> None:
    phone, _, store = phone_after(10)
    del store.logs["c"].data[3]
    del store.logs["c"].nodes[0, 3]
    with pytest.raises(LogInconsistent):
        phone.read(3)
    with pytest.raises(LogInconsistent):
        phone.read(2)  # its proof needed leaf 3


def test_honest_growth_after_tampering_elsewhere_still_checks() -> None:
    phone, log, _ = phone_after(10)
    log.append_many("c", [access(n) for n in range(10, 20)])
    assert phone.refresh().size == 20
    assert phone.read(15) == access(15)
