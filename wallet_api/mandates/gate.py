"""The app-wide screen: a request naming a mandate reaches only the routes a mandate can cover.

Routes opt in with ``opt={"mandate": True}`` (the nine of
``wallet_api.openapi_codes.MANDATE_ROUTES``); on every other route the
``Wallet-Mandate`` header is refused with 403 ``mandate_not_allowed`` before any
parameter or body is read (``wallet_api.app.screen_request``, the app's
``before_request``; a litestar guard would cost a copy of the route handler per
request). ``wallet_api.routes.common.citizen`` refuses it too, so an owner-only
handler never acts on a delegate's request even if mounted without the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

import storage
from wallet_api.mandates.errors import MandateNotAllowed
from wallet_api.mandates.scope import Kind, Scope

if TYPE_CHECKING:  # wallet_api.services builds the mandate services: no import cycle at run time
    from wallet_api.services.auth import Principal

MANDATE_HEADER = "Wallet-Mandate"
OPT = "mandate"  # route handler option: a mandate may cover this route's action
MANDATE_OK = {OPT: True}  # ``opt=`` of a route a delegate may call under a mandate that covers it


def refuse_mandate_header(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The ``Wallet-Mandate`` header only on routes that opted in (called on the event loop by the
    app's ``before_request``: never register it as a plain-function guard, litestar would run it in
    a worker thread, a hop per request for a dict lookup)."""
    if MANDATE_HEADER in connection.headers and not handler.opt.get(OPT, False):
        raise MandateNotAllowed()


Target = str | Callable[[str], str] | None  # the value the scope must cover, or how to find it


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose data a request touches (``owner``) and who asks; ``mandate`` when a delegate acts."""

    owner: str
    principal: Principal
    mandate: storage.MandateRecord | None = None
    scope: Scope | None = None
    names: tuple[str, str] = ("", "")  # represented, delegate: unsealed with the mandate

    def covers(self, kind: Kind, value: str) -> bool:
        """The owner may do anything to their own data; a delegate what the mandate's scope lists."""
        return self.scope is None or self.scope.covers(kind, value)
