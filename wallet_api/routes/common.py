"""What every handler shares: the services, the caller and the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from litestar import Request
from litestar.datastructures import State

from wallet_api.errors import Unauthenticated
from wallet_api.problems import language
from wallet_api.services import Principal, Services

AnyRequest = Request[Any, Any, Any]
T = TypeVar("T")


async def offload(services: Services, call: Callable[[], T]) -> T:
    """Run blocking metadata work: on the loop for SQLite (microseconds), else in a thread within
    the deadline (``wallet_api.resilience.lanes``)."""
    return await services.lanes.metadata(call)


def provide_services(state: State) -> Services:
    """Dependency: the services built by ``create_app``."""
    services: Services = state.services
    return services


def request_url(request: AnyRequest, services: Services) -> str:
    """The URL a DPoP proof must name: the configured public URL, else the one requested."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(request.url.path)  # as sent, still percent-encoded
    public = services.ctx.settings.public_url
    if public:
        return public.rstrip("/") + path
    return f"{request.url.scheme}://{request.url.netloc}{path}"


def citizen(request: AnyRequest, services: Services) -> Principal:
    """Authenticate the request as a citizen (blocking: call from a worker thread)."""
    principal = services.auth.authenticate(
        authorization=request.headers.get("authorization"),
        proofs=request.headers.getall("dpop", []),
        method=request.method,
        url=request_url(request, services),
    )
    if principal.kind != "citizen":
        raise Unauthenticated()
    return principal


def agency(request: AnyRequest, services: Services) -> Principal:
    """Authenticate the request as an agency system (blocking)."""
    principal = services.auth.authenticate(
        authorization=request.headers.get("authorization"),
        proofs=request.headers.getall("dpop", []),
        method=request.method,
        url=request_url(request, services),
    )
    if principal.kind != "agency":
        raise Unauthenticated()
    return principal


def lang(request: AnyRequest) -> str:
    """The reader's language."""
    return language(request)
