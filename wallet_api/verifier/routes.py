"""The counter's verifier: the ``/verify`` page, its service-issued nonces, and the online check."""

from __future__ import annotations

import base64
import binascii
from importlib import resources

import msgspec
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from qr.pasted import payload_from_text
from wallet_api.errors import InvalidRequest
from wallet_api.routes.common import AnyRequest, offload, request_url
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}
STATIC = resources.files("wallet_api").joinpath("static")
# The QR decoder is zxing-cpp compiled to WebAssembly: compiling it needs 'wasm-unsafe-eval'
# (WebAssembly only; JavaScript eval stays forbidden).
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A scanned QR payload (``base64`` of its bytes) or a code typed at the counter (``text``: a
    reference URL or code, a base64 payload, a presentation), and the counter's nonce ticket."""

    payload: str
    encoding: str = "base64"
    ticket: str | None = None


class NonceOut(msgspec.Struct):
    """A nonce for one scan: ``nonce`` is read to the citizen, ``ticket`` goes back with the scan."""

    nonce: str
    ticket: str
    audience: str
    expires_in: int


def _audience(request: AnyRequest, services: Services) -> str:
    """The counter's audience: the configured origin the page was reached on, plus ``/verify``."""
    return request_url(request, services).split("/v1/", 1)[0] + "/verify"


@get("/verify", include_in_schema=False, media_type="text/html")
async def verify_page() -> Response[str]:
    """Trang kiểm tra mã QR / The QR verifier page (Vietnamese by default, ?lang=en)."""
    html = STATIC.joinpath("verify.html").read_text("utf-8")
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(html, media_type="text/html", headers=headers)  # litestar adds "; charset=utf-8"


@post("/v1/verify/nonces", status_code=201, tags=["qr"], response_headers=NO_STORE)
async def issue_nonce(request: AnyRequest, services: NamedDependency[Services]) -> NonceOut:
    """A single-use nonce for the next scan at a counter (valid 5 minutes; ask again after each scan)."""
    issued = services.nonces.issue(_audience(request, services))
    return NonceOut(issued.nonce, issued.ticket, issued.audience, issued.expires_at - services.ctx.now())


@post("/v1/verify", status_code=200, tags=["qr"], response_headers=NO_STORE)
async def verify(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[VerifyRequest]
) -> dict[str, object]:
    """Check a scanned QR payload online. A presentation needs the ticket of a nonce from
    ``POST /v1/verify/nonces``; the ticket is spent by this call, whatever the verdict."""
    if len(data.payload) > 200_000:
        raise InvalidRequest("too large", reason_vi="dữ liệu quá lớn", reason_en="payload too large")
    if data.ticket is not None and len(data.ticket) > 200:
        raise InvalidRequest("ticket", reason_vi="phiếu mã kiểm tra quá dài", reason_en="ticket too long")
    if data.encoding == "text":  # typed or pasted at a counter with no camera
        raw = payload_from_text(data.payload)
    elif data.encoding == "base64":
        try:
            raw = base64.b64decode(data.payload, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("base64", reason_vi="không phải base64", reason_en="not base64") from None
    else:
        raise InvalidRequest(
            "encoding",
            reason_vi="encoding phải là base64 hoặc text",
            reason_en="encoding must be base64 or text",
        )
    audience = _audience(request, services)
    return await offload(
        services, lambda: services.qr.verify_online(raw, ticket=data.ticket, audience=audience)
    )


ROUTES: list[ControllerRouterHandler] = [verify_page, issue_nonce, verify]
