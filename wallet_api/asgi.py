"""ASGI entry point for server workers: settings from ``WALLET_*`` variables."""

from __future__ import annotations

from litestar import Litestar

from wallet_api.app import create_app
from wallet_api.logs import configure_logging
from wallet_api.settings import Settings


def app_factory() -> Litestar:
    """Build the app in a worker process (``wallet serve`` initialised the data directory)."""
    configure_logging()
    return create_app(Settings.from_env())
