"""Request metrics for Prometheus, kept per route at the cost of a dictionary look-up.

The series are those litestar's ``PrometheusMiddleware`` kept, with the same names, help texts,
types and labels (``method``, ``path`` as the route's template, ``status_code``, ``app_name``):
``{prefix}_requests_in_progress`` (gauge, ``livesum`` across processes),
``{prefix}_requests_total``, ``{prefix}_requests_error_total`` (status 500 and above) and
``{prefix}_request_duration_seconds`` (histogram, from the request's arrival to its last body
message). What differs is the cost: litestar builds a ``Request`` and a label dictionary and looks
each series' child up by its label values (``labels()``, four times) on every request, about a tenth
of the metadata GET's CPU; here each route's children are found once, then kept in a dictionary
keyed by method and status.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final, cast

from litestar import types as litestar_types
from prometheus_client import Counter, Gauge, Histogram

# Plain ASGI (litestar's TypedDicts would only narrow what is read here: type, path, method, status).
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ERROR_FROM: Final = 500
_LOCK = threading.Lock()
# One set of series per process and prefix: prometheus_client's registry refuses a second one with
# the same name (several apps are built in one process by the tests and the CLI).
_SERIES: dict[str, tuple[Gauge, Counter, Counter, Histogram]] = {}
_LABELS: Final = ("method", "path", "status_code", "app_name")


def _series(prefix: str) -> tuple[Gauge, Counter, Counter, Histogram]:
    with _LOCK:
        found = _SERIES.get(prefix)
        if found is None:
            found = (
                Gauge(
                    f"{prefix}_requests_in_progress",
                    "Total requests currently in progress",
                    labelnames=_LABELS,
                    multiprocess_mode="livesum",
                ),
                Counter(f"{prefix}_requests_total", "Total requests", labelnames=_LABELS),
                Counter(f"{prefix}_requests_error_total", "Total errors in requests", labelnames=_LABELS),
                Histogram(
                    f"{prefix}_request_duration_seconds", "Request duration, in seconds", labelnames=_LABELS
                ),
            )
            _SERIES[prefix] = found
        return found


class _Outcome:
    """What the response said, seen on its way out."""

    __slots__ = ("end", "send", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 200
        self.end = 0.0

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        elif kind == "http.response.body":
            self.end = time.perf_counter()
        await self.send(message)


class RequestMetrics:
    """ASGI middleware counting and timing every HTTP request of the route it wraps (litestar
    applies app-level middleware after routing, so ``path_template`` names the route)."""

    def __init__(self, app: ASGIApp, *, app_name: str, prefix: str, exclude: tuple[str, ...] = ()) -> None:
        self.app = app
        self.app_name = app_name
        self.exclude = frozenset(exclude)
        self.in_progress, self.total, self.errors, self.duration = _series(prefix)
        # (method, path) -> in-progress child; (method, path, status) -> (total, errors, duration)
        self._running: dict[tuple[str, str], Any] = {}
        self._done: dict[tuple[str, str, int], tuple[Any, Any | None, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exclude:
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        key = (scope["method"], scope.get("path_template") or scope["path"])
        running = self._running.get(key)
        if running is None:
            running = self._running[key] = self.in_progress.labels(*key, "200", self.app_name)
        outcome = _Outcome(send)
        running.inc()
        try:
            await self.app(scope, receive, outcome)
        finally:
            running.dec()
            status = outcome.status
            done = self._done.get((*key, status))
            if done is None:
                done = self._done[(*key, status)] = self._children(key, status)
            total, errors, duration = done
            if errors is not None:
                errors.inc()
            total.inc()
            duration.observe(outcome.end - start if outcome.end else 0.0)

    def _children(self, key: tuple[str, str], status: int) -> tuple[Any, Any | None, Any]:
        values = (*key, str(status), self.app_name)
        errors = self.errors.labels(*values) if status >= _ERROR_FROM else None
        return self.total.labels(*values), errors, self.duration.labels(*values)


def request_metrics(
    app: litestar_types.ASGIApp, *, app_name: str, prefix: str, exclude: tuple[str, ...] = ()
) -> litestar_types.ASGIApp:
    """``RequestMetrics`` as litestar's ``DefineMiddleware`` builds middleware (its ASGI types are
    narrower TypedDicts of the same messages)."""
    wrapped: Any = app
    middleware: Any = RequestMetrics(wrapped, app_name=app_name, prefix=prefix, exclude=exclude)
    return cast("litestar_types.ASGIApp", middleware)
