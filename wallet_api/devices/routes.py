"""Device routes: a new device asks to pair and follows its pairing; the citizen's devices show,
approve, list and revoke. Thin handlers over ``DeviceService`` and ``PairingService``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from wallet_api.devices.wire import (
    ApprovalIn,
    DeviceListOut,
    DeviceOut,
    PairingIn,
    PairingOut,
    PairingStatusOut,
    ShowIn,
    ShownPairingOut,
)
from wallet_api.limits.limiter import caller_address
from wallet_api.routes.common import AnyRequest, citizen, offload, request_url
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}
TAGS = ["devices"]
Last = Annotated[
    bool, QueryParameter(description="Confirm revoking the last active device (the wallet locks).")
]


@post("/v1/devices/pairings", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def start_pairing(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[PairingIn]
) -> PairingOut:
    """A new device asks to join a wallet; its ``DPoP`` proof (no token) must be made with ``device_jwk``."""
    proofs, url = request.headers.getall("dpop", []), request_url(request, services)
    address = caller_address(request, services.ctx.settings.trusted_proxies)

    def limited() -> Any:
        services.limiter.check("pairing", address)
        return services.pairings.start(data.name, data.device_jwk, proofs, url)

    started = await offload(services, limited)
    return PairingOut.of(started)


@get("/v1/devices/pairings/{pairing_id:str}", tags=TAGS, response_headers=NO_STORE)
async def pairing_status(
    request: AnyRequest, services: NamedDependency[Services], pairing_id: FromPath[str]
) -> PairingStatusOut:
    """The new device follows its pairing, with a ``DPoP`` proof of its key (no token)."""
    proofs, url = request.headers.getall("dpop", []), request_url(request, services)
    return PairingStatusOut.of(
        await offload(services, lambda: services.pairings.status(pairing_id, proofs, url))
    )


@post("/v1/me/devices/pairings", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def show_pairing(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[ShowIn]
) -> ShownPairingOut:
    """Open a pairing by its code on this device: its name and key words, and the nonce to sign."""
    caller = await offload(services, lambda: citizen(request, services))
    shown = await offload(services, lambda: services.pairings.show(caller.subject, caller.jkt, data.code))
    return ShownPairingOut.of(shown)


@post("/v1/me/devices/pairings/{pairing_id:str}/approval", status_code=201, tags=TAGS)
async def approve_pairing(
    request: AnyRequest,
    services: NamedDependency[Services],
    pairing_id: FromPath[str],
    data: JSONBody[ApprovalIn],
) -> DeviceOut:
    """Approve a pairing this device was shown, with a JWS signed by this device's key."""
    caller = await offload(services, lambda: citizen(request, services))
    approve = services.pairings.approve
    return DeviceOut.of(
        await offload(services, lambda: approve(caller.subject, caller.jkt, pairing_id, data.approval))
    )


@get("/v1/me/devices", tags=TAGS, response_headers=NO_STORE)
async def list_devices(request: AnyRequest, services: NamedDependency[Services]) -> DeviceListOut:
    """The citizen's devices: name, added when and how, last used, revoked."""
    caller = await offload(services, lambda: citizen(request, services))
    views = await offload(services, lambda: services.devices.list(caller.subject, caller.jkt))
    return DeviceListOut([DeviceOut.of(v) for v in views])


@delete("/v1/me/devices/{device_id:str}", status_code=204, tags=TAGS)
async def revoke_device(
    request: AnyRequest, services: NamedDependency[Services], device_id: FromPath[str], last: Last = False
) -> Response[None]:
    """Revoke a device: its tokens stop at the next request; the last one only with ``last=true``."""
    caller = await offload(services, lambda: citizen(request, services))
    revoke = services.devices.revoke
    await offload(services, lambda: revoke(caller.subject, caller.jkt, device_id, last=last))
    return Response(None, status_code=204)


ROUTES = [start_pairing, pairing_status, show_pairing, approve_pairing, list_devices, revoke_device]
