"""The metadata GET's CPU in process, two versions of the code side by side (issue 12 item 1).

    PYTHONPATH=. .venv/bin/python -m bench.compare_cpu [--base main] [--rounds 30] [--batch 400] [--scaled]

``bench/profile_get.py`` measures one version; its setup (a server, a citizen, a document) takes
seconds, so comparing two versions meant a few runs each, minutes apart, on a machine whose load
moves by several times in that span. Here each version (``--base``, ``git archive``d, and this
checkout) is one long-lived child process that sets up once, then answers batches on demand:
the batches alternate (order swapped every round), and what is printed is each version's median
CPU per request (this process alone: ``time.process_time``), and the median and quartiles of the
per-round ratio this/base, the steadiest figure when the load moves. The base must hold
``bench/profile_get.py`` (main does). ``--limits-ab``: this checkout against itself, limits off
against on, the per-device limit's cost per GET (issue 12 item 4).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# On, as in production, but never refusing the one caller: a window of a minute and steps of 64
# calls (the default device limit, 1200 a minute, steps 60).
HIGH_LIMITS = "device=1000000/60,agency=1000000/60"


def _child(source: Path, scaled: bool, delegate: bool, limits: str) -> None:
    """One version: set up once, then time a batch of GETs for each number read from stdin."""
    sys.path.insert(0, str(source))
    from bench.profile_get import _call, _scope, _setup  # the version's own (from ``source``)

    env: dict[str, str] = {}
    if scaled:
        from tests.support.server import scaled_env

        env.update(scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"]))
    root = Path(tempfile.mkdtemp(prefix="wallet-cpu-"))
    app_env, citizen, document_id, mandate_id = _setup(root, env, delegate=delegate)
    app_env["WALLET_RATE_LIMITS"] = limits
    os.environ.update(app_env)
    from wallet_api.app import create_app
    from wallet_api.settings import Settings

    app = create_app(Settings.from_env(app_env))
    port = int(app_env["WALLET_PUBLIC_URL"].rsplit(":", 1)[1])
    path = f"/v1/me/documents/{document_id}"

    async def batch(n: int) -> tuple[float, float]:
        scopes = [_scope(citizen, path, port, mandate_id) for _ in range(n)]
        start, cpu = time.perf_counter(), time.process_time()
        for scope in scopes:
            if await _call(app, scope) != 200:
                raise RuntimeError("the GET did not answer 200")
        return (time.process_time() - cpu) / n, (time.perf_counter() - start) / n

    async def serve() -> None:
        await batch(300)  # warm up
        print("ready", flush=True)
        for line in sys.stdin:
            cpu, wall = await batch(int(line))
            print(f"{cpu * 1e6:.1f} {wall * 1e6:.1f}", flush=True)

    asyncio.run(serve())


def _start(source: Path, args: argparse.Namespace, limits: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(source), "--limits", limits]
    command += ["--scaled"] if args.scaled else []
    command += ["--delegate"] if args.delegate else []
    env = {**os.environ, "PYTHONPATH": str(source)}
    pipe = subprocess.PIPE
    child = subprocess.Popen(command, cwd=source, env=env, stdin=pipe, stdout=pipe, text=True)
    assert child.stdout is not None
    if child.stdout.readline().strip() != "ready":
        raise RuntimeError(f"{source}: the child did not start")
    return child


def _ask(child: subprocess.Popen[Any], n: int) -> float:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(f"{n}\n")
    child.stdin.flush()
    return float(child.stdout.readline().split()[0])


def _quartiles(values: list[float], digits: int) -> str:
    q = statistics.quantiles(values, n=4)
    return f"median {statistics.median(values):.{digits}f} (quartiles {q[0]:.{digits}f} .. {q[2]:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="main")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--scaled", action="store_true", help="PostgreSQL + S3 (WALLET_TEST_*_URL set)")
    parser.add_argument("--delegate", action="store_true", help="the read by a delegate under a mandate")
    parser.add_argument(
        "--limits-ab",
        action="store_true",
        help="this checkout twice: limits off (base) against on (this), the per-device limit's cost",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limits", default=HIGH_LIMITS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        _child(args.child, args.scaled, args.delegate, args.limits)
        return
    from bench.compare_get import archive

    if args.limits_ab:
        children = {"base": _start(REPO, args, "off"), "this": _start(REPO, args, HIGH_LIMITS)}
    else:
        base = archive(args.base, Path(tempfile.mkdtemp(prefix="wallet-cpu-base-")))
        children = {"base": _start(base, args, HIGH_LIMITS), "this": _start(REPO, args, HIGH_LIMITS)}
    cpu: dict[str, list[float]] = {name: [] for name in children}
    try:
        for i in range(args.rounds):
            order = list(children) if i % 2 == 0 else list(reversed(children))
            for name in order:
                cpu[name].append(_ask(children[name], args.batch))
    finally:
        for child in children.values():
            child.kill()
            child.wait()
    backend = "PostgreSQL + S3" if args.scaled else "embedded"
    what = "limits off (base) vs on (this)" if args.limits_ab else f"{args.base} (base) vs this checkout"
    print(f"metadata GET in process, {backend}, {what}, CPU us per request, {args.rounds} x {args.batch}:")
    for name, values in cpu.items():
        print(f"  {name}: best {min(values):.0f}, {_quartiles(values, 0)}")
    ratios = [t / b for t, b in zip(cpu["this"], cpu["base"], strict=True)]
    print(f"  this/base per round: {_quartiles(ratios, 3)}")


if __name__ == "__main__":
    main()
