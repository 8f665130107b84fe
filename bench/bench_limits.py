"""Limiter benchmark (issue 12 item 4): the per-device limit's cost on the authenticated metadata
GET, limits off against the default limits on, measured interleaved in one run (goal: < 5 %).

Both servers run the same backend; the GETs come from ``--devices`` enrolled citizens in turn,
so the per-device limit (``device=1200/60`` by default: a shared-row write every 60 calls of a
device) counts without refusing (``wrk_rate`` fails on any non-2xx answer). Also printed: one
exact upsert alone (what counting every request in the database would cost), for scale.
Run ``scripts/bench.sh limits`` (embedded default; ``--scaled`` adds PostgreSQL + S3).
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

import storage
from bench.bench_vault import enrolled, proof_lines, run_server, wrk_rate
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


def upsert_cost(server: WalletServer, n: int = 2000) -> float:
    """Seconds for one exact counter upsert (its own transaction) on the server's database."""
    metadata = storage.open_metadata(Settings.from_env(server.command_env()).database_url)
    try:
        start = time.perf_counter()
        for i in range(n):
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
    root: Path, name: str, envs: list[dict[str, str]], devices: int, seconds: int, rounds: int
) -> None:
    """The GET rate without and with the limits, on two servers of the same backend (``envs``)."""
    off = run_server(root, f"{name}-off", env=envs[0])  # WalletServer turns the limits off by default
    on = run_server(root, f"{name}-on", env={**envs[1], "WALLET_RATE_LIMITS": ON_THE_GET})
    servers = (off, on)
    try:
        callers = [prepare(server, devices) for server in servers]
        rates: list[list[float]] = [[], []]
        for _ in range(rounds):
            for i, server in enumerate(servers):
                count = int(3000 * seconds * 1.5) + 1000
                rates[i].append(wrk_rate(server, lines_for(callers[i], count), seconds))
        best_off, best_on = max(rates[0]), max(rates[1])
        cost = (1 / best_on - 1 / best_off) / (1 / best_off)
        print(f"  metadata GET, limits off: {best_off:7.0f} req/s  (rounds: {_spread(rates[0])})")
        print(f"  metadata GET, limits on:  {best_on:7.0f} req/s  (rounds: {_spread(rates[1])})")
        print(f"  limiter cost per request: {cost * 100:+.1f} % of the GET (goal < 5 %)")
        alone = limiter_cost(on, devices)
        print(
            f"  the limiter alone in-process: {alone * 1e6:.1f} us per request, "
            f"{alone * best_off * 100:.1f} % of the GET at the best rate above"
        )
        upsert = upsert_cost(on)
        print(
            f"  for scale: one exact counter upsert alone costs {upsert * 1e6:.0f} us, "
            f"{upsert * best_off * 100:.0f} % of the GET; counted in steps of 60 it is 1/60 of that"
        )
    finally:
        off.stop()
        on.stop()


def _spread(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--devices", type=int, default=40)
    parser.add_argument("--scaled", action="store_true", help="also on PostgreSQL + S3")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wallet-bench-limits-"))
    print(f"== Per-device limit ({ON_THE_GET}), embedded default, {args.devices} devices ==")
    compare(root, "embedded", [{}, {}], args.devices, args.seconds, args.rounds)
    if args.scaled and os.environ.get("WALLET_TEST_DATABASE_URL"):
        print("\n== The same on PostgreSQL + S3 ==")
        urls = os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"]
        compare(
            root, "scaled", [scaled_env(*urls), scaled_env(*urls)], args.devices, args.seconds, args.rounds
        )


if __name__ == "__main__":
    main()
