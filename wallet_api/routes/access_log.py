"""The citizen's access log with its proofs, and how much of their data was reused."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from wallet_api.routes.common import AnyRequest, citizen, lang, offload
from wallet_api.services import Services
from wallet_api.wire_consent import LogOut, ReuseListOut, ReuseOut, procedure_name

NO_STORE = {"Cache-Control": "no-store"}
MAX_COUNT = 2**53  # far past any log, and still an exact number in every client (and fits SQL's BIGINT)
Count = Annotated[int, QueryParameter(ge=0, le=MAX_COUNT)]


@get("/v1/me/log", tags=["access-log"], response_headers=NO_STORE)
async def my_log(
    request: AnyRequest,
    services: NamedDependency[Services],
    start: Count = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    since: Annotated[int | None, QueryParameter(ge=0, le=MAX_COUNT)] = None,
) -> LogOut:
    """Who accessed the citizen's data, in plain words, under a signed tree head.

    Every entry carries its inclusion proof against that head; ``since`` (a tree
    size the phone saw before) adds the consistency proof from it.
    """
    who = await offload(services, lambda: citizen(request, services).subject)
    view = await offload(
        services, lambda: services.access_log.view(who, start=start, limit=limit, since=since)
    )
    return LogOut(view.tree_head, view.tree_size, view.entries, view.consistency)


@get("/v1/me/log/head", tags=["access-log"], response_headers=NO_STORE)
async def my_log_head(request: AnyRequest, services: NamedDependency[Services]) -> dict[str, str]:
    """The current signed tree head of the citizen's log (``wallet-sth+jwt``)."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return {"tree_head": await offload(services, lambda: services.access_log.signed_head(who))}


@get("/v1/me/log/proofs/inclusion", tags=["access-log"], response_headers=NO_STORE)
async def inclusion_proof(
    request: AnyRequest, services: NamedDependency[Services], index: Count, tree_size: Count
) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of entry ``index`` in the tree of ``tree_size`` entries."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return await offload(services, lambda: services.access_log.inclusion(who, index, tree_size))


@get("/v1/me/log/proofs/consistency", tags=["access-log"], response_headers=NO_STORE)
async def consistency_proof(
    request: AnyRequest, services: NamedDependency[Services], first: Count, second: Count
) -> dict[str, Any]:
    """The RFC 9162 consistency proof between tree sizes ``first`` and ``second``."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return await offload(services, lambda: services.access_log.consistency(who, first, second))


@get("/v1/me/stats", tags=["access-log"], response_headers=NO_STORE)
async def my_stats(request: AnyRequest, services: NamedDependency[Services]) -> ReuseListOut:
    """How many of the citizen's items agencies took from the wallet instead of asking again."""
    who = await offload(services, lambda: citizen(request, services).subject)
    stats = await offload(services, lambda: services.pulls.stats(who))
    reader = lang(request)
    return ReuseListOut(
        [
            ReuseOut(
                s.procedure_code,
                procedure_name(s.procedure_code, reader),
                s.agency_id,
                s.consents,
                s.items,
                s.pulls,
            )
            for s in stats
        ]
    )


ROUTES = [my_log, my_log_head, inclusion_proof, consistency_proof, my_stats]
