"""What every handler shares: the services, the caller and the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.datastructures import State
from litestar.params import QueryParameter

from wallet_api.errors import Unauthenticated
from wallet_api.mandates import MANDATE_HEADER, Caller, Kind, Target
from wallet_api.mandates.errors import MandateNotAllowed
from wallet_api.paging import PageQuery, page_query
from wallet_api.problems import language
from wallet_api.services import Principal, Services
from wallet_api.services.auth import CheckedRequest

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


def services_of(request: AnyRequest) -> Services:
    """The services without dependency injection: for the hottest routes, where litestar's
    per-request dependency resolution costs more than the handler's own Python."""
    return provide_services(request.app.state)


def request_url(request: AnyRequest, services: Services) -> str:
    """The URL a DPoP proof must name: a configured origin (the one the client reached, if it is
    configured, else the canonical one) and the path as sent. The ``Host`` header alone never makes
    an origin acceptable."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(request.url.path)  # as sent, still percent-encoded
    origins = services.ctx.settings.origins
    reached = f"{request.url.scheme}://{request.url.netloc}".lower()
    base = next((o for o in origins if _origin(o) == reached), origins[0])
    return base + path


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def citizen(request: AnyRequest, services: Services) -> Principal:
    """Authenticate the request as a citizen acting for themself (blocking: call from a worker thread).

    A request naming a mandate (``Wallet-Mandate``) is refused here, before anything is read: the
    owner's routes are unreachable under a mandate unless they ask ``acting`` instead."""
    if MANDATE_HEADER in request.headers:
        raise MandateNotAllowed()
    return _citizen(request, services)


def acting(
    request: AnyRequest, services: Services, kind: Kind, target: Target, *, fresh: bool = False
) -> Caller:
    """Authenticate a citizen acting for themself, or for another under the mandate named by the
    ``Wallet-Mandate`` header: then ``MandateService.authorize`` decides (blocking). ``fresh``: the
    route writes before ``record_act`` (a decision): the mandate is read now, not remembered."""
    principal = _citizen(request, services)
    mandate_id = request.headers.get(MANDATE_HEADER)
    if mandate_id is None:
        return Caller(principal.subject, principal)
    return services.mandates.authorize(principal, mandate_id, kind, target, fresh=fresh)


def _citizen(request: AnyRequest, services: Services) -> Principal:
    principal = services.auth.authenticate(
        authorization=request.headers.get("authorization"),
        proofs=request.headers.getall("dpop", []),
        method=request.method,
        url=request_url(request, services),
    )
    if principal.kind != "citizen":
        raise Unauthenticated()
    services.limiter.check_caller(principal.kind, principal.subject, principal.jkt)  # per device
    return principal


def checked_citizen(request: AnyRequest, services: Services) -> CheckedRequest:
    """Every check of a citizen's request that needs no I/O (token MAC, DPoP signature and claims,
    their binding), for the event loop before any hop to a thread. Its proof is NOT spent yet: the
    caller spends it (``DocumentService.spend_then_read``) and checks the per-device limit before
    acting. A request under a mandate takes this path only where the route then decides the mandate
    itself before serving anything (``documents._delegate_read``); elsewhere it asks ``acting``."""
    checked = services.auth.check(
        authorization=request.headers.get("authorization"),
        proofs=request.headers.getall("dpop", []),
        method=request.method,
        url=request_url(request, services),
    )
    if checked.principal.kind != "citizen":
        raise Unauthenticated()
    return checked


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
    services.limiter.check_caller(principal.kind, principal.subject, principal.jkt)  # per agency
    return principal


def lang(request: AnyRequest) -> str:
    """The reader's language."""
    return language(request)


# Query parameters of every list (wallet_api.paging): one page, newest first.
Limit = Annotated[int, QueryParameter(description="Items per page (1-500).")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=256, description="`next_cursor` of the page before (opaque).")
]
Since = Annotated[str | None, QueryParameter(max_length=40, description="Created at or after (ISO 8601).")]
Until = Annotated[str | None, QueryParameter(max_length=40, description="Created before (ISO 8601).")]


def page_of(
    request: AnyRequest,
    services: Services,
    kind: str,
    limit: int,
    cursor: str | None,
    since: str | None,
    until: str | None,
) -> PageQuery:
    """Authenticate the citizen and check the page they asked for (blocking)."""
    who = citizen(request, services).subject
    return page_query(services.ctx, kind, who, limit=limit, cursor=cursor, since=since, until=until)
