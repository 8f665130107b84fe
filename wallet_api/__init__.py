"""The litestar app (routes, auth, problem details, OpenAPI), composition root and ``wallet`` CLI."""

from wallet_api.app import create_app
from wallet_api.settings import Settings

__all__ = ["Settings", "create_app"]
