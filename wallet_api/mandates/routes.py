"""Mandate routes: a citizen grants, lists and ends mandates; an identity provider sets guardians'.
Thin handlers over ``MandateService`` and ``GuardianService``. Acting under a mandate is not here:
it is the ``Wallet-Mandate`` header on the routes whose action a mandate can cover."""

from __future__ import annotations

import datetime as dt

from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.limits.limiter import caller_address
from wallet_api.mandates.scope import Grant, checked_scope
from wallet_api.mandates.wire import (
    AttestationIn,
    AttestationOut,
    GrantIn,
    GuardianIn,
    MandateListOut,
    MandateOut,
)
from wallet_api.routes.common import AnyRequest, agency, citizen, offload
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}
TAGS = ["mandates"]


@post("/v1/me/mandates", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def grant_mandate(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[GrantIn]
) -> MandateOut:
    """Let another enrolled citizen act for you within a scope, until a date; revocable at any time."""
    who = await offload(services, lambda: citizen(request, services).subject)
    scope = checked_scope(data.scope.documents, data.scope.procedures, data.scope.credentials)
    grant = Grant(data.delegate_cccd, scope, data.valid_from, data.valid_until)
    address = caller_address(request, services.ctx.settings.trusted_proxies)

    def lookup_limits() -> None:  # the answer tells whether a CCCD has a wallet: an oracle, limited
        services.limiter.check("mandate_lookup", f"citizen:{who}")
        services.limiter.check("mandate_lookup", f"address:{address}")

    view = await offload(services, lambda: services.mandates.grant(who, grant, before_lookup=lookup_limits))
    return MandateOut.of(view, who)


@get("/v1/me/mandates", tags=TAGS, response_headers=NO_STORE)
async def list_mandates(request: AnyRequest, services: NamedDependency[Services]) -> MandateListOut:
    """The mandates you granted and those you hold (as a delegate or a guardian)."""
    who = await offload(services, lambda: citizen(request, services).subject)
    views = await offload(services, lambda: services.mandates.list(who))
    return MandateListOut([MandateOut.of(v, who) for v in views])


@delete("/v1/me/mandates/{mandate_id:str}", status_code=200, tags=TAGS)
async def end_mandate(
    request: AnyRequest, services: NamedDependency[Services], mandate_id: FromPath[str]
) -> MandateOut:
    """Revoke a mandate you granted, or renounce one you hold: it stops at the next request."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return MandateOut.of(await offload(services, lambda: services.mandates.end(who, mandate_id)), who)


@post("/v1/agency/mandates", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def establish_guardian(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[GuardianIn]
) -> MandateOut:
    """An identity provider establishes a guardian's mandate for a child under 14 or a person under
    guardianship, with a request signed by one of its keys (``guardian-mandate+jwt``)."""
    who = await offload(services, lambda: agency(request, services).subject)
    view = await offload(services, lambda: services.guardians.establish(who, data.request))
    return MandateOut.of(view, who)


@delete("/v1/agency/mandates/{mandate_id:str}", status_code=200, tags=TAGS)
async def end_guardian(
    request: AnyRequest, services: NamedDependency[Services], mandate_id: FromPath[str]
) -> MandateOut:
    """The identity provider ends a guardian's mandate it established."""
    who = await offload(services, lambda: agency(request, services).subject)
    return MandateOut.of(await offload(services, lambda: services.guardians.end(who, mandate_id)), who)


@post("/v1/me/mandates/{mandate_id:str}/attestation", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def mandate_attestation(
    request: AnyRequest,
    services: NamedDependency[Services],
    mandate_id: FromPath[str],
    data: JSONBody[AttestationIn],
) -> AttestationOut:
    """The delegate asks for a five-minute attestation to present one of the represented citizen's
    credentials (a type the mandate covers) with their own device key; both logs record it."""

    def issue() -> AttestationOut:
        principal = citizen(request, services)  # the delegate, as themself: no Wallet-Mandate header
        issued = services.attestations.issue(principal, mandate_id, data.credential_id)
        expires = dt.datetime.fromtimestamp(issued.expires_at, tz=dt.UTC)
        held = issued.credential
        return AttestationOut(
            issued.attestation, expires, issued.mandate_id, held.id, held.doc_type, held.sd_jwt
        )

    return await offload(services, issue)


ROUTES = [grant_mandate, list_mandates, end_mandate, mandate_attestation, establish_guardian, end_guardian]
