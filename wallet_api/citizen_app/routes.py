"""Serving the citizen's app: the page at ``/app``, its service worker, manifest and modules.

The app is plain ES modules under ``wallet_api/static/app/`` (no build step). Every file is served
from ``/app/...`` (so the service worker's scope, ``/app``, covers them all), compressed with gzip
when the browser accepts it (the whole shell stays small on a slow phone line), with an ``ETag``
so a revisit costs a ``304``. The page's CSP allows scripts, styles, images and connections to the
service's own origin only: no inline script, no CDN, no JavaScript ``eval``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from wallet_api.routes.common import AnyRequest

APP_FILES = resources.files("wallet_api").joinpath("static", "app")
# 'wasm-unsafe-eval' lets the vendored QR reader (zxing-cpp, WebAssembly, the /verify page's) compile,
# to scan a new device's pairing code; JavaScript eval stays forbidden. media-src: the camera preview.
CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; worker-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
MEDIA_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/plain",
}
_MAX_PATH = 200


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the app, read once: its bytes, their gzip, its media type and ETag."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str


def _resolve(path: str) -> Traversable | None:
    """The packaged file at ``path`` under static/app, refusing anything that could climb out."""
    parts = path.split("/")
    if len(path) > _MAX_PATH or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
        return None
    node = APP_FILES
    for part in parts:
        node = node.joinpath(part)
    return node if node.is_file() else None


@functools.lru_cache(maxsize=128)
def asset(path: str) -> Asset | None:
    """The app file at ``path`` (``index.html``, ``views/home.js`` ...), or ``None``."""
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    media = MEDIA_TYPES.get(suffix)
    node = _resolve(path) if media else None
    if node is None or media is None:
        return None
    body = node.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), media, etag)


def _accepts_gzip(request: AnyRequest) -> bool:
    accepted = request.headers.get("accept-encoding", "")
    return any(part.split(";")[0].strip().lower() == "gzip" for part in accepted.split(","))


def _serve(request: AnyRequest, path: str, extra: dict[str, str]) -> Response[bytes]:
    found = asset(path)
    if found is None:
        raise NotFoundException()
    headers = {"ETag": found.etag, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff", **extra}
    if request.headers.get("if-none-match") == found.etag:
        return Response(b"", status_code=304, headers=headers)
    body = found.body
    if _accepts_gzip(request) and len(found.gzipped) < len(body):
        body, headers["Content-Encoding"] = found.gzipped, "gzip"
    return Response(body, media_type=found.media_type, headers=headers)


@get("/app", include_in_schema=False)
async def app_page(request: AnyRequest) -> Response[bytes]:
    """Ví dữ liệu công dân / The citizen's app (Vietnamese first, English one tap away)."""
    return _serve(request, "index.html", {"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


@get("/app/{path:path}", include_in_schema=False)
async def app_file(request: AnyRequest, path: FromPath[str]) -> Response[bytes]:
    """The app's modules, styles, icons, manifest and service worker (``no-cache``: revalidated by
    ETag, so a new version is picked up at once; the service worker keeps them for offline use)."""
    name = path.lstrip("/")
    extra = {"Cache-Control": "no-cache"}
    if name == "sw.js":  # the worker controls the page at /app as well as everything under it
        extra["Service-Worker-Allowed"] = "/app"
    if name == "index.html":
        extra["Content-Security-Policy"] = CSP
    return _serve(request, name, extra)


ROUTES: list[ControllerRouterHandler] = [app_page, app_file]
"""The citizen's app: its page and its files."""
