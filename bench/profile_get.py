"""Profile the authenticated metadata GET inside one process: the ASGI app called directly (no
HTTP server, no client), so every microsecond shown is the app's own (issue 12 item 1).

    PYTHONPATH=. .venv/bin/python -m bench.profile_get [--n 3000] [--profile [--thread]] [--delegate]

Prints microseconds per request (best of 5 batches) and, with ``--profile``, the cProfile top by
cumulative and by own time (of the event loop; with ``--thread``, of the hops to the worker
thread). Embedded default only unless ``WALLET_TEST_DATABASE_URL`` is set (``scripts/bench.sh``
sets it) and ``--scaled`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env


def _setup(
    root: Path, env: dict[str, str], *, delegate: bool = False
) -> tuple[dict[str, str], RawCitizen, str, str | None]:
    """The server's environment, the caller (the owner, or with ``delegate`` a delegate under a
    mandate covering the document's type), the document, the mandate id."""
    server = WalletServer(root / "data", env=env)
    server.data_dir.parent.mkdir(parents=True, exist_ok=True)
    server.start()
    mandate_id = None
    try:
        citizen = RawCitizen(server.url)
        assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
        document_id = citizen.upload(b"%PDF-" + os.urandom(4096), doc_type="birth-certificate").json()["id"]
        if delegate:
            acting = RawCitizen(server.url)
            assert acting.enrol().status_code == 201 and acting.login().status_code == 200
            until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
            body = {
                "delegate_cccd": acting.cccd,
                "scope": {"documents": ["birth-certificate"]},
                "valid_until": until,
            }
            granted = citizen.request("POST", "/v1/me/mandates", json=body)
            assert granted.status_code == 201, granted.text
            citizen, mandate_id = acting, str(granted.json()["mandate_id"])
        app_env = {**server.command_env(), "WALLET_PUBLIC_URL": server.url}
    finally:
        server.stop()
    return app_env, citizen, document_id, mandate_id


async def _call(app: Any, scope: dict[str, Any]) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def _scope(citizen: RawCitizen, path: str, port: int, mandate_id: str | None = None) -> dict[str, Any]:
    headers = [
        (b"host", f"127.0.0.1:{port}".encode()),
        (b"authorization", f"DPoP {citizen.token}".encode()),
        (b"dpop", citizen.proof("GET", path).encode()),
    ]
    if mandate_id is not None:
        headers.append((b"wallet-mandate", mandate_id.encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", port),
        "state": {},
    }


async def _run(app: Any, scopes: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall and CPU seconds per request (CPU: this process alone, steadier on a busy machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    for scope in scopes:
        status = await _call(app, scope)
        if status != 200:
            raise RuntimeError(f"GET answered {status}")
    return (time.perf_counter() - start) / len(scopes), (time.process_time() - cpu) / len(scopes)


def _profile_hops(app: Any, prof: cProfile.Profile) -> None:
    """Run every blocking hop of the metadata lane under ``prof`` (in the worker thread it runs in)."""
    lanes = app.state.services.lanes
    hop = lanes.metadata

    async def profiled(call: Any) -> Any:
        return await hop(lambda: prof.runcall(call))

    lanes.metadata = profiled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--scaled", action="store_true")
    parser.add_argument("--delegate", action="store_true", help="the read by a delegate under a mandate")
    parser.add_argument("--dump", help="write the cProfile stats to this file (pstats)")
    parser.add_argument(
        "--thread",
        action="store_true",
        help="with --profile: profile the hop to the worker thread (the metadata lane) instead of the loop",
    )
    parser.add_argument("--limits", default="device=1000000/1,agency=1000000/1", help="WALLET_RATE_LIMITS")
    args = parser.parse_args()
    env: dict[str, str] = {}
    if args.scaled:
        env.update(scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"]))
    root = Path(tempfile.mkdtemp(prefix="wallet-profile-"))
    app_env, citizen, document_id, mandate_id = _setup(root, env, delegate=args.delegate)
    app_env["WALLET_RATE_LIMITS"] = args.limits  # on, as in production, but high enough to time
    os.environ.update(app_env)

    from wallet_api.app import create_app
    from wallet_api.settings import Settings

    app = create_app(Settings.from_env(app_env))
    port = int(app_env["WALLET_PUBLIC_URL"].rsplit(":", 1)[1])
    path = f"/v1/me/documents/{document_id}"

    async def go() -> None:
        await _run(app, [_scope(citizen, path, port, mandate_id) for _ in range(200)])  # warm up
        best = best_cpu = float("inf")
        for _ in range(5):
            scopes = [_scope(citizen, path, port, mandate_id) for _ in range(args.n // 5)]
            wall, cpu = await _run(app, scopes)
            best, best_cpu = min(best, wall), min(best_cpu, cpu)
        who = " by a delegate" if args.delegate else ""
        print(
            f"metadata GET in-process{who}: {best * 1e6:.0f} us per request, CPU {best_cpu * 1e6:.0f} us "
            f"(best of 5 x {args.n // 5})"
        )
        if args.profile:
            scopes = [_scope(citizen, path, port, mandate_id) for _ in range(args.n)]
            prof = cProfile.Profile()
            if args.thread:
                _profile_hops(app, prof)
            else:
                prof.enable()
            await _run(app, scopes)
            if not args.thread:
                prof.disable()
            if args.dump:
                prof.dump_stats(args.dump)
            stats = pstats.Stats(prof)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(35)

    asyncio.run(go())


if __name__ == "__main__":
    main()
