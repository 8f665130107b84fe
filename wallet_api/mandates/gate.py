"""The app-wide guard: a request naming a mandate reaches only the routes a mandate can cover.

Routes opt in with ``opt={"mandate": True}`` (the nine of
``wallet_api.openapi_codes.MANDATE_ROUTES``); on every other route the
``Wallet-Mandate`` header is refused with 403 ``mandate_not_allowed`` before any
parameter or body is read. ``wallet_api.routes.common.citizen`` refuses it too,
so an owner-only handler never acts on a delegate's request even if mounted
without the guard.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from wallet_api.mandates.errors import MandateNotAllowed

MANDATE_HEADER = "Wallet-Mandate"
OPT = "mandate"  # route handler option: a mandate may cover this route's action
MANDATE_OK = {OPT: True}  # ``opt=`` of a route a delegate may call under a mandate that covers it


def refuse_mandate_header(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Litestar guard: the ``Wallet-Mandate`` header only on routes that opted in."""
    if MANDATE_HEADER in connection.headers and not handler.opt.get(OPT, False):
        raise MandateNotAllowed()
