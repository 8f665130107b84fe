"""Wire types of consents, pulls, the access log and reuse statistics (msgspec, apart from records)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from consent import document_types
from consent.policy import ApprovedItem, RequestedItem
from consent.procedures import procedures
from wallet_api.services.consent_views import Candidate, ConsentView


class ConsentItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """A requested item: a document type and, for credentials, the claims wanted (none: all of it)."""

    type: str
    claims: list[str] | None = None


class ConsentRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    """A requesting agency's ask; without ``items``, what the procedure accepts."""

    cccd: str
    purpose: str
    procedure_code: str
    case_number: str
    valid_for_seconds: int
    max_uses: int
    retention_days: int
    items: list[ConsentItemIn] | None = None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    """The citizen's decision: a compact JWS signed by the device key (``consent-decision+jwt``)."""

    decision: str


class ClaimOut(msgspec.Struct):
    """A claim's name and its label in the reader's language."""

    name: str
    label: str


class CandidateOut(msgspec.Struct):
    """One of the citizen's credentials or documents that would satisfy an item."""

    kind: str
    id: str
    provenance: str
    label: str
    created_at: dt.datetime
    status: str = "valid"  # valid, revoked, suspended, expired (credentials); documents: valid


class ItemOut(msgspec.Struct):
    """A requested item and exactly what sharing it means."""

    index: int
    type: str
    type_name: str
    claims: list[ClaimOut] | None  # None: the whole document, or every claim of a credential
    always_shared: list[ClaimOut]  # in clear in every credential of this type
    candidates: list[CandidateOut] | None = None


class ApprovedOut(msgspec.Struct):
    """An approved item: the resource and, for a credential, the disclosed claims."""

    item: int
    kind: str
    id: str
    type: str
    type_name: str
    claims: list[ClaimOut] | None


class ConsentOut(msgspec.Struct):
    """A consent as either side sees it."""

    id: str
    state: str
    agency_id: str
    agency_name: str
    purpose: str
    procedure_code: str
    procedure_name: str
    case_number: str
    items: list[ItemOut]
    approved: list[ApprovedOut]
    max_uses: int
    uses: int
    retention_days: int
    created_at: dt.datetime
    valid_until: dt.datetime
    decided_at: dt.datetime | None
    ended_at: dt.datetime | None


class ConsentListOut(msgspec.Struct):
    """A page of the citizen's consents, newest first; ``next_cursor`` fetches the next."""

    items: list[ConsentOut]
    next_cursor: str | None = None


class PulledCredentialOut(msgspec.Struct):
    """A credential as the agency receives it: the issuer's JWT with the approved disclosures only."""

    consent_id: str
    credential_id: str
    type: str
    vct: str
    issuer: str
    disclosed: list[str]
    sd_jwt: str


class LogOut(msgspec.Struct):
    """A page of the access log, every entry proved against the signed head."""

    tree_head: str
    tree_size: int
    entries: list[dict[str, Any]]
    consistency: dict[str, Any] | None


class ReuseOut(msgspec.Struct):
    """Items served from the wallet for one procedure and agency instead of being resubmitted."""

    procedure_code: str
    procedure_name: str
    agency_id: str
    consents: int
    items: int
    pulls: int


class ReuseListOut(msgspec.Struct):
    """Reuse per procedure and agency."""

    items: list[ReuseOut]


def _type_name(type_id: str, lang: str) -> str:
    entry = document_types().get(type_id)
    return (entry.name_en if lang == "en" else entry.name_vi) if entry else type_id


def procedure_name(code: str, lang: str) -> str:
    """The procedure's name in the reader's language."""
    entry = procedures().get(code)
    return (entry.name_en if lang == "en" else entry.name_vi) if entry else code


def _claims(type_id: str, names: tuple[str, ...] | None, lang: str) -> list[ClaimOut] | None:
    if names is None:
        return None
    entry = document_types().get(type_id)
    out = []
    for name in names:
        spec = entry.claim(name) if entry else None
        out.append(ClaimOut(name, (spec.name_en if lang == "en" else spec.name_vi) if spec else name))
    return out


def _item(index: int, item: RequestedItem, lang: str, found: dict[str, list[Candidate]] | None) -> ItemOut:
    entry = document_types().get(item.type)
    visible = entry.always_visible() if entry else ()
    candidates = None
    if found is not None:
        candidates = [
            CandidateOut(c.kind, c.id, c.provenance, c.label, c.created_at, c.status)
            for c in found.get(item.type, [])
        ]
    always = _claims(item.type, visible, lang) or []
    return ItemOut(
        index,
        item.type,
        _type_name(item.type, lang),
        _claims(item.type, item.claims, lang),
        always,
        candidates,
    )


def _approved(item: ApprovedItem, lang: str) -> ApprovedOut:
    claims = _claims(item.type, item.claims, lang)
    return ApprovedOut(item.item, item.kind, item.resource_id, item.type, _type_name(item.type, lang), claims)


def consent_out(view: ConsentView, lang: str, found: dict[str, list[Candidate]] | None = None) -> ConsentOut:
    """The wire form of ``view``; with ``found``, each item lists the citizen's candidates."""
    r = view.record
    return ConsentOut(
        id=r.id,
        state=view.state,
        agency_id=r.agency_id,
        agency_name=view.agency_name,
        purpose=r.purpose,
        procedure_code=r.procedure_code,
        procedure_name=procedure_name(r.procedure_code, lang),
        case_number=r.case_number,
        items=[_item(i, item, lang, found) for i, item in enumerate(view.requested)],
        approved=[_approved(item, lang) for item in view.approved],
        max_uses=r.max_uses,
        uses=r.uses,
        retention_days=r.retention_days,
        created_at=r.created_at,
        valid_until=r.valid_until,
        decided_at=r.decided_at,
        ended_at=r.ended_at,
    )
