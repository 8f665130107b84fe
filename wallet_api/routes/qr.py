"""QR routes: identity-token batches for the phone, presentation references, the online check."""

from __future__ import annotations

import base64

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

import qr
from qr import DEFAULT_DISCLOSURE
from wallet_api.routes.common import AnyRequest, citizen, offload, request_url
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}


class IdentityBatchRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Which claims a stranger may see, and how many windows to pre-sign."""

    fields: list[str] = msgspec.field(default_factory=lambda: sorted(DEFAULT_DISCLOSURE))
    count: int = 720
    lifetime: int = 120


class IdentityTokenOut(msgspec.Struct):
    """One pre-signed identity payload (base64) and its window."""

    payload: str
    not_before: int
    expires: int


class IdentityBatch(msgspec.Struct):
    """Tokens for consecutive windows: 24 hours of offline identity QR codes by default."""

    tokens: list[IdentityTokenOut]


class ReferenceRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A presentation too big for a QR code."""

    presentation: str


class ReferenceOut(msgspec.Struct):
    """The short reference a verifier resolves online, once."""

    reference: str
    url: str
    expires_in: int


@post("/v1/me/identity-qr", status_code=200, tags=["qr"], response_headers=NO_STORE)
async def identity_batch(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[IdentityBatchRequest]
) -> IdentityBatch:
    """Pre-signed, short-lived identity tokens; the phone shows the current one, even with no network."""

    def limited() -> list[qr.IdentityToken]:
        who = citizen(request, services).subject
        services.limiter.check("identity_qr", who)
        return services.qr.identity_batch(who, data.fields, data.count, data.lifetime)

    tokens = await offload(services, limited)
    return IdentityBatch(
        [IdentityTokenOut(base64.b64encode(t.payload).decode(), t.not_before, t.expires) for t in tokens]
    )


@post("/v1/me/presentations", status_code=201, tags=["qr"], response_headers=NO_STORE)
async def create_reference(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[ReferenceRequest]
) -> ReferenceOut:
    """Park a presentation too big for a QR code behind a one-time reference valid for minutes."""
    reference, ttl = await offload(
        services, lambda: services.qr.create_reference(citizen(request, services).subject, data.presentation)
    )
    base = request_url(request, services).split("/v1/", 1)[0]
    return ReferenceOut(reference, f"{base}/v1/presentations/{reference}", ttl)


@get("/v1/presentations/{reference:str}", tags=["qr"], media_type="text/plain")
async def resolve_reference(services: NamedDependency[Services], reference: FromPath[str]) -> Response[str]:
    """The presentation behind a reference (once; the reference itself is the credential)."""
    text = await offload(services, lambda: services.qr.resolve_reference(reference))
    return Response(text, media_type="text/plain", headers={**NO_STORE, "X-Content-Type-Options": "nosniff"})


ROUTES = [identity_batch, create_reference, resolve_reference]
