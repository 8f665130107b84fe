"""Scale benchmark (issue 12 item 5): the same requests against a wallet of ``--small`` citizens and
one of ``--large`` citizens, each p50 and p99 and the ratio large / small (goal: p99 <= 1.5x).

Each wallet is filled by ``wallet dev seed`` (direct batched inserts with the service's
encryption; ``--documents-per-citizen`` documents and as many access-log entries per citizen,
blobs of ``--blob-bytes``), then probed through HTTP by citizens enrolled through the API:
enrolment, login, metadata GET, the first page of documents, a consented pull of a ~4 KiB
credential (use + log entry in one transaction) and the access log with its proofs. Last, one
heavy citizen with ``--heavy`` documents walks through all their pages while another citizen's
metadata GET is timed, against the same GET with nobody listing (a heavy wallet must not stall
the others). Run ``scripts/bench.sh scale`` (PostgreSQL + S3; ``--embedded`` for the default).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import crypto
from bench.bench_consent import approved_consent, issue_4k
from bench.bench_paging import seed as seed_documents
from bench.bench_vault import enrolled, run_server
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.clients.agency_consents import ConsentingAgencyClient

Timings = dict[str, list[float]]


def timed(call: Callable[[], httpx.Response], expect: int = 200) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - start
    assert response.status_code == expect, (response.status_code, response.text[:300])
    return elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def agency_get(agency: ConsentingAgencyClient, path: str) -> httpx.Response:
    """One authenticated GET by the agency (its token, a fresh DPoP proof)."""
    url, token = agency.base_url + path, agency.token or ""
    proof = crypto.make_dpop_proof(agency.key, "GET", url, now=int(time.time()), access_token=token)
    return agency.http.get(url, headers={"Authorization": f"DPoP {token}", "DPoP": proof})


def fill(server: WalletServer, citizens: int, per: int, blob_bytes: int) -> float:
    """Seed the wallet through ``wallet dev seed``; seconds taken (the tool prints its progress)."""
    start = time.perf_counter()
    args = [
        "dev", "seed", "--citizens", str(citizens), "--documents-per-citizen", str(per),
        "--log-entries-per-citizen", str(per), "--blob-bytes", str(blob_bytes), "--workers", "16",
        "--batch", "1000",
    ]  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "wallet_api", *args], env=server.command_env(), check=True, timeout=7200
    )
    return time.perf_counter() - start


def probe(server: WalletServer, root: Path, rounds: int) -> Timings:
    """Time each request ``rounds`` times, sequentially, on one client."""
    times: Timings = {name: [] for name in ("enrol", "login", "metadata GET", "first page", "pull", "log")}
    for _ in range(rounds):
        person = RawCitizen(server.url)
        times["enrol"].append(timed(person.enrol, 201))
        times["login"].append(timed(person.login))
    citizen = enrolled(server)
    documents = [citizen.upload(b"%PDF-" + os.urandom(2048)).json()["id"] for _ in range(10)]
    credential_id, _ = issue_4k(server, root, citizen)
    agency, consent_id = approved_consent(server, root, citizen, credential_id)
    agency.login()
    pull = f"/v1/agency/consents/{consent_id}/credentials/{credential_id}"
    for n in range(rounds):
        meta = f"/v1/me/documents/{documents[n % len(documents)]}"
        times["metadata GET"].append(timed(lambda: citizen.request("GET", meta)))  # noqa: B023  # called at once
        times["first page"].append(timed(lambda: citizen.request("GET", "/v1/me/documents")))
        times["pull"].append(timed(lambda: agency_get(agency, pull)))
        times["log"].append(timed(lambda: citizen.request("GET", "/v1/me/log?limit=20")))
    return times


def stall(
    server: WalletServer, env: dict[str, str], heavy_documents: int, rounds: int
) -> tuple[list[float], list[float], int]:
    """Another citizen's metadata GET alone, then while a heavy citizen pages through everything."""
    heavy, light = enrolled(server), enrolled(server)
    seed_documents(server, env, heavy, heavy_documents)
    doc = light.upload(b"%PDF-" + os.urandom(1024)).json()["id"]
    alone = [timed(lambda: light.request("GET", f"/v1/me/documents/{doc}")) for _ in range(rounds)]
    stop, pages = threading.Event(), [0]

    def walk() -> None:
        while not stop.is_set():
            cursor = ""
            while not stop.is_set():
                r = heavy.request("GET", f"/v1/me/documents?limit=500{cursor}")
                assert r.status_code == 200, r.text[:200]
                pages[0] += 1
                after = r.json().get("next_cursor")
                if not after:
                    break
                cursor = f"&cursor={after}"

    walker = threading.Thread(target=walk)
    walker.start()
    try:
        time.sleep(0.5)
        during = [timed(lambda: light.request("GET", f"/v1/me/documents/{doc}")) for _ in range(rounds)]
    finally:
        stop.set()
        walker.join()
    return alone, during, pages[0]


def wallet(
    root: Path, name: str, env: dict[str, str], citizens: int, args: argparse.Namespace
) -> tuple[Timings, float]:
    server = run_server(root, name, env=env)
    try:
        seconds = fill(server, citizens, args.documents_per_citizen, args.blob_bytes)
        print(
            f"  {name}: seeded {citizens:,} citizens, {citizens * args.documents_per_citizen:,} documents"
            f" and log entries in {seconds:.0f} s ({citizens / seconds:.0f} citizens/s)"
        )
        return probe(server, root / name, args.rounds), seconds
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--documents-per-citizen", type=int, default=10)
    parser.add_argument("--blob-bytes", type=int, default=0, help="0: rows only (S3 puts dominate seeding)")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--heavy", type=int, default=10_000)
    parser.add_argument(
        "--embedded", action="store_true", help="the embedded default instead of PostgreSQL + S3"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wallet-bench-scale-"))
    scaled = not args.embedded and os.environ.get("WALLET_TEST_DATABASE_URL")

    def env() -> dict[str, str]:
        if not scaled:
            return {}
        return scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"])

    backend = "PostgreSQL + S3" if scaled else "embedded default"
    print(
        f"== {args.small:,} vs {args.large:,} citizens, {backend}, {args.rounds} sequential requests each =="
    )
    (root / "small").mkdir(parents=True)
    (root / "large").mkdir(parents=True)
    small, _ = wallet(root, "small", env(), args.small, args)
    large, _ = wallet(root, "large", env(), args.large, args)
    print(
        f"  {'request':14s} {'small p50':>10s} {'p99':>8s} {'large p50':>10s} {'p99':>8s} {'p99 ratio':>10s}"
    )
    for name in small:
        s50, s99, l50, l99 = (
            pct(small[name], 0.5),
            pct(small[name], 0.99),
            pct(large[name], 0.5),
            pct(large[name], 0.99),
        )
        print(
            f"  {name:14s} {s50 * 1e3:8.1f}ms {s99 * 1e3:6.1f}ms {l50 * 1e3:8.1f}ms {l99 * 1e3:6.1f}ms"
            f" {l99 / s99:12.2f}x (goal <= 1.5x; p50 {l50 / s50:.2f}x)"
        )

    print(f"\n== One heavy citizen ({args.heavy:,} documents) paging through them all vs another's GET ==")
    stall_env = env()
    server = run_server(root, "stall", env=stall_env)
    try:
        alone, during, pages = stall(server, stall_env, args.heavy, args.rounds)
    finally:
        server.stop()
    print(
        f"  other citizen's metadata GET alone:          p50 {pct(alone, 0.5) * 1e3:6.1f} ms, "
        f"p99 {pct(alone, 0.99) * 1e3:6.1f} ms"
    )
    print(
        f"  while the heavy one lists ({pages} pages of 500): p50 {pct(during, 0.5) * 1e3:6.1f} ms, "
        f"p99 {pct(during, 0.99) * 1e3:6.1f} ms ({pct(during, 0.99) / pct(alone, 0.99):.2f}x; "
        f"mean {statistics.mean(during) / statistics.mean(alone):.2f}x)"
    )


if __name__ == "__main__":
    main()
