"""What a mandate covers, and the one predicate every decision under a mandate goes through.

A scope names three lists, each checked against its catalog when granted:
``documents`` (document types the delegate may read), ``procedures``
(procedure codes whose consent requests the delegate may answer) and
``credentials`` (credential types the delegate may fetch to present). Nothing
else is ever covered: not devices, not erasure, not mandates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from consent import document_types
from consent.procedures import procedures
from wallet_api.mandates.errors import InvalidMandate

Kind = Literal["documents", "procedures", "credentials"]
KINDS: tuple[Kind, ...] = ("documents", "procedures", "credentials")
MAX_ITEMS = 32


@dataclass(frozen=True, slots=True)
class Scope:
    """Document types to read, procedures whose consents to answer, credential types to present."""

    documents: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()

    def covers(self, kind: Kind, value: str) -> bool:
        """The one scope predicate: ``value`` (a type or a procedure code) is listed under ``kind``."""
        return value in getattr(self, kind)

    def to_json(self) -> str:
        """Canonical JSON, as stored."""
        body = {kind: sorted(getattr(self, kind)) for kind in KINDS}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Scope:
        """The stored scope."""
        data = json.loads(text)
        return cls(*(tuple(data.get(kind, ())) for kind in KINDS))


def checked_scope(
    documents: Sequence[str], procedure_codes: Sequence[str], credentials: Sequence[str]
) -> Scope:
    """A scope whose every entry is in its catalog and which covers something; ``InvalidMandate`` if not."""
    types, codes = document_types(), procedures()
    lists = (
        tuple(dict.fromkeys(documents)),
        tuple(dict.fromkeys(procedure_codes)),
        tuple(dict.fromkeys(credentials)),
    )
    if not any(lists):
        raise InvalidMandate(reason_vi="phạm vi uỷ quyền trống", reason_en="the scope is empty")
    if any(len(items) > MAX_ITEMS for items in lists):
        raise InvalidMandate(reason_vi="phạm vi quá dài", reason_en="the scope lists too many items")
    unknown = [t for t in (*lists[0], *lists[2]) if t not in types] + [c for c in lists[1] if c not in codes]
    if unknown:
        name = unknown[0][:64]
        raise InvalidMandate(
            reason_vi=f"không có loại giấy tờ hay thủ tục '{name}'",
            reason_en=f"no document type or procedure '{name}'",
        )
    return Scope(*lists)


@dataclass(frozen=True, slots=True)
class Grant:
    """What the grantor asks for."""

    delegate_cccd: str
    scope: Scope
    valid_from: dt.datetime | None
    valid_until: dt.datetime
