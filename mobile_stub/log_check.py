"""The phone's check of its access log: signed heads, consistency with the last head seen, inclusion.

The phone remembers the last tree head it accepted in ``log_head.json`` (mode
0600, next to the device key). Reading the log, it checks the new head's
signature against the service's published key, that the log grew from the
remembered head without any entry removed or rewritten (consistency proof),
that every entry it shows is in the tree (inclusion proof over the exact bytes
it received, which it words itself), and that no index is missing. Only then
does it remember the new head. Any failure is ``LogTampered``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crypto import CryptoError, EcPublicKey, public_key_from_jwk, unverified_header
from crypto.transparency import (
    AccessEntry,
    ConsistencyProof,
    InclusionProof,
    InvalidLogEntry,
    LogInconsistent,
    TreeHead,
    parse_entry,
    verify_entry,
    verify_head_consistency,
    verify_tree_head,
)
from mobile_stub.consent_client import ConsentClient
from mobile_stub.device import read_private, write_private
from mobile_stub.errors import MobileError, WalletError

HEAD_FILE = "log_head.json"
PAGE = 1000


class LogTampered(MobileError):
    """The access log failed a check: an entry was altered, removed or the history rewritten."""

    code = "log_tampered"


@dataclass(frozen=True, slots=True)
class CheckedLog:
    """Entries proved against a head that extends the one remembered before."""

    head: TreeHead
    previous_size: int
    entries: list[tuple[int, AccessEntry]]
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    procedure_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def type_name(self, type_id: str) -> tuple[str, str] | None:
        """The server's label of a document type; the verified entry says only its id."""
        return self.labels.get(type_id)

    def procedure_name(self, code: str) -> tuple[str, str] | None:
        """The server's name of a procedure; the verified entry says only its code."""
        return self.procedure_labels.get(code)


def _head_path(client: ConsentClient) -> Path:
    return client.device.home / HEAD_FILE


def load_head(client: ConsentClient) -> TreeHead | None:
    """The last head this phone accepted, if any."""
    try:
        data = json.loads(read_private(_head_path(client)))
        return TreeHead(data["citizen_id"], int(data["tree_size"]), bytes.fromhex(data["root_hash"]), 0)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        raise LogTampered("the remembered tree head is unreadable", subject=str(_head_path(client))) from None


def save_head(client: ConsentClient, head: TreeHead, token: str) -> None:
    """Remember ``head`` (atomically, 0600)."""
    path = _head_path(client)
    data = {
        "citizen_id": head.citizen_id,
        "tree_size": head.size,
        "root_hash": head.root_hash.hex(),
        "sth": token,
    }
    write_private(path, json.dumps(data).encode())


def remembered_sth(client: ConsentClient) -> str:
    """The service-signed head this phone last accepted (what it vouches for when pairing)."""
    try:
        data = json.loads(read_private(_head_path(client)))
        return str(data["sth"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        raise LogTampered("no verified tree head to vouch for", subject=str(_head_path(client))) from None


def service_key(client: ConsentClient, token: str) -> EcPublicKey:
    kid = unverified_header(token).get("kid")
    for jwk in client.service_jwks().get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return public_key_from_jwk({k: jwk.get(k) for k in ("kty", "crv", "x", "y")})
    raise LogTampered("the tree head is signed by an unknown key")


def _page(client: ConsentClient, citizen_id: str, start: int) -> tuple[TreeHead, str, list[dict[str, Any]]]:
    try:
        page = client.log_page(start, PAGE)
    except WalletError as exc:
        if exc.code == "access_log_corrupted":
            raise LogTampered("the server found its stored log damaged") from None
        raise
    token = str(page.get("tree_head", ""))
    head = verify_tree_head(token, service_key(client, token), citizen_id=citizen_id)
    if int(page.get("tree_size", -1)) != head.size:
        raise LogInconsistent("page size differs from its signed head")
    entries = page.get("entries")
    return head, token, entries if isinstance(entries, list) else []


def _entries(head: TreeHead, start: int, raw: list[dict[str, Any]]) -> list[tuple[int, AccessEntry]]:
    """Every entry of ``[start, min(start + PAGE, size))``, each proved against ``head``; none missing."""
    expected = list(range(start, min(start + PAGE, head.size)))
    if [item.get("index") for item in raw] != expected:
        raise LogInconsistent("entries are missing or out of order")
    proved = []
    for item in raw:
        index = int(item["index"])
        proof = InclusionProof.from_json(item.get("inclusion", {}))
        proved.append((index, verify_entry(head, index, str(item.get("data", "")), proof)))
    return proved


def _labels(
    raw: list[dict[str, Any]], into: dict[str, tuple[str, str]], procedures: dict[str, tuple[str, str]]
) -> None:
    """Type and procedure names the server sent next to each proved entry (words only: ids and
    codes come from the proof)."""
    for item in raw:
        try:
            entry = parse_entry(str(item.get("data", "")))
        except InvalidLogEntry:
            continue
        for key, target, names in (
            (entry.resource_type, into, item.get("type_names")),
            (entry.procedure_code, procedures, item.get("procedure_names")),
        ):
            if isinstance(names, list) and len(names) == 2 and all(isinstance(n, str) for n in names):
                target.setdefault(key, (names[0], names[1]))


def _consistent(client: ConsentClient, old: TreeHead | None, new: TreeHead) -> None:
    if old is None or old.size == 0:
        return
    if old.citizen_id != new.citizen_id or new.size < old.size:
        raise LogInconsistent("the log shrank or belongs to someone else")
    if old.size == new.size:
        if old.root_hash != new.root_hash:
            raise LogInconsistent("the same size with another root: history rewritten")
        return
    proof = ConsistencyProof.from_json(client.consistency(old.size, new.size))
    verify_head_consistency(old, new, proof)


def check_log(client: ConsentClient, citizen_id: str) -> CheckedLog:
    """Read and check the whole log; remember the new head only if every check passed."""
    old = load_head(client)
    try:
        head, token, raw = _page(client, citizen_id, 0)
        _consistent(client, old, head)
        entries = _entries(head, 0, raw)
        labels: dict[str, tuple[str, str]] = {}
        procedures: dict[str, tuple[str, str]] = {}
        _labels(raw, labels, procedures)
        while len(entries) < head.size:
            page_head, _, more = _page(client, citizen_id, len(entries))
            _consistent(client, head, page_head)  # appends in between extend, never rewrite
            entries += _entries(page_head, len(entries), more)[: head.size - len(entries)]
            _labels(more, labels, procedures)
    except (LogInconsistent, CryptoError, KeyError, TypeError, ValueError, AttributeError) as exc:
        # A page the server shaped wrongly is as untrustworthy as a failed proof: report, never crash.
        raise LogTampered(str(exc)) from None
    save_head(client, head, token)
    return CheckedLog(head, old.size if old else 0, entries, labels, procedures)
