"""Discovery: health and the service's public keys."""

from __future__ import annotations

import json
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from wallet_api.routes.common import offload
from wallet_api.services import Services
from wallet_api.services.export import SCHEMA as EXPORT_SCHEMA
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


@get("/v1/trust-list", tags=["discovery"], media_type="application/trust-list+jwt")
async def trust_list(services: NamedDependency[Services]) -> Response[str]:
    """Registered issuers, their keys, validity and successors, signed by the operator key."""
    token = await offload(services, services.trust.trust_list)
    return Response(token, media_type="application/trust-list+jwt", headers={"Cache-Control": "max-age=300"})


@get("/v1/status-lists/{list_id:str}", tags=["discovery"], media_type="application/statuslist+jwt")
async def status_list(services: NamedDependency[Services], list_id: FromPath[str]) -> Response[str]:
    """An IETF Token Status List of one agency (2 bits per credential), signed."""
    token = await offload(services, lambda: services.trust.status_list(list_id))
    return Response(token, media_type="application/statuslist+jwt", headers={"Cache-Control": "max-age=60"})


@get(
    "/v1/schemas/export.json",
    sync_to_thread=False,
    tags=["discovery"],
    response_headers={"Cache-Control": "public, max-age=3600"},
)
def export_schema() -> dict[str, Any]:
    """The published JSON Schema (2020-12) of an export's ``manifest.json`` (``GET /v1/me/export``)."""
    schema: dict[str, Any] = json.loads(EXPORT_SCHEMA.read_text("utf-8"))
    return schema


ROUTES = [health, jwks, trust_list, status_list, export_schema]
