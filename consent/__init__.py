"""Consent lifecycle, policy decisions, catalogs and the access transparency log."""

from consent.catalog import CatalogError, DocumentType, document_types

__all__ = ["CatalogError", "DocumentType", "document_types"]
