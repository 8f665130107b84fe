"""Operator endpoints: Prometheus metrics, readable only with the operator's scrape credential.

The credential is derived from the master key (``wallet metrics token`` prints it), so every node
of a deployment accepts the same one and nothing new has to be stored or distributed; a scraper
sends it as ``Authorization: Bearer <token>`` (Prometheus: ``authorization.credentials_file``).
"""

from __future__ import annotations

import base64
import hmac

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController

import crypto
from wallet_api.errors import OperatorCredentialRequired
from wallet_api.services import Services

_LABEL = "metrics-scrape"


def metrics_token(master: crypto.MasterKeyRing) -> str:
    """The bearer credential that opens ``/metrics`` (a secret: give it to the scraper only)."""
    return base64.urlsafe_b64encode(master.derive(_LABEL)).rstrip(b"=").decode("ascii")


def _operator_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]  # any connection
    services: Services = connection.app.state.services
    scheme, _sep, presented = connection.headers.get("authorization", "").partition(" ")
    expected = metrics_token(services.ctx.master)
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        raise OperatorCredentialRequired()


class OperatorMetrics(PrometheusController):
    """``GET /metrics`` behind the operator's scrape credential; not in the public API document."""

    guards = [_operator_only]  # noqa: RUF012  # litestar reads the class attribute
    include_in_schema = False


ROUTES = [OperatorMetrics]
