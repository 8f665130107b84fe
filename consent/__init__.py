"""Consent lifecycle, policy decisions, catalogs and the access transparency log."""

from consent.catalog import (
    CatalogError,
    ClaimSpec,
    ClaimsRejected,
    DocumentType,
    document_types,
    type_for_vct,
    validate_claims,
)

__all__ = [
    "CatalogError",
    "ClaimSpec",
    "ClaimsRejected",
    "DocumentType",
    "document_types",
    "type_for_vct",
    "validate_claims",
]
