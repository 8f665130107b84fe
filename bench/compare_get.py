"""The metadata GET of two versions of the code, side by side in one run (issue 12 item 1).

    scripts/bench.sh compare_get [--base main] [--rounds 6] [--seconds 3]

The base version is ``git archive``d into a temporary directory; one server runs it and another
this checkout, each over its own fresh database (embedded, then PostgreSQL + S3 when the services
are up). Rounds are interleaved (base /health, base GET, this /health, this GET, the order swapped
every round) so a burst of load on the shared machine hits both alike. Printed: each round's rates,
then for each version the best /health and GET and the GET against its floor (/health + one ES256
verify + one primary-key read, the same floor for both), and the median of the per-round ratios
this/base, the steadiest figure on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tarfile
import tempfile
from pathlib import Path

from bench.bench_vault import enrolled, es256_verify_cost, pk_read_cost, proof_lines, wrk_rate
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env

REPO = Path(__file__).resolve().parent.parent


def archive(ref: str, into: Path) -> Path:
    """``ref``'s tree, unpacked into ``into``/src."""
    tar = into / "src.tar"
    subprocess.run(["git", "archive", "-o", str(tar), ref], cwd=REPO, check=True)
    target = into / "src"
    target.mkdir()
    with tarfile.open(tar) as opened:
        opened.extractall(target, filter="data")
    return target


def _server(root: Path, name: str, env: dict[str, str], source: Path | None) -> WalletServer:
    server = WalletServer(root / name / "data", env=env, source=source)
    server.data_dir.parent.mkdir(parents=True, exist_ok=True)
    server.start()
    return server


def compare(
    root: Path, label: str, envs: tuple[dict[str, str], dict[str, str]], base: Path, rounds: int, seconds: int
) -> None:
    servers = {
        "base": _server(root, f"{label}-base", envs[0], base),
        "this": _server(root, f"{label}-this", envs[1], None),
    }
    try:
        people: dict[str, tuple[RawCitizen, str]] = {}
        for name, server in servers.items():
            person = enrolled(server)
            people[name] = (person, person.upload(b"%PDF-" + os.urandom(4096)).json()["id"])
        health: dict[str, list[float]] = {name: [] for name in servers}
        get: dict[str, list[float]] = {name: [] for name in servers}
        for i in range(rounds):
            order = list(servers) if i % 2 == 0 else list(reversed(servers))
            for name in order:
                server, (person, doc) = servers[name], people[name]
                h = wrk_rate(server, ["/health\t\t"], seconds)
                lines = proof_lines(person, f"/v1/me/documents/{doc}", int(h * seconds * 1.5) + 1000)
                health[name].append(h)
                get[name].append(wrk_rate(server, lines, seconds))
            print(
                f"  round {i + 1}: base /health {health['base'][-1]:6.0f} GET {get['base'][-1]:6.0f}"
                f" | this /health {health['this'][-1]:6.0f} GET {get['this'][-1]:6.0f} req/s"
            )
        person, doc = people["this"]
        verify = min(es256_verify_cost() for _ in range(3))
        pk = min(pk_read_cost(servers["this"], person, doc) for _ in range(3))
        aim = 2.0 if label == "PostgreSQL + S3" else 1.5
        for name in servers:
            best_health, best_get = max(health[name]), max(get[name])
            floor = 1 / best_health + verify + pk
            pairs = zip(health[name], get[name], strict=True)
            per_round = [(1 / g) / (1 / h + verify + pk) for h, g in pairs]
            print(
                f"  {name}: /health {best_health:6.0f}, GET {best_get:6.0f} req/s (best of {rounds});"
                f" GET vs floor {(1 / best_get) / floor:.2f}x best-to-best, per round"
                f" {min(per_round):.2f}-{max(per_round):.2f}x, median {statistics.median(per_round):.2f}x"
                f" (aim <= {aim}x)"
            )
        ratios = [t / b for t, b in zip(get["this"], get["base"], strict=True)]
        print(
            f"  GET rate this/base per round: {', '.join(f'{r:.2f}' for r in ratios)};"
            f" median {statistics.median(ratios):.2f}x"
        )
    finally:
        for server in servers.values():
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="main", help="the git ref to compare against")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--skip-scaled", action="store_true")
    parser.add_argument("--skip-embedded", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wallet-compare-"))
    base = archive(args.base, root)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True, capture_output=True)
    print(f"base: {args.base}; this: the working tree at {head.stdout.strip()}")
    if not args.skip_embedded:
        print("== metadata GET, embedded default ==")
        compare(root, "embedded", ({}, {}), base, args.rounds, args.seconds)
    if args.skip_scaled or not os.environ.get("WALLET_TEST_DATABASE_URL"):
        return
    print("== metadata GET, PostgreSQL + S3 ==")
    db, blobs = os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"]
    envs = (scaled_env(db, blobs), scaled_env(db, blobs))
    compare(root, "PostgreSQL + S3", envs, base, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
