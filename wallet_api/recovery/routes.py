"""Recovery routes: a new device asks for a nonce, starts a recovery and follows it; a device still
held cancels it. Thin handlers over ``RecoveryService``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.errors import InvalidRequest
from wallet_api.limits.limiter import caller_address
from wallet_api.recovery.wire import (
    NonceIn,
    NonceOut,
    RecoveryIn,
    RecoveryOut,
    ReissueIn,
    ReissueItemOut,
    ReissueListOut,
    ReissueOut,
)
from wallet_api.routes.common import AnyRequest, agency, citizen, offload, request_url
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}
TAGS = ["recovery"]


@post("/v1/recovery/nonces", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def recovery_nonce(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[NonceIn]
) -> NonceOut:
    """A nonce for recovering the wallet of a CCCD (no token; rate-limited per address)."""
    address = caller_address(request, services.ctx.settings.trusted_proxies)

    def limited() -> Any:
        services.limiter.check("recovery", address)
        return services.recovery.nonce(data.cccd)

    return NonceOut.of(await offload(services, limited))


@post("/v1/recovery", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def start_recovery(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[RecoveryIn]
) -> RecoveryOut:
    """Start a recovery with the identity provider's assertion or (dev mode) the recovery code; the
    ``DPoP`` proof (no token) must be made with ``device_jwk``."""
    if (data.assertion is None) == (data.code is None):
        raise InvalidRequest(
            "assertion or code",
            reason_vi="cần đúng một trong hai: assertion hoặc code",
            reason_en="exactly one of assertion or code is required",
        )
    proof = (request.headers.getall("dpop", []), request_url(request, services))
    address = caller_address(request, services.ctx.settings.trusted_proxies)
    start = services.recovery.start

    def limited() -> Any:
        services.limiter.check("recovery", address)
        return start(data.name, data.device_jwk, proof, data.nonce, assertion=data.assertion, code=data.code)

    return RecoveryOut.of(await offload(services, limited))


@get("/v1/recovery/{recovery_id:str}", tags=TAGS, response_headers=NO_STORE)
async def recovery_status(
    request: AnyRequest, services: NamedDependency[Services], recovery_id: FromPath[str]
) -> RecoveryOut:
    """The new device follows its recovery (``DPoP`` proof of its key, no token); once the cooling-off
    is over this completes it: the new device replaces every other one."""
    proofs, url = request.headers.getall("dpop", []), request_url(request, services)
    return RecoveryOut.of(await offload(services, lambda: services.recovery.status(recovery_id, proofs, url)))


@post("/v1/me/recovery/{recovery_id:str}/cancellation", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def cancel_recovery(
    request: AnyRequest, services: NamedDependency[Services], recovery_id: FromPath[str]
) -> RecoveryOut:
    """A device still held cancels a pending recovery of its wallet."""
    caller = await offload(services, lambda: citizen(request, services))
    cancel = services.recovery.cancel
    return RecoveryOut.of(await offload(services, lambda: cancel(caller.subject, caller.jkt, recovery_id)))


@get("/v1/agency/reissue", tags=["agency"], response_headers=NO_STORE)
async def reissue_queue(request: AnyRequest, services: NamedDependency[Services]) -> ReissueListOut:
    """Credentials this issuer must re-issue: bound to a key the citizen no longer holds (each listing
    is a lookup in the citizen's access log)."""
    who = await offload(services, lambda: agency(request, services).subject)
    items = await offload(services, lambda: services.reissues.queue(who))
    return ReissueListOut([ReissueItemOut.of(item) for item in items])


@post("/v1/agency/reissue/{credential_id:str}", status_code=201, tags=["agency"])
async def reissue_credential(
    request: AnyRequest,
    services: NamedDependency[Services],
    credential_id: FromPath[str],
    data: JSONBody[ReissueIn],
) -> ReissueOut:
    """Re-issue a queued credential: same type and claims, a key the citizen holds, a new status entry;
    the old one's status entry is revoked."""
    who = await offload(services, lambda: agency(request, services).subject)
    reissue = services.reissues.reissue
    result = await offload(services, lambda: reissue(who, credential_id, data.credential))
    return msgspec.convert(result, ReissueOut)


ROUTES = [recovery_nonce, start_recovery, recovery_status, cancel_recovery, reissue_queue, reissue_credential]
