"""Access-log entries in plain words on the server: the shared wording with the catalog's type names."""

from __future__ import annotations

from consent.catalog import document_types
from consent.procedures import procedures
from crypto.transparency import NO_PROCEDURE, VIETNAM, AccessEntry
from crypto.transparency import describe as _describe

__all__ = ["NO_PROCEDURE", "VIETNAM", "catalog_names", "describe", "procedure_names"]


def catalog_names(type_id: str) -> tuple[str, str] | None:
    """The catalog's Vietnamese and English names of a document type."""
    entry = document_types().get(type_id)
    return (entry.name_vi, entry.name_en) if entry else None


def procedure_names(code: str) -> tuple[str, str] | None:
    """The procedure catalog's Vietnamese and English names of a procedure."""
    entry = procedures().get(code)
    return (entry.name_vi, entry.name_en) if entry else None


def describe(entry: AccessEntry) -> tuple[str, str]:
    """The entry as one Vietnamese and one English sentence."""
    return _describe(entry, catalog_names, procedure_names)
