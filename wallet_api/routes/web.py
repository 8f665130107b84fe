"""Files the service serves itself (the verifier page's scripts, the API page): no CDN, ever."""

from __future__ import annotations

from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from wallet_api.verifier.routes import STATIC

ROUTES: list[ControllerRouterHandler] = [
    create_static_files_router(path="/static", directories=[str(STATIC)], include_in_schema=False),
]
