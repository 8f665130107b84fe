"""Perfect subtrees: how a log stores its Merkle tree so that any proof costs O(log n) reads.

Node ``(level, index)`` is the hash of the perfect subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes.
A node is written once, when its last leaf is appended, and never changes.
Every range that RFC 9162 hashes (the tree, and each range named by
``crypto.transparency.merkle.inclusion_ranges`` / ``consistency_ranges``) starts at a
multiple of a power of two at least its size, so it splits into at most
``log2(n) + 1`` perfect subtrees, largest first, whose right fold is its hash.
The perfect subtrees of ``[0, n)`` (one per set bit of ``n``) are the
*frontier*: all an append needs to know.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crypto.transparency.merkle import EMPTY_ROOT, node_hash

__all__ = ["NodeId", "StoredNode", "extend", "fold", "frontier", "perfect_subtrees"]

NodeId = tuple[int, int]  # (level, index)
StoredNode = tuple[int, int, bytes]  # (level, index, hash), level >= 1


def perfect_subtrees(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees covering ``[start, end)`` left to right, each as large as alignment allows."""
    nodes: list[NodeId] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)  # start's alignment
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def frontier(size: int) -> list[NodeId]:
    """The perfect subtrees of a tree of ``size`` leaves, largest first."""
    return perfect_subtrees(0, size)


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its perfect subtrees, largest first: a right fold of node hashes."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


def extend(
    size: int, frontier_hashes: Sequence[bytes], leaf_hashes: Iterable[bytes]
) -> tuple[list[StoredNode], list[bytes]]:
    """Append leaves to a tree given by its frontier: the interior nodes completed, the new frontier.

    Like a binary counter: the leaf at an odd index completes its parent, and so on
    up while the index stays odd. O(1) amortised hashes per leaf, no reads.
    """
    stack = list(frontier_hashes)
    completed: list[StoredNode] = []
    for value in leaf_hashes:
        index, level = size, 0
        while index & 1:
            value = node_hash(stack.pop(), value)
            index, level = index >> 1, level + 1
            completed.append((level, index, value))
        stack.append(value)
        size += 1
    return completed, stack
