"""The web verifier page: opens the camera, decodes QR codes in the browser, checks them online."""

from __future__ import annotations

from importlib import resources

from litestar import Response, get
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC = resources.files("wallet_api").joinpath("static")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@get("/verify", include_in_schema=False, media_type="text/html")
async def verify_page() -> Response[str]:
    """Trang kiểm tra mã QR / The QR verifier page (Vietnamese by default, ?lang=en)."""
    html = STATIC.joinpath("verify.html").read_text("utf-8")
    headers = {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(html, media_type="text/html", headers=headers)  # litestar adds "; charset=utf-8"


ROUTES: list[ControllerRouterHandler] = [
    verify_page,
    create_static_files_router(path="/static", directories=[str(STATIC)], include_in_schema=False),
]
