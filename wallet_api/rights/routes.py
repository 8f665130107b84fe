"""The citizen's rights over HTTP: pause and resume new consent requests; read breach notices."""

from __future__ import annotations

import datetime as dt

import msgspec
from litestar import Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.rights.service import RestrictionView
from wallet_api.routes.common import AnyRequest, citizen, offload
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}


class RestrictionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pause new consent requests from ``agency_id``, for ``procedure_code``, or both together."""

    agency_id: str | None = msgspec.field(default=None)
    procedure_code: str | None = msgspec.field(default=None)


class RestrictionOut(msgspec.Struct):
    """An active pause, named in words."""

    id: str
    agency_id: str | None
    agency_name: str | None
    procedure_code: str | None
    procedure_name_vi: str | None
    procedure_name_en: str | None
    since: dt.datetime


class RestrictionList(msgspec.Struct):
    items: list[RestrictionOut]


class IncidentOut(msgspec.Struct):
    """A personal-data breach that affected the citizen, as the operator reported it."""

    id: str
    title_vi: str
    title_en: str
    detail_vi: str
    detail_en: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime


class IncidentList(msgspec.Struct):
    items: list[IncidentOut]


def _out(view: RestrictionView) -> RestrictionOut:
    return RestrictionOut(
        view.id,
        view.agency_id,
        view.agency_name,
        view.procedure_code,
        view.procedure_name_vi,
        view.procedure_name_en,
        view.since,
    )


@post("/v1/me/restrictions", status_code=201, tags=["rights"], response_headers=NO_STORE)
async def add_restriction(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[RestrictionIn]
) -> RestrictionOut:
    """Tạm dừng yêu cầu mới / Pause new consent requests from an agency, for a procedure, or both
    (consents already given are untouched; pausing twice changes nothing)."""
    who = await offload(services, lambda: citizen(request, services).subject)
    view = await offload(
        services, lambda: services.restrictions.add(who, data.agency_id, data.procedure_code)
    )
    return _out(view)


@get("/v1/me/restrictions", tags=["rights"], response_headers=NO_STORE)
async def list_restrictions(request: AnyRequest, services: NamedDependency[Services]) -> RestrictionList:
    """The citizen's active pauses, oldest first."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return RestrictionList(
        [_out(v) for v in await offload(services, lambda: services.restrictions.active(who))]
    )


@delete("/v1/me/restrictions/{restriction_id:str}", status_code=204, tags=["rights"])
async def lift_restriction(
    request: AnyRequest, services: NamedDependency[Services], restriction_id: FromPath[str]
) -> Response[None]:
    """Resume: matching requests are accepted again."""
    who = await offload(services, lambda: citizen(request, services).subject)
    await offload(services, lambda: services.restrictions.lift(who, restriction_id))
    return Response(None, status_code=204, headers=NO_STORE)


@get("/v1/me/incidents", tags=["rights"], response_headers=NO_STORE)
async def my_incidents(request: AnyRequest, services: NamedDependency[Services]) -> IncidentList:
    """Breaches of personal data that affected the citizen, newest first."""
    who = await offload(services, lambda: citizen(request, services).subject)
    records = await offload(services, lambda: services.incidents.of_citizen(who))
    return IncidentList(
        [
            IncidentOut(r.id, r.title_vi, r.title_en, r.detail_vi, r.detail_en, r.occurred_at, r.recorded_at)
            for r in records
        ]
    )


ROUTES = [add_restriction, list_restrictions, lift_restriction, my_incidents]
