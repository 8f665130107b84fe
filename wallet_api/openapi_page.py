"""The interactive API page at ``/openapi/``: Swagger UI served by the service, under a strict CSP."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.types import Message, Scope

PAGE_PATH = "/openapi"
STATIC = "/static/swagger"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)  # Swagger UI sets style attributes at run time; no inline script is allowed


class LocalSwaggerPlugin(OpenAPIRenderPlugin):
    """Swagger UI from ``wallet_api/static/swagger`` (pinned, licensed), never from a CDN."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """The page: the bundle, our ``init.js`` and the document's URL in a data attribute."""
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec = html.escape(self.get_openapi_json_route(request))
        return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{STATIC}/swagger-ui.css">
<script src="{STATIC}/swagger-ui-bundle.js" defer></script>
<script src="{STATIC}/init.js" defer></script>
</head>
<body><div id="swagger-ui" data-spec="{spec}"></div></body>
</html>
""".encode()


_PAGE_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
)


async def add_page_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: CSP and no-sniff on the API page (a render plugin cannot set headers)."""
    if message["type"] == "http.response.start" and scope.get("path", "").rstrip("/") == PAGE_PATH:
        message["headers"] = [*message.get("headers", []), *_PAGE_HEADERS]
