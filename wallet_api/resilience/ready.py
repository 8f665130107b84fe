"""Readiness: ``/ready`` asks each backend, each within its own short deadline (``/health`` asks none)."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import anyio.to_thread
from litestar import Response, get
from litestar.di import NamedDependency

from wallet_api.problems import problem_response
from wallet_api.routes.common import AnyRequest, lang
from wallet_api.services import Services


def _database(services: Services) -> None:
    with services.ctx.metadata.unit_of_work(readonly=True) as uow:
        uow.signing_keys.all()  # a few rows: one real round trip


def _blobs(services: Services) -> None:
    next(iter(services.ctx.blobs.list("ready/")), None)  # one listing request, nothing found


async def _check(call: Callable[[], None], seconds: float) -> str:
    """``ok``, ``timeout`` or the failure's code; the thread of a stuck call is abandoned."""
    with anyio.move_on_after(seconds):
        try:
            await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        except Exception as exc:
            return str(getattr(exc, "code", "error"))
        return "ok"
    return "timeout"


@get("/ready", tags=["discovery"], response_headers={"Cache-Control": "no-store"})
async def ready(request: AnyRequest, services: NamedDependency[Services]) -> Response[dict[str, object]]:
    """Readiness: 200 when the database and the blob store both answer, else 503 naming the failed ones."""
    settings = services.ctx.settings
    seconds = min(settings.deadline_seconds, settings.connect_timeout_seconds + settings.read_timeout_seconds)
    checks: dict[str, str] = {}

    async def run(name: str, call: Callable[[], None]) -> None:
        checks[name] = await _check(call, seconds)

    async with anyio.create_task_group() as group:
        group.start_soon(run, "database", lambda: _database(services))
        group.start_soon(run, "blobs", lambda: _blobs(services))
    checks = dict(sorted(checks.items()))
    if all(state == "ok" for state in checks.values()):
        return Response({"status": "ready", "checks": checks})
    response = problem_response("storage_unavailable", lang(request), {})
    failed = ", ".join(name for name, state in checks.items() if state != "ok")
    response.content = {**response.content, "checks": checks, "failed": failed}
    return response


ROUTES = [ready]
