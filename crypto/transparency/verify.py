"""The phone's checks: they need only what the service sends and the service's public key.

The phone keeps the last tree head it accepted. For a new head it checks the
signature, then a consistency proof from the old head (nothing was removed or
rewritten); for each entry it shows, an inclusion proof against the head. Every
failure is the same opaque ``LogInconsistent``.
"""

from __future__ import annotations

from crypto.errors import InvalidSignature
from crypto.jose import EcPublicKey, verify_jws
from crypto.transparency.entry import AccessEntry, parse_entry
from crypto.transparency.errors import InvalidLogEntry, LogInconsistent
from crypto.transparency.merkle import EMPTY_ROOT, leaf_hash, verify_consistency, verify_inclusion
from crypto.transparency.proofs import (
    TREE_HEAD_TYP,
    ConsistencyProof,
    InclusionProof,
    TreeHead,
    tree_head_from_claims,
)

__all__ = ["verify_entry", "verify_head_consistency", "verify_tree_head"]


def verify_tree_head(token: str, key: EcPublicKey, *, citizen_id: str) -> TreeHead:
    """The head signed in ``token`` by ``key`` for ``citizen_id``'s log."""
    try:
        claims = verify_jws(token, key, typ=TREE_HEAD_TYP)
    except InvalidSignature:
        raise LogInconsistent("tree head signature is not valid") from None
    head = tree_head_from_claims(claims)
    if head.citizen_id != citizen_id:
        raise LogInconsistent("tree head is for another citizen's log")
    if head.size == 0 and head.root_hash != EMPTY_ROOT:
        raise LogInconsistent("empty tree head with a root other than H()")
    return head


def verify_entry(head: TreeHead, index: int, data: str, proof: InclusionProof) -> AccessEntry:
    """The entry whose canonical JSON ``data`` is leaf ``index`` of the tree that ``head`` signs."""
    if proof.index != index or proof.tree_size != head.size:
        raise LogInconsistent("inclusion proof is for another leaf or tree size")
    verify_inclusion(leaf_hash(data.encode()), index, head.size, proof.hashes, head.root_hash)
    try:
        return parse_entry(data)
    except InvalidLogEntry:
        raise LogInconsistent("logged entry is malformed") from None


def verify_head_consistency(old: TreeHead, new: TreeHead, proof: ConsistencyProof) -> None:
    """Check that ``new`` extends ``old``: the same log, no entry removed or changed."""
    if old.citizen_id != new.citizen_id:
        raise LogInconsistent("tree heads of different logs")
    if (proof.first, proof.second) != (old.size, new.size):
        raise LogInconsistent("consistency proof is for other tree sizes")
    verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof.hashes)
