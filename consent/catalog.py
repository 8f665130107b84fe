"""The document-type catalog: kinds of document, their claims, and the procedures that accept them."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

CLAIM_TYPES = ("string", "date", "integer", "boolean", "object")
MAX_STRING = 1000


class CatalogError(Exception):
    """The packaged catalog file is malformed (a start-up failure)."""

    code = "catalog_error"


class ClaimsRejected(Exception):
    """Issued claims break the catalog's schema; ``reason`` and ``claim`` say how."""

    code = "claims_rejected"

    def __init__(self, reason: str, claim: str = "") -> None:
        super().__init__(f"{reason}: {claim}" if claim else reason)
        self.reason = reason
        self.claim = claim


@dataclass(frozen=True, slots=True)
class ClaimSpec:
    """One claim of a document type."""

    name: str
    type: str
    mandatory: bool
    disclosable: bool
    name_vi: str
    name_en: str


@dataclass(frozen=True, slots=True)
class DocumentType:
    """One entry of the catalog."""

    id: str
    name_vi: str
    name_en: str
    vct: str | None = None
    claims: tuple[ClaimSpec, ...] = ()
    procedures: tuple[str, ...] = ()

    def claim(self, name: str) -> ClaimSpec | None:
        """The spec of ``name``, if the type has that claim."""
        return next((c for c in self.claims if c.name == name), None)

    def always_visible(self) -> tuple[str, ...]:
        """Claims the catalog says may not be disclosed separately."""
        return tuple(c.name for c in self.claims if not c.disclosable)


def _claim(type_id: str, name: str, raw: Any) -> ClaimSpec:
    if not isinstance(raw, dict) or raw.get("type") not in CLAIM_TYPES:
        raise CatalogError(f"claim {type_id}.{name} has no valid type")
    if not raw.get("name_vi") or not raw.get("name_en"):
        raise CatalogError(f"claim {type_id}.{name} lacks its names")
    return ClaimSpec(
        name,
        raw["type"],
        bool(raw.get("mandatory", False)),
        bool(raw.get("disclosable", True)),
        raw["name_vi"],
        raw["name_en"],
    )


def _entry(type_id: str, raw: Any) -> DocumentType:
    if not isinstance(raw, dict) or not raw.get("name_vi") or not raw.get("name_en"):
        raise CatalogError(f"document type {type_id!r} lacks its names")
    claims = tuple(_claim(type_id, name, spec) for name, spec in raw.get("claims", {}).items())
    procedures = tuple(str(p) for p in raw.get("procedures", []))
    return DocumentType(type_id, raw["name_vi"], raw["name_en"], raw.get("vct"), claims, procedures)


@cache
def document_types() -> dict[str, DocumentType]:
    """Load and validate the catalog once."""
    raw = resources.files("consent").joinpath("data/document_types.json").read_text("utf-8")
    types = {type_id: _entry(type_id, entry) for type_id, entry in json.loads(raw).get("types", {}).items()}
    if not types:
        raise CatalogError("the document-type catalog is empty")
    vcts = [t.vct for t in types.values() if t.vct]
    if len(vcts) != len(set(vcts)):
        raise CatalogError("two document types share a vct")
    return types


def type_for_vct(vct: str) -> DocumentType | None:
    """The document type a credential's ``vct`` names."""
    return next((t for t in document_types().values() if t.vct == vct), None)


def _check_value(spec: ClaimSpec, value: Any) -> None:
    ok = {
        "string": isinstance(value, str),
        "date": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "object": isinstance(value, dict),
    }[spec.type]
    if not ok:
        raise ClaimsRejected("wrong_type", spec.name)
    if isinstance(value, str):
        if len(value) > MAX_STRING or not unicodedata.is_normalized("NFC", value):
            raise ClaimsRejected("not_clean", spec.name)
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ClaimsRejected("not_clean", spec.name)
    if spec.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ClaimsRejected("wrong_type", spec.name) from None


def validate_claims(doc_type: DocumentType, claims: Mapping[str, Any]) -> None:
    """Right (types), complete (mandatory claims), clean (NFC, no control characters, no unknowns)."""
    for name, value in claims.items():
        spec = doc_type.claim(name)
        if spec is None:
            raise ClaimsRejected("unknown_claim", name)
        _check_value(spec, value)
    for spec in doc_type.claims:
        if spec.mandatory and spec.name not in claims:
            raise ClaimsRejected("missing_claim", spec.name)
