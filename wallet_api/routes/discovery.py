"""Discovery: health and the service's public keys."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency

from wallet_api.services import Services
from wallet_api.wire import Health


@get("/health", sync_to_thread=False, tags=["discovery"])
def health(services: NamedDependency[Services]) -> Health:
    """Liveness: the process answers and its configuration loaded."""
    return Health(status="ok", mode=services.ctx.settings.mode)


@get(
    "/.well-known/jwks.json",
    sync_to_thread=False,
    tags=["discovery"],
    response_headers={"Cache-Control": "public, max-age=300"},
)
def jwks(services: NamedDependency[Services]) -> dict[str, Any]:
    """The service's ES256 verification keys, current and rotated."""
    return services.ctx.service_keys.jwks()


ROUTES = [health, jwks]
