"""Consent policy: what an agency may ask for, what a citizen's approval may cover, when a pull may run.

Pure decisions, no I/O. A request names a procedure and items (a document type
and, for credentials, claims); naming only the procedure asks for every type it
accepts. An approval picks, for requested items, one of the citizen's own
credentials or documents of that type; it never covers more than was asked: a
claim not requested, a whole document when only claims were asked for, a
resource of another type. Every refusal is a ``PolicyError`` with a stable code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from consent.catalog import document_types
from consent.procedures import Procedure, procedures
from crypto import disclosure_name

__all__ = [
    "KINDS",
    "ApprovalExceedsRequest",
    "ApprovedItem",
    "InvalidItems",
    "PolicyError",
    "RequestedItem",
    "TypeNotForProcedure",
    "UnknownClaim",
    "UnknownDocumentType",
    "UnknownProcedure",
    "approved_items",
    "keep_disclosures",
    "procedure",
    "refusal",
    "requested_items",
]

KINDS = ("credential", "document")
MAX_ITEMS = 20


class PolicyError(Exception):
    """Base of the consent policy's refusals; ``params`` fill the problem's message."""

    code: ClassVar[str] = "consent_policy"

    def __init__(self, **params: str) -> None:
        super().__init__(self.code)
        self.params = params


class UnknownProcedure(PolicyError):
    """The procedure code is not in the catalog."""

    code: ClassVar[str] = "unknown_procedure"


class UnknownDocumentType(PolicyError):
    """A requested document type is not in the catalog."""

    code: ClassVar[str] = "unknown_document_type"


class UnknownClaim(PolicyError):
    """A requested claim is not a claim of its document type."""

    code: ClassVar[str] = "unknown_claim"


class TypeNotForProcedure(PolicyError):
    """The procedure does not accept that document type (purpose limitation)."""

    code: ClassVar[str] = "type_not_for_procedure"


class InvalidItems(PolicyError):
    """The list of items is empty, too long, or names a type twice."""

    code: ClassVar[str] = "invalid_request"


class ApprovalExceedsRequest(PolicyError):
    """An approval covers something that was not requested or is not the citizen's."""

    code: ClassVar[str] = "approval_exceeds_request"


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """One requested item: a document type and the claims wanted (``None``: all of it)."""

    type: str
    claims: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"type": self.type, "claims": None if self.claims is None else list(self.claims)}


@dataclass(frozen=True, slots=True)
class ApprovedItem:
    """What the citizen approved for requested item ``item``: one of their resources, and its claims."""

    item: int
    kind: str
    resource_id: str
    type: str
    claims: tuple[str, ...] | None = None  # a credential's disclosed claims; None: every claim

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        claims = None if self.claims is None else list(self.claims)
        return {
            "item": self.item,
            "kind": self.kind,
            "id": self.resource_id,
            "type": self.type,
            "claims": claims,
        }


def procedure(code: str) -> Procedure:
    """The catalog entry of ``code``."""
    found = procedures().get(code)
    if found is None:
        raise UnknownProcedure(procedure_code=code[:32])
    return found


def requested_items(
    procedure_code: str, raw: Sequence[tuple[str, Sequence[str] | None]] | None
) -> tuple[RequestedItem, ...]:
    """Validated items; none given means every document type the procedure accepts, whole."""
    accepted = procedure(procedure_code)
    if not raw:
        return tuple(RequestedItem(t) for t in accepted.accepts)
    if len(raw) > MAX_ITEMS or len({t for t, _ in raw}) != len(raw):
        raise InvalidItems(
            reason_vi="danh sách giấy tờ trùng hoặc quá dài", reason_en="items repeat or are too many"
        )
    return tuple(_requested(accepted, type_id, claims) for type_id, claims in raw)


def _requested(accepted: Procedure, type_id: str, claims: Sequence[str] | None) -> RequestedItem:
    entry = document_types().get(type_id)
    if entry is None:
        raise UnknownDocumentType(doc_type=type_id[:64])
    if type_id not in accepted.accepts:
        raise TypeNotForProcedure(doc_type=type_id, procedure_code=accepted.code)
    if claims is None:
        return RequestedItem(type_id)
    if not claims or len(set(claims)) != len(claims):
        raise InvalidItems(
            reason_vi="danh sách trường rỗng hoặc trùng", reason_en="claims are empty or repeat"
        )
    for claim in claims:
        if entry.claim(claim) is None:
            raise UnknownClaim(doc_type=type_id, claim=claim[:64])
    return RequestedItem(type_id, tuple(claims))


def approved_items(
    requested: Sequence[RequestedItem],
    raw: Sequence[Mapping[str, Any]],
    holdings: Mapping[tuple[str, str], str],
) -> tuple[ApprovedItem, ...]:
    """Check an approval against the request and the citizen's ``holdings`` ((kind, id) -> type)."""
    if not raw or len(raw) > MAX_ITEMS:
        raise ApprovalExceedsRequest(reason_vi="không có mục nào được đồng ý", reason_en="nothing approved")
    items = tuple(_approved(requested, entry, holdings) for entry in raw)
    if len({(i.kind, i.resource_id) for i in items}) != len(items):
        raise ApprovalExceedsRequest(
            reason_vi="một giấy tờ được chọn hai lần", reason_en="a resource is chosen twice"
        )
    return items


def _exceeds(vi: str, en: str) -> ApprovalExceedsRequest:
    return ApprovalExceedsRequest(reason_vi=vi, reason_en=en)


def _approved(
    requested: Sequence[RequestedItem], raw: Mapping[str, Any], holdings: Mapping[tuple[str, str], str]
) -> ApprovedItem:
    index, kind, resource_id, claims = raw.get("item"), raw.get("kind"), raw.get("id"), raw.get("claims")
    if type(index) is not int or not 0 <= index < len(requested):
        raise _exceeds("mục không có trong yêu cầu", "an item that was not requested")
    if kind not in KINDS or not isinstance(resource_id, str):
        raise _exceeds("loại dữ liệu không hợp lệ", "an invalid kind of resource")
    wanted = requested[index]
    if holdings.get((kind, resource_id)) != wanted.type:
        raise _exceeds(
            "giấy tờ không phải của bạn hoặc khác loại", "a resource that is not yours or not that type"
        )
    if kind == "document":
        if wanted.claims is not None or claims is not None:
            raise _exceeds(
                "cơ quan chỉ hỏi một số trường, không phải cả tài liệu", "only claims were requested"
            )
        return ApprovedItem(index, kind, resource_id, wanted.type)
    if claims is None:
        return ApprovedItem(index, kind, resource_id, wanted.type, wanted.claims)
    allowed = (
        wanted.claims
        if wanted.claims is not None
        else tuple(c.name for c in document_types()[wanted.type].claims)
    )
    if not isinstance(claims, list) or not claims or not all(isinstance(c, str) for c in claims):
        raise _exceeds("danh sách trường không hợp lệ", "claims must be a non-empty list of names")
    if not set(claims) <= set(allowed) or len(set(claims)) != len(claims):
        raise _exceeds("có trường không được yêu cầu", "a claim that was not requested")
    return ApprovedItem(index, kind, resource_id, wanted.type, tuple(claims))


def refusal(status: str, uses: int, max_uses: int, valid_until: int, now: int) -> str | None:
    """Why a pull may not run now (a stored status, ``expired`` or ``used_up``); ``None``: it may."""
    if status != "approved":
        return status
    if now >= valid_until:
        return "expired"
    if uses >= max_uses:
        return "used_up"
    return None


def keep_disclosures(
    disclosures: Sequence[str], top_level_digests: Collection[str], claims: Collection[str] | None
) -> list[tuple[str, str]]:
    """The disclosures of top-level claims named in ``claims`` (all top-level ones when ``None``), with names.

    Disclosures nested inside another claim are never kept: the catalog has no
    claim that needs them, and an unapproved parent must not leak its children.
    """
    kept = []
    for raw in disclosures:
        digest, name = disclosure_name(raw)
        if name is not None and digest in top_level_digests and (claims is None or name in claims):
            kept.append((raw, name))
    return kept
