"""The document-type catalog: which kinds of document exist and what they are called."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class DocumentType:
    """One entry of the catalog."""

    id: str
    name_vi: str
    name_en: str


class CatalogError(Exception):
    """The packaged catalog file is malformed (a start-up failure)."""

    code = "catalog_error"


@cache
def document_types() -> dict[str, DocumentType]:
    """Load and validate the catalog once."""
    raw = resources.files("consent").joinpath("data/document_types.json").read_text("utf-8")
    data = json.loads(raw)
    types: dict[str, DocumentType] = {}
    for type_id, entry in data.get("types", {}).items():
        if not isinstance(entry, dict) or not entry.get("name_vi") or not entry.get("name_en"):
            raise CatalogError(f"document type {type_id!r} lacks its names")
        types[type_id] = DocumentType(type_id, entry["name_vi"], entry["name_en"])
    if not types:
        raise CatalogError("the document-type catalog is empty")
    return types
