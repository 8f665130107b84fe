"""RFC 9162 §2.1 Merkle trees over SHA-256: hashes, proofs and their verification.

Pure functions, no I/O. Leaf hash ``H(0x00 || data)``, node hash
``H(0x01 || left || right)``, ``MTH({}) = H()``. Proof generation is written
once, as the list of leaf ranges ``[start, end)`` whose subtree hashes form
``PATH`` (§2.1.3.1) or ``PROOF`` (§2.1.4.1); the list functions below fill them
from leaf hashes in memory, ``consent.log`` from stored perfect subtrees.
Verification follows the algorithms of §2.1.3.2 and §2.1.4.2 step by step and
raises ``LogInconsistent`` on any failure.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from crypto.transparency.errors import LogError, LogInconsistent

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "consistency_ranges",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "mth",
    "node_hash",
    "root_from_inclusion_proof",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

Range = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """``HASH(0x00 || data)``: the hash of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``HASH(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` > 1): RFC 9162's ``k``."""
    return 1 << ((size - 1).bit_length() - 1)


def subtree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a list of leaves given by their leaf hashes."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        # Pairing left to right and promoting an odd last node gives RFC 9162's left-heavy tree.
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def mth(entries: Sequence[bytes]) -> bytes:
    """``MTH(D[n])`` of RFC 9162 §2.1.1 over the entries' data."""
    return subtree_root([leaf_hash(entry) for entry in entries])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose subtree hashes form ``PATH(index, D[size])``, in proof order."""
    if not 0 <= index < size:
        raise LogError("leaf index outside the tree")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:  # PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the deepest sibling comes first
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The leaf ranges whose subtree hashes form ``PROOF(first, D[second])``, in proof order.

    Empty when ``first`` is 0 or equal to ``second``: there is nothing to prove.
    """
    if not 0 <= first <= second:
        raise LogError("consistency proof between sizes out of order")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    start, end, whole = 0, second, True  # whole: RFC 9162's flag b
    while first != end:  # until SUBPROOF(m, D[m], b): the old tree is the whole range
        k = _split(end - start)
        if first - start <= k:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            ranges.append((start + k, end))
            end = start + k
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            ranges.append((start, start + k))
            start, whole = start + k, False
    if not whole:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """``PATH(index, D[n])`` computed from all ``n`` leaf hashes (a reference; O(n))."""
    ranges = inclusion_ranges(index, len(leaf_hashes))
    return [subtree_root(leaf_hashes[start:end]) for start, end in ranges]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """``PROOF(first, D[n])`` computed from all ``n`` leaf hashes (a reference; O(n))."""
    ranges = consistency_ranges(first, len(leaf_hashes))
    return [subtree_root(leaf_hashes[start:end]) for start, end in ranges]


def _require_hashes(*hashes: object) -> None:
    for value in hashes:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise LogInconsistent("a hash is not 32 bytes")


def _shift_to_set_bit(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift both until either LSB(fn) is set or fn is 0."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` at ``index`` in a tree of ``size`` (§2.1.3.2)."""
    _require_hashes(leaf, *proof)
    if not 0 <= index < size:  # 1. leaf_index >= tree_size: fail
        raise LogInconsistent("leaf index outside the tree")
    fn, sn = index, size - 1  # 2.
    r = leaf  # 3.
    for p in proof:  # 4.
        if sn == 0:  # a.
            raise LogInconsistent("inclusion proof too long")
        if fn & 1 or fn == sn:  # b.
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_to_set_bit(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # c.
    if sn != 0:  # 5. sn must be 0
        raise LogInconsistent("inclusion proof too short")
    return r


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` is at ``index`` of the tree of ``size`` leaves and root ``root``."""
    _require_hashes(root)
    if not hmac.compare_digest(root_from_inclusion_proof(leaf, index, size, proof), root):
        raise LogInconsistent("inclusion proof does not lead to the root")


def _consistency_roots(
    first: int, second: int, first_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """``(fr, sr)`` of RFC 9162 §2.1.4.2 for ``0 < first < second``."""
    if not proof:  # 1.
        raise LogInconsistent("empty consistency proof")
    path = list(proof)
    if first & (first - 1) == 0:  # 2. first is an exact power of 2
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1  # 3.
    while fn & 1:  # 4.
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5.
    for c in path[1:]:  # 6.
        if sn == 0:  # a.
            raise LogInconsistent("consistency proof too long")
        if fn & 1 or fn == sn:  # b.
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_to_set_bit(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1  # c.
    if sn != 0:  # 7. (with the root comparisons of the caller)
        raise LogInconsistent("consistency proof too short")
    return fr, sr


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``second`` leaves extends the tree of ``first`` leaves (§2.1.4.2).

    Beyond the RFC's ``0 < first < second``: equal sizes need an empty proof and
    equal roots; size 0 (root ``H()``) is a prefix of every tree, with an empty proof.
    """
    _require_hashes(first_root, second_root, *proof)
    if not 0 <= first <= second:
        raise LogInconsistent("the log shrank")
    if first == second or first == 0:
        expected = second_root if first == second else EMPTY_ROOT
        if proof or not hmac.compare_digest(first_root, expected):
            raise LogInconsistent("trivial consistency proof does not hold")
        return
    fr, sr = _consistency_roots(first, second, first_root, proof)
    if not hmac.compare_digest(fr + sr, first_root + second_root):
        raise LogInconsistent("consistency proof does not lead to both roots")
