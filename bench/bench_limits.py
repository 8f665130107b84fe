"""Limiter benchmark (issue 12 item 4): the per-device limit's cost on the authenticated metadata
GET, limits off against the default limits on, measured interleaved in one run (goal: < 5 %).

Both servers run the same backend; the GETs come from ``--devices`` enrolled citizens in turn,
so the per-device limit (``device=1200/60`` by default: a shared-row write every 60 calls of a
device) counts without refusing (``wrk_run`` fails on any non-2xx answer).

On a shared 2-core machine one best-of-3 rate comparison swung from -35 % to +98 %, so the cost
is measured three ways, steadiest first: the limiter alone in process (no HTTP); the servers'
own CPU time per request over HTTP (psutil, each server's process tree), which a burst of other
load barely moves; and the request rates. Both HTTP figures come from ``--rounds`` short rounds,
interleaved with the order swapped every round, and are reported as the median (and quartiles)
of the per-round on/off ratios, not best against best. Also printed: one exact upsert alone
(what counting every request in the database would cost), for scale.
Run ``scripts/bench.sh limits`` (embedded default; ``--scaled`` adds PostgreSQL + S3).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import tempfile
import time
from pathlib import Path

import storage
from bench.bench_vault import enrolled, proof_lines, run_server, tree_cpu, wrk_run
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.limits.policy import DEFAULT
from wallet_api.settings import Settings

# The default limits that apply to an authenticated GET (the others, e.g. enrolment per address,
# would stop the bench from enrolling its devices from one address).
ON_THE_GET = ",".join(part for part in DEFAULT.split(",") if part.startswith(("device=", "agency=")))


def lines_for(citizens: list[tuple[RawCitizen, str]], count: int) -> list[str]:
    """``count`` single-use GET lines, the citizens taking turns."""
    per = count // len(citizens) + 1
    each = [proof_lines(citizen, path, per) for citizen, path in citizens]
    return [line for group in itertools.zip_longest(*each) for line in group if line][:count]


def prepare(server: WalletServer, devices: int) -> list[tuple[RawCitizen, str]]:
    out = []
    for _ in range(devices):
        citizen = enrolled(server)
        document_id = citizen.upload(b"%PDF-" + os.urandom(1024)).json()["id"]
        out.append((citizen, f"/v1/me/documents/{document_id}"))
    return out


def upsert_cost(server: WalletServer, n: int = 2000, *, hot: bool = False) -> float:
    """Seconds for one exact counter upsert on the server's database: in a unit of work of its own
    (``BEGIN``, upsert, ``COMMIT``), or with ``hot`` as the limiter now adds a step (one statement in
    autocommit on the request path's connections, ``Metadata.hot_counters``)."""
    metadata = storage.open_metadata(Settings.from_env(server.command_env()).database_url)
    try:
        counters = metadata.hot_counters()
        start = time.perf_counter()
        for i in range(n):
            if hot:
                counters.hit(f"bench:{i % 50}", 0)
                continue
            with metadata.unit_of_work() as uow:
                uow.rate_counters.hit(f"bench:{i % 50}", 0)
                uow.commit()
        return (time.perf_counter() - start) / n
    finally:
        metadata.close()


def limiter_cost(server: WalletServer, devices: int, n: int = 20_000) -> float:
    """Seconds per ``check_caller`` in this process over the server's backend (default limits,
    ``devices`` callers in turn): the limiter alone, free of the HTTP rates' noise."""
    from wallet_api.bootstrap import build_context
    from wallet_api.limits.limiter import RateLimiter

    env = {**server.command_env(), "WALLET_RATE_LIMITS": ON_THE_GET}
    ctx = build_context(Settings.from_env(env))
    limiter = RateLimiter(ctx)
    subjects = [f"bench-citizen-{i}" for i in range(devices)]
    try:
        start = time.perf_counter()
        for i in range(n):
            limiter.check_caller("citizen", subjects[i % devices], "jkt")
        return (time.perf_counter() - start) / n
    finally:
        ctx.metadata.close()


def compare(
    root: Path,
    name: str,
    envs: list[dict[str, str]],
    devices: int,
    seconds: float,
    rounds: int,
    limits: str = ON_THE_GET,
) -> None:
    """The GET without and with the limits, on two servers of the same backend (``envs``);
    ``limits="off"`` for the control (both servers alike: the difference two servers make)."""
    off = run_server(root, f"{name}-off", env=envs[0])  # WalletServer turns the limits off by default
    on = run_server(root, f"{name}-on", env={**envs[1], "WALLET_RATE_LIMITS": limits})
    servers = (off, on)
    try:
        callers = [prepare(server, devices) for server in servers]
        rates: list[list[float]] = [[], []]
        cpus: list[list[float]] = [[], []]  # server CPU seconds per request
        for r in range(rounds):
            for i in (0, 1) if r % 2 == 0 else (1, 0):
                count = int(4000 * seconds * 1.5) + 1000
                before = tree_cpu(servers[i])
                rate, made = wrk_run(servers[i], lines_for(callers[i], count), seconds)
                cpus[i].append((tree_cpu(servers[i]) - before) / max(made, 1))
                rates[i].append(rate)
        print(f"  metadata GET, limits off: {max(rates[0]):7.0f} req/s best  (rounds: {_spread(rates[0])})")
        print(f"  metadata GET, limits on:  {max(rates[1]):7.0f} req/s best  (rounds: {_spread(rates[1])})")
        by_cpu = [c_on / c_off - 1 for c_off, c_on in zip(cpus[0], cpus[1], strict=True)]
        by_rate = [r_off / r_on - 1 for r_off, r_on in zip(rates[0], rates[1], strict=True)]
        off_cpu = statistics.median(cpus[0])
        print(
            f"  server CPU per GET: off {off_cpu * 1e6:.0f} us, on {statistics.median(cpus[1]) * 1e6:.0f} us"
            f" (medians of {rounds} rounds)"
        )
        print(f"  limiter cost by server CPU per request: {_quartiles(by_cpu)} (goal < 5 %)")
        print(f"  limiter cost by request rate:           {_quartiles(by_rate)}")
        alone = limiter_cost(on, devices)
        print(
            f"  the limiter alone in-process: {alone * 1e6:.1f} us per request,"
            f" {alone / off_cpu * 100:.1f} % of the GET's server CPU (goal < 5 %)"
        )
        upsert, hot = upsert_cost(on), upsert_cost(on, hot=True)
        print(
            f"  for scale: one exact counter upsert in a unit of work costs {upsert * 1e6:.0f} us,"
            f" {upsert / off_cpu * 100:.0f} % of the GET's server CPU; as one statement (how a step is"
            f" added now) {hot * 1e6:.0f} us; counted in steps of up to 64 calls, a fraction of that"
        )
    finally:
        off.stop()
        on.stop()


def _quartiles(costs: list[float]) -> str:
    """The median of per-round costs and their quartiles, as percentages."""
    q1, median, q3 = statistics.quantiles(costs, n=4) if len(costs) > 1 else (costs[0],) * 3
    return f"median {median * 100:+.1f} % (quartiles {q1 * 100:+.1f} % .. {q3 * 100:+.1f} %)"


def _spread(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--devices", type=int, default=40)
    parser.add_argument("--scaled", action="store_true", help="also on PostgreSQL + S3")
    parser.add_argument("--skip-embedded", action="store_true")
    parser.add_argument(
        "--control", action="store_true", help="also both servers with limits off: the noise floor"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wallet-bench-limits-"))
    runs = [ON_THE_GET, "off"] if args.control else [ON_THE_GET]
    for limits in runs:
        label = "control, limits off on both servers" if limits == "off" else f"per-device limit ({limits})"
        if not args.skip_embedded:
            print(f"== {label}, embedded default, {args.devices} devices ==")
            envs: list[dict[str, str]] = [{}, {}]
            compare(root, f"embedded-{len(limits)}", envs, args.devices, args.seconds, args.rounds, limits)
        if args.scaled and os.environ.get("WALLET_TEST_DATABASE_URL"):
            print(f"\n== {label}, PostgreSQL + S3 ==")
            urls = os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"]
            envs = [scaled_env(*urls), scaled_env(*urls)]
            compare(root, f"scaled-{len(limits)}", envs, args.devices, args.seconds, args.rounds, limits)


if __name__ == "__main__":
    main()
