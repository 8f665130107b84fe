"""The request metrics (``wallet_api.metrics``): the series, labels and counts an operator scrapes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

import crypto
from tests.support.inprocess import BACKENDS, BASE, backend_settings
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.metrics import RequestMetrics
from wallet_api.routes.operator import metrics_token
from wallet_api.settings import Settings

Labels = tuple[tuple[str, str], ...]


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


def _scrape(client: TestClient, token: str) -> dict[tuple[str, Labels], float]:  # type: ignore[type-arg]
    body = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _labels(method: str, path: str, status: int, **extra: str) -> Labels:
    values = {"method": method, "path": path, "status_code": str(status), "app_name": "wallet", **extra}
    return tuple(sorted(values.items()))


def test_each_request_is_counted_timed_and_labelled_by_route(settings: Settings) -> None:
    initialise(settings)
    token = metrics_token(crypto.open_master_key(settings.master_key_url))
    with TestClient(create_app(settings), base_url=BASE) as client:
        before = _scrape(client, token)
        for _ in range(3):
            assert client.get("/health").status_code == 200
        for document in ("a", "b"):  # two paths of one route: one series, the route's template
            assert client.get(f"/v1/me/documents/{document}").status_code == 401
        after = _scrape(client, token)

    def delta(name: str, labels: Labels) -> float:
        return after.get((name, labels), 0.0) - before.get((name, labels), 0.0)

    health = _labels("GET", "/health", 200)
    assert delta("wallet_requests_total", health) == 3
    assert delta("wallet_request_duration_seconds_count", health) == 3
    assert 0 < delta("wallet_request_duration_seconds_sum", health) < 3
    assert delta("wallet_request_duration_seconds_bucket", _labels("GET", "/health", 200, le="+Inf")) == 3
    refused = _labels("GET", "/v1/me/documents/{document_id}", 401)
    assert delta("wallet_requests_total", refused) == 2
    assert delta("wallet_requests_error_total", refused) == 0  # a 4xx is not a server error
    assert after[("wallet_requests_in_progress", _labels("GET", "/health", 200))] == 0
    assert not [key for key in after if 'path="/metrics"' in str(key) or ("path", "/metrics") in key[1]]


async def _server_error(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 503, "headers": []})
    await send({"type": "http.response.body", "body": b"down"})


async def _broken(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("broke before answering")


async def _call(app: Any, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "path_template": "/errors/{n}"}
    await app(scope, receive, send)
    return sent


def _value(name: str, labels: Labels) -> float:
    return REGISTRY.get_sample_value(name, dict(labels)) or 0.0


def test_server_errors_are_counted_apart_and_nothing_is_left_in_progress() -> None:
    labels = _labels("POST", "/errors/{n}", 503)
    in_progress = _labels("POST", "/errors/{n}", 200)
    errors, total = _value("wallet_requests_error_total", labels), _value("wallet_requests_total", labels)
    middleware = RequestMetrics(_server_error, app_name="wallet", prefix="wallet")
    sent = asyncio.run(_call(middleware, "/errors/1"))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]  # passed on as sent
    asyncio.run(_call(middleware, "/errors/2"))
    assert _value("wallet_requests_error_total", labels) == errors + 2
    assert _value("wallet_requests_total", labels) == total + 2
    broken = RequestMetrics(_broken, app_name="wallet", prefix="wallet")
    with pytest.raises(RuntimeError):
        asyncio.run(_call(broken, "/errors/3"))
    assert _value("wallet_requests_in_progress", in_progress) == 0
    excluded = RequestMetrics(_server_error, app_name="wallet", prefix="wallet", exclude=("/errors/4",))
    before = _value("wallet_requests_total", labels)
    asyncio.run(_call(excluded, "/errors/4"))
    assert _value("wallet_requests_total", labels) == before
