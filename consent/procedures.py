"""The procedure catalog: administrative procedures by code and the document types each accepts.

It is the inverse of the ``procedures`` lists of the document-type catalog; the
two packaged files are checked against each other when the catalog loads (at
start-up, by the composition root), so a procedure never accepts a type that
does not name it back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from consent.catalog import CatalogError, document_types

__all__ = ["Procedure", "procedures"]

_CODE = re.compile(r"[12]\.\d{6}")


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure: its code, names and the document types it accepts."""

    code: str
    name_vi: str
    name_en: str
    authority_vi: str
    authority_en: str
    accepts: tuple[str, ...]


def _text(code: str, raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value or not unicodedata.is_normalized("NFC", value):
        raise CatalogError(f"procedure {code} lacks an NFC {name}")
    return value


def _entry(code: str, raw: Any) -> Procedure:
    if not _CODE.fullmatch(code) or not isinstance(raw, dict):
        raise CatalogError(f"procedure code {code!r} is malformed")
    accepts = raw.get("accepts")
    if not isinstance(accepts, list) or not accepts or len(set(accepts)) != len(accepts):
        raise CatalogError(f"procedure {code} must accept a list of distinct document types")
    names = {n: _text(code, raw, n) for n in ("name_vi", "name_en", "authority_vi", "authority_en")}
    return Procedure(code=code, accepts=tuple(str(a) for a in accepts), **names)


def _check_against_types(catalog: dict[str, Procedure]) -> None:
    types = document_types()
    for procedure in catalog.values():
        for type_id in procedure.accepts:
            entry = types.get(type_id)
            if entry is None or procedure.code not in entry.procedures:
                raise CatalogError(f"procedure {procedure.code} accepts {type_id}, which does not name it")
    for entry in types.values():
        for code in entry.procedures:
            if code not in catalog or entry.id not in catalog[code].accepts:
                raise CatalogError(
                    f"document type {entry.id} names procedure {code}, which does not accept it"
                )


@cache
def procedures() -> dict[str, Procedure]:
    """Load the catalog once and check it against the document types (``CatalogError`` if not)."""
    raw = resources.files("consent").joinpath("data/procedures.json").read_text("utf-8")
    entries = json.loads(raw).get("procedures", {})
    catalog = {code: _entry(code, entry) for code, entry in entries.items()}
    if not catalog:
        raise CatalogError("the procedure catalog is empty")
    _check_against_types(catalog)
    return catalog
