"""The citizen's access log as a client checks it: RFC 9162 Merkle proofs and signed tree heads.

Pure (hashes and ES256 only), so the phone verifies its log with the same code the
server proves it with; the stored tree lives in ``consent.log`` on the server side.
"""

from crypto.transparency.entry import ENTRY_VERSION, AccessAction, AccessEntry, parse_entry
from crypto.transparency.errors import InvalidLogEntry, LogBusy, LogCorrupted, LogError, LogInconsistent
from crypto.transparency.proofs import (
    TREE_HEAD_TYP,
    ConsistencyProof,
    InclusionProof,
    TreeHead,
    sign_tree_head,
    tree_head_from_claims,
)
from crypto.transparency.verify import verify_entry, verify_head_consistency, verify_tree_head
from crypto.transparency.wording import ACTING_FOR, NO_PROCEDURE, ON_BEHALF, VIETNAM, TypeNames, describe

__all__ = [
    "ACTING_FOR",
    "ENTRY_VERSION",
    "NO_PROCEDURE",
    "ON_BEHALF",
    "TREE_HEAD_TYP",
    "VIETNAM",
    "AccessAction",
    "AccessEntry",
    "ConsistencyProof",
    "InclusionProof",
    "InvalidLogEntry",
    "LogBusy",
    "LogCorrupted",
    "LogError",
    "LogInconsistent",
    "TreeHead",
    "TypeNames",
    "describe",
    "parse_entry",
    "sign_tree_head",
    "tree_head_from_claims",
    "verify_entry",
    "verify_head_consistency",
    "verify_tree_head",
]
