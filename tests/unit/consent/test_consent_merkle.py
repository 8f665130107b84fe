"""RFC 9162 Merkle trees: the Certificate Transparency vectors, an independent reference, properties.

``reference_*`` below transcribe the recursive definitions of RFC 9162 §2.1
literally (slices and recursion), so ``crypto.transparency.merkle``'s iterative ranges are
checked against a second implementation as well as against the published data.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consent.compact import fold, frontier, perfect_subtrees
from crypto.transparency.errors import LogError, LogInconsistent
from crypto.transparency.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    mth,
    node_hash,
    root_from_inclusion_proof,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "consent" / "rfc6962.json").read_text("utf-8")
)
LEAVES = [bytes.fromhex(leaf) for leaf in VECTORS["leaves"]]
ROOTS = {int(size): bytes.fromhex(root) for size, root in VECTORS["roots"].items()}
SOME = bytes.fromhex(VECTORS["some_hash"])
NAMED = {"empty": EMPTY_ROOT, "some": SOME} | {f"root{size}": root for size, root in ROOTS.items()}


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def reference_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + reference_mth(d[:k]) + reference_mth(d[k:]))


def reference_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*reference_path(m, d[:k]), reference_mth(d[k:])]
    return [*reference_path(m - k, d[k:]), reference_mth(d[:k])]


def reference_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [reference_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*reference_subproof(m, d[:k], b), reference_mth(d[k:])]
    return [*reference_subproof(m - k, d[k:], False), reference_mth(d[:k])]


def flipped(value: bytes, bit: int = 3) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# --- the published vectors ------------------------------------------------------------------


def test_leaf_hashes_are_level_zero_of_the_published_nodes() -> None:
    assert [leaf_hash(leaf).hex() for leaf in LEAVES] == VECTORS["node_hashes"][0]


@pytest.mark.parametrize("size", range(9))
def test_roots_of_every_size(size: int) -> None:
    assert mth(LEAVES[:size]) == ROOTS[size]
    assert subtree_root([leaf_hash(leaf) for leaf in LEAVES[:size]]) == ROOTS[size]
    assert reference_mth(LEAVES[:size]) == ROOTS[size]


def test_empty_root_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == VECTORS["roots"]["0"]


@pytest.mark.parametrize("size", range(9))
def test_frontiers_and_their_fold(size: int) -> None:
    nodes = VECTORS["node_hashes"]
    expected = [tuple(node) for node in VECTORS["frontiers"][str(size)]]
    assert frontier(size) == expected
    assert fold([bytes.fromhex(nodes[level][index]) for level, index in expected]) == ROOTS[size]


@pytest.mark.parametrize("vector", VECTORS["inclusion"], ids=lambda v: f"{v['index']}of{v['size']}")
def test_inclusion_vectors(vector: dict[str, Any]) -> None:
    index, size, path = vector["index"], vector["size"], hexes(vector["path"])
    leaves = [leaf_hash(leaf) for leaf in LEAVES[:size]]
    assert inclusion_proof(index, leaves) == path
    assert root_from_inclusion_proof(leaves[index], index, size, path) == ROOTS[size]
    verify_inclusion(leaves[index], index, size, path, ROOTS[size])


@pytest.mark.parametrize("vector", VECTORS["consistency"], ids=lambda v: f"{v['first']}to{v['second']}")
def test_consistency_vectors(vector: dict[str, Any]) -> None:
    first, second, proof = vector["first"], vector["second"], hexes(vector["proof"])
    assert consistency_proof(first, [leaf_hash(leaf) for leaf in LEAVES[:second]]) == proof
    verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


@pytest.mark.parametrize("case", VECTORS["consistency_trivial"], ids=lambda c: c.get("why", "valid"))
def test_trivial_consistency_cases(case: dict[str, Any]) -> None:
    args = (case["first"], case["second"], NAMED[case["first_root"]], NAMED[case["second_root"]])
    proof = [NAMED[name] for name in case["proof"]]
    if case["valid"]:
        verify_consistency(*args, proof)
    else:
        with pytest.raises(LogInconsistent):
            verify_consistency(*args, proof)


@pytest.mark.parametrize("vector", VECTORS["invalid_inclusion"], ids=lambda v: v["why"])
def test_invalid_inclusion_vectors(vector: dict[str, Any]) -> None:
    index, size = vector["index"], vector["size"]
    leaf = leaf_hash(LEAVES[min(index, 7)])
    with pytest.raises(LogInconsistent):
        verify_inclusion(leaf, index, size, hexes(vector["path"]), ROOTS[min(size, 8)])


@pytest.mark.parametrize("vector", VECTORS["invalid_consistency"], ids=lambda v: v["why"])
def test_invalid_consistency_vectors(vector: dict[str, Any]) -> None:
    first, second = vector["first"], vector["second"]
    with pytest.raises(LogInconsistent):
        verify_consistency(first, second, ROOTS[first], ROOTS[second], hexes(vector["proof"]))


def inclusion_probes(index: int, size: int, path: list[bytes], leaf: bytes) -> list[tuple[Any, ...]]:
    """Corruptions after proof/verify_test.go's corruptInclusionProof: every one must fail."""
    root = ROOTS[size]
    probes: list[tuple[Any, ...]] = [
        (leaf, index - 1, size, path, root),
        (leaf, index + 1, size, path, root),
        (leaf, index ^ 2, size, path, root),
        (leaf, index, size * 2, path, root),
        (leaf, index, size // 2, path, root),
        (sha(b"WrongLeaf"), index, size, path, root),
        (leaf, index, size, path, EMPTY_ROOT),
        (leaf, index, size, path, SOME),
        (leaf, index, size, [*path, root], root),
        (leaf, index, size, [root, *path], root),
        (leaf, index, size, [*path, b""], root),
    ]
    probes += [(leaf, index, size, [*path[:i], flipped(p), *path[i + 1 :]], root) for i, p in enumerate(path)]
    if path:
        probes.append((leaf, index, size, path[:-1], root))
    if len(path) > 1:
        probes.append((leaf, index, size, [path[0], SOME, *path[1:]], root))
    return probes


@pytest.mark.parametrize("vector", VECTORS["inclusion"][1:], ids=lambda v: f"{v['index']}of{v['size']}")
def test_corrupted_inclusion_proofs_fail(vector: dict[str, Any]) -> None:
    index, size, path = vector["index"], vector["size"], hexes(vector["path"])
    for probe in inclusion_probes(index, size, path, leaf_hash(LEAVES[index])):
        with pytest.raises(LogInconsistent):
            verify_inclusion(*probe)


@pytest.mark.parametrize("vector", VECTORS["consistency"][1:], ids=lambda v: f"{v['first']}to{v['second']}")
def test_corrupted_consistency_proofs_fail(vector: dict[str, Any]) -> None:
    """After proof/verify_test.go's corruptConsistencyProof."""
    first, second, proof = vector["first"], vector["second"], hexes(vector["proof"])
    r1, r2 = ROOTS[first], ROOTS[second]
    probes = [
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, SOME, r2, proof),
        (first, second, r1, SOME, proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [*proof, r2]),
        (first, second, r1, r2, [r1, *proof]),
        (first, second, r1, r2, [r2, *proof]),
        (first, second, r1, r2, [proof[0], *proof]),
        (first, second, r1, r2, proof[:-1]),
    ]
    probes += [
        (first, second, r1, r2, [*proof[:i], flipped(p, 4), *proof[i + 1 :]]) for i, p in enumerate(proof)
    ]
    for probe in probes:
        with pytest.raises(LogInconsistent):
            verify_consistency(*probe)


# --- generation against the reference, and misuse ------------------------------------------


@pytest.mark.parametrize("size", range(1, 9))
def test_every_proof_of_the_vector_tree_matches_the_reference(size: int) -> None:
    data = LEAVES[:size]
    leaves = [leaf_hash(leaf) for leaf in data]
    for index in range(size):
        assert inclusion_proof(index, leaves) == reference_path(index, data)
    for first in range(1, size):
        assert consistency_proof(first, leaves) == reference_subproof(first, data, True)


def test_ranges_refuse_what_rfc_9162_leaves_undefined() -> None:
    with pytest.raises(LogError) as raised:
        inclusion_ranges(3, 3)
    assert raised.value.code == "log_error"
    with pytest.raises(LogError):
        inclusion_ranges(-1, 3)
    with pytest.raises(LogError):
        consistency_ranges(4, 3)
    assert consistency_ranges(0, 5) == consistency_ranges(5, 5) == []


def test_verification_errors_carry_one_code() -> None:
    with pytest.raises(LogInconsistent) as raised:
        verify_inclusion(leaf_hash(b""), 0, 1, [], SOME)
    assert raised.value.code == "log_inconsistent"
    assert isinstance(raised.value, LogError)


@pytest.mark.parametrize("bad", [b"", b"\x00" * 31, b"\x00" * 33, "00" * 32])
def test_hashes_of_the_wrong_size_or_type_fail(bad: Any) -> None:
    leaf = leaf_hash(LEAVES[0])
    with pytest.raises(LogInconsistent):
        verify_inclusion(bad, 0, 1, [], leaf)
    with pytest.raises(LogInconsistent):
        verify_inclusion(leaf, 0, 1, [], bad)
    with pytest.raises(LogInconsistent):
        verify_inclusion(leaf, 0, 2, [bad], ROOTS[2])
    with pytest.raises(LogInconsistent):
        verify_consistency(1, 2, ROOTS[1], ROOTS[2], [bad])


def test_perfect_subtrees_of_rfc_shaped_ranges_fold_to_their_hash() -> None:
    leaves = [sha(bytes([i])) for i in range(37)]
    for size in range(1, 38):
        for start, end in inclusion_ranges(size - 1, size) + consistency_ranges(size // 2, size):
            covered = perfect_subtrees(start, end)
            hashes = [subtree_root(leaves[i << lv : (i + 1) << lv]) for lv, i in covered]
            assert fold(hashes) == subtree_root(leaves[start:end])
            assert len(covered) <= size.bit_length()


def test_node_hash_is_domain_separated_from_leaf_hash() -> None:
    left, right = sha(b"l"), sha(b"r")
    assert node_hash(left, right) == sha(b"\x01" + left + right)
    assert leaf_hash(left + right) != node_hash(left, right)


# --- properties -----------------------------------------------------------------------------

trees = st.lists(st.binary(max_size=16), min_size=1, max_size=64)


@settings(max_examples=60, deadline=None)
@given(data=trees)
def test_every_inclusion_proof_verifies(data: list[bytes]) -> None:
    leaves = [leaf_hash(entry) for entry in data]
    root = mth(data)
    for index, leaf in enumerate(leaves):
        verify_inclusion(leaf, index, len(leaves), inclusion_proof(index, leaves), root)


@settings(max_examples=60, deadline=None)
@given(data=trees)
def test_every_consistency_proof_verifies(data: list[bytes]) -> None:
    leaves = [leaf_hash(entry) for entry in data]
    second = len(leaves)
    for first in range(second + 1):
        proof = consistency_proof(first, leaves)
        verify_consistency(first, second, subtree_root(leaves[:first]), subtree_root(leaves), proof)


@settings(max_examples=200, deadline=None)
@given(data=trees, pick=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=255))
def test_an_altered_leaf_or_proof_hash_fails_inclusion(data: list[bytes], pick: int, bit: int) -> None:
    leaves = [leaf_hash(entry) for entry in data]
    index = pick % len(leaves)
    proof = inclusion_proof(index, leaves)
    root = subtree_root(leaves)

    def flip(value: bytes) -> bytes:
        altered = bytearray(value)
        altered[bit // 8] ^= 1 << (bit % 8)
        return bytes(altered)

    with pytest.raises(LogInconsistent):
        verify_inclusion(flip(leaves[index]), index, len(leaves), proof, root)
    with pytest.raises(LogInconsistent):
        verify_inclusion(leaf_hash(data[index] + b"!"), index, len(leaves), proof, root)
    if proof:
        at = pick % len(proof)
        with pytest.raises(LogInconsistent):
            verify_inclusion(
                leaves[index], index, len(leaves), [*proof[:at], flip(proof[at]), *proof[at + 1 :]], root
            )


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.binary(max_size=16), min_size=2, max_size=64),
    pick=st.integers(min_value=0),
    bit=st.integers(min_value=0, max_value=255),
)
def test_rewritten_history_or_an_altered_proof_hash_fails_consistency(
    data: list[bytes], pick: int, bit: int
) -> None:
    leaves = [leaf_hash(entry) for entry in data]
    second = len(leaves)
    first = 1 + pick % (second - 1)
    old_root = subtree_root(leaves[:first])
    victim = (pick // second) % first  # an entry the old tree head already covers
    rewritten = [*leaves[:victim], leaf_hash(data[victim] + b"!"), *leaves[victim + 1 :]]
    with pytest.raises(LogInconsistent):
        proof = consistency_proof(first, rewritten)
        verify_consistency(first, second, old_root, subtree_root(rewritten), proof)
    proof = consistency_proof(first, leaves)
    at = pick % len(proof)
    altered = bytearray(proof[at])
    altered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(LogInconsistent):
        bad = [*proof[:at], bytes(altered), *proof[at + 1 :]]
        verify_consistency(first, second, old_root, subtree_root(leaves), bad)
