"""The composition root of the HTTP service: ``create_app(settings)``."""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from wallet_api.assisted import routes as assisted_routes
from wallet_api.bootstrap import build_context
from wallet_api.citizen_app import routes as app_routes
from wallet_api.context import Clock
from wallet_api.devices import routes as device_routes
from wallet_api.mandates import refuse_mandate_header
from wallet_api.mandates import routes as mandate_routes
from wallet_api.metrics import request_metrics
from wallet_api.openapi import publish
from wallet_api.openapi_page import PAGE_PATH, LocalSwaggerPlugin, add_page_headers
from wallet_api.problems import handle_exception
from wallet_api.recovery import routes as recovery_routes
from wallet_api.resilience import ready as readiness
from wallet_api.rights import request_routes as rights_request_routes
from wallet_api.rights import routes as rights_routes
from wallet_api.routes import (
    access_log,
    agency,
    citizens,
    consents,
    credentials,
    discovery,
    documents,
    operator,
    web,
)
from wallet_api.routes import qr as qr_routes
from wallet_api.routes.common import provide_services
from wallet_api.services import Services
from wallet_api.settings import Settings
from wallet_api.strict_request import StrictRequest, refuse_ambiguous_parameters
from wallet_api.verifier import routes as verifier_routes

OPENAPI_PATH = PAGE_PATH


async def screen_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the app, before any parameter or body is read: the ``Wallet-Mandate``
    header only where a mandate can cover the action, then no ambiguous parameters."""
    refuse_mandate_header(request, request.route_handler)
    await refuse_ambiguous_parameters(request)


def create_app(settings: Settings, *, clock: Clock = time.time) -> Litestar:
    """Build the app over the adapters named by ``settings`` (data directory already initialised)."""
    services = Services.over(build_context(settings, clock=clock))

    def close() -> None:
        services.ctx.metadata.close()

    metrics = DefineMiddleware(request_metrics, app_name="wallet", prefix="wallet", exclude=("/metrics",))
    app = Litestar(
        route_handlers=[
            *discovery.ROUTES,
            *citizens.ROUTES,
            *documents.ROUTES,
            *credentials.ROUTES,
            *agency.ROUTES,
            *qr_routes.ROUTES,
            *web.ROUTES,
            *verifier_routes.ROUTES,
            *app_routes.ROUTES,
            *rights_routes.ROUTES,
            *rights_request_routes.ROUTES,
            *operator.ROUTES,
            *consents.ROUTES,
            *access_log.ROUTES,
            *device_routes.ROUTES,
            *recovery_routes.ROUTES,
            *mandate_routes.ROUTES,
            *assisted_routes.ROUTES,
            *readiness.ROUTES,
        ],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers={Exception: handle_exception},
        middleware=[metrics],
        state=State({"services": services}),
        request_class=StrictRequest,  # every body read strictly, in one place
        before_request=screen_request,  # Wallet-Mandate only where a mandate can cover the action
        on_shutdown=[close],
        before_send=[add_page_headers],
        request_max_body_size=1024 * 1024,  # JSON bodies; uploads stream past this on their own path
        openapi_config=OpenAPIConfig(
            title="Citizen data wallet API",
            version="1.0.0",
            description="Ví dữ liệu công dân / Citizen data wallet. Errors are RFC 9457 problem details.",
            path=OPENAPI_PATH,
            render_plugins=[LocalSwaggerPlugin(path="/")],
        ),
        debug=False,
    )
    publish(app)  # the document tells the truth: problem+json per operation, DPoP
    return app
