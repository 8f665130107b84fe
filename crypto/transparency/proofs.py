"""What the service hands the phone: signed tree heads, inclusion and consistency proofs.

Hashes travel as lowercase hex. A tree head is a compact ES256 JWS of header
``typ: wallet-sth+jwt`` and claims ``sub`` (the citizen id), ``tree_size``,
``root_hash`` and ``iat`` (Unix seconds). The ``from_json`` parsers check the
shape of untrusted input only; ``crypto.transparency.verify`` checks what it proves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crypto.jose import EcPrivateKey, sign_jws
from crypto.transparency.errors import LogError, LogInconsistent
from crypto.transparency.merkle import HASH_SIZE

__all__ = [
    "TREE_HEAD_TYP",
    "ConsistencyProof",
    "InclusionProof",
    "TreeHead",
    "sign_tree_head",
    "tree_head_from_claims",
]

TREE_HEAD_TYP = "wallet-sth+jwt"
MAX_PROOF_HASHES = 128  # a tree of 2**63 leaves needs at most 64 (inclusion) or 65 (consistency)
_HEX_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class TreeHead:
    """The state of one citizen's log: its size and root hash at a time (Unix seconds)."""

    citizen_id: str
    size: int
    root_hash: bytes
    timestamp: int

    def claims(self) -> dict[str, Any]:
        """The JWS claims that sign this head."""
        return {
            "sub": self.citizen_id,
            "tree_size": self.size,
            "root_hash": self.root_hash.hex(),
            "iat": self.timestamp,
        }


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """``PATH(index, D[tree_size])``: the entry at ``index`` is in the tree of ``tree_size`` leaves."""

    index: int
    tree_size: int
    hashes: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"index": self.index, "tree_size": self.tree_size, "hashes": _hex_list(self.hashes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InclusionProof:
        """Parse the wire form (shape only); ``LogInconsistent`` if malformed."""
        if not isinstance(data, Mapping):
            raise LogInconsistent("inclusion proof is not an object")
        size = _count(data.get("tree_size"))
        return cls(_count(data.get("index")), size, _hash_list(data.get("hashes")))


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """``PROOF(first, D[second])``: the tree of ``second`` leaves extends the tree of ``first``."""

    first: int
    second: int
    hashes: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """The wire form."""
        return {"first": self.first, "second": self.second, "hashes": _hex_list(self.hashes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ConsistencyProof:
        """Parse the wire form (shape only); ``LogInconsistent`` if malformed."""
        if not isinstance(data, Mapping):
            raise LogInconsistent("consistency proof is not an object")
        first, second = _count(data.get("first")), _count(data.get("second"))
        return cls(first, second, _hash_list(data.get("hashes")))


def sign_tree_head(head: TreeHead, key: EcPrivateKey, *, kid: str | None = None) -> str:
    """The compact ES256 JWS of ``head`` (header ``typ`` ``wallet-sth+jwt``, ``kid`` when given)."""
    if len(head.root_hash) != HASH_SIZE or head.size < 0:
        raise LogError("tree head is malformed")
    return sign_jws(key, head.claims(), typ=TREE_HEAD_TYP, kid=kid)


def tree_head_from_claims(claims: Mapping[str, Any]) -> TreeHead:
    """The head carried by verified JWS claims; ``LogInconsistent`` if they are malformed."""
    citizen_id, root = claims.get("sub"), claims.get("root_hash")
    if not isinstance(citizen_id, str) or not citizen_id:
        raise LogInconsistent("tree head names no citizen")
    if not isinstance(root, str) or not _HEX_HASH.fullmatch(root):
        raise LogInconsistent("tree head root is not a hex SHA-256")
    return TreeHead(
        citizen_id, _count(claims.get("tree_size")), bytes.fromhex(root), _count(claims.get("iat"))
    )


def _count(value: object) -> int:
    if type(value) is not int or value < 0:  # bool is an int subclass: refused too
        raise LogInconsistent("a size, index or time is not a non-negative integer")
    return value


def _hash_list(value: object) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > MAX_PROOF_HASHES:
        raise LogInconsistent("proof hashes are not a list of bounded length")
    if not all(isinstance(item, str) and _HEX_HASH.fullmatch(item) for item in value):
        raise LogInconsistent("a proof hash is not a hex SHA-256")
    return tuple(bytes.fromhex(item) for item in value)


def _hex_list(hashes: tuple[bytes, ...]) -> list[str]:
    return [value.hex() for value in hashes]
