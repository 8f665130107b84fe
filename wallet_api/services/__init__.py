"""Application services: the use cases behind the HTTP routes and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from wallet_api.context import Context
from wallet_api.services.auth import AuthService, Principal
from wallet_api.services.citizens import CitizenService
from wallet_api.services.documents import DocumentService


@dataclass(slots=True)
class Services:
    """Every use case, sharing one context."""

    ctx: Context
    auth: AuthService
    citizens: CitizenService
    documents: DocumentService

    @classmethod
    def over(cls, ctx: Context) -> Services:
        """Build every service on ``ctx``."""
        return cls(ctx, AuthService(ctx), CitizenService(ctx), DocumentService(ctx))


__all__ = ["Principal", "Services"]
