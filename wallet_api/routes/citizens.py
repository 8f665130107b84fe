"""Citizen account routes: enrolment, token, profile, export and erasure."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.response import Stream

from wallet_api.erasure.wire import ErasureOut
from wallet_api.errors import EraseNotConfirmed
from wallet_api.limits.limiter import caller_address
from wallet_api.recovery.wire import RecoveryOut
from wallet_api.resilience.lanes import failure_kind
from wallet_api.routes.common import AnyRequest, citizen, offload, request_url
from wallet_api.services import Services
from wallet_api.services.export import export_archive
from wallet_api.wire import EnrolRequest, EnrolResponse, ProfileOut, TokenRequest, TokenResponse

log = logging.getLogger("wallet.export")
NO_STORE = {"Cache-Control": "no-store"}


@post("/v1/citizens", status_code=201, tags=["citizen"], response_headers=NO_STORE)
async def enrol(
    request: AnyRequest, data: JSONBody[EnrolRequest], services: NamedDependency[Services]
) -> EnrolResponse:
    """Enrol a citizen with a self-asserted identity and the device's public key (dev mode)."""
    enrol = services.citizens.enrol
    address = caller_address(request, services.ctx.settings.trusted_proxies)

    def limited() -> tuple[str, str]:
        services.limiter.check("enrol", address)
        return enrol(data.cccd, data.full_name, data.date_of_birth, data.device_jwk)

    return EnrolResponse(*await offload(services, limited))


@post("/v1/token", status_code=200, tags=["auth"], response_headers=NO_STORE)
async def token(
    request: AnyRequest,
    services: NamedDependency[Services],
    data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> TokenResponse:
    """RFC 7523 client assertion + RFC 9449 DPoP proof in, a DPoP-bound access token out."""
    proofs, url = request.headers.getall("dpop", []), request_url(request, services)
    who = data.client_id or caller_address(request, services.ctx.settings.trusted_proxies)

    def issue() -> Any:
        services.limiter.check("token", who)  # per client: a stolen id cannot be hammered
        return services.auth.issue_token(
            grant_type=data.grant_type,
            client_id=data.client_id,
            assertion_type=data.client_assertion_type,
            assertion=data.client_assertion,
            proofs=proofs,
            token_url=url,
        )

    issued = await offload(services, issue)
    return TokenResponse(issued.access_token, issued.expires_in)


@get("/v1/me", tags=["citizen"], response_headers=NO_STORE)
async def me(request: AnyRequest, services: NamedDependency[Services]) -> ProfileOut:
    """The citizen's own profile, and a pending recovery of the wallet if there is one."""
    who = (await offload(services, lambda: citizen(request, services))).subject
    profile = await offload(services, lambda: services.citizens.profile(who))
    pending = await offload(services, lambda: services.recovery.pending(who))
    return ProfileOut.of(profile, None if pending is None else RecoveryOut.of(pending))


@get("/v1/me/export", tags=["citizen"], media_type="application/zip")
async def export(request: AnyRequest, services: NamedDependency[Services]) -> Stream:
    """Everything the wallet holds for the citizen, as one ZIP archive."""
    who = (await offload(services, lambda: citizen(request, services))).subject
    archive = export_archive(services, who)
    services.lanes.admit_transfer()
    # The first piece is ready before the response starts: a missing content or an outage is a
    # problem+json answer, not a cut archive.
    first = await services.lanes.blob(lambda: next(archive, b""))

    def cut(exc: BaseException) -> None:
        log.error("export of citizen %s cut after it started: %s", who, failure_kind(exc))

    return Stream(
        services.lanes.stream(archive, cut, first=first),
        media_type="application/zip",
        headers={**NO_STORE, "Content-Disposition": 'attachment; filename="wallet-export.zip"'},
    )


@delete("/v1/me", status_code=200, tags=["citizen"], response_headers=NO_STORE)
async def erase(request: AnyRequest, services: NamedDependency[Services]) -> ErasureOut:
    """Erase the account for good (crypto-shredding); needs ``Erase-Confirm: <citizen_id>``.

    Unreadable at once; final (no copy in database history or backups opens) by ``final_by``.
    The signed receipt replaces the access log, which goes with the account."""
    who = (await offload(services, lambda: citizen(request, services))).subject
    if request.headers.get("erase-confirm", "").strip() != who:
        raise EraseNotConfirmed()
    return ErasureOut.of(await offload(services, lambda: services.citizens.erase(who)))


ROUTES = [enrol, token, me, export, erase]
