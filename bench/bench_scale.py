"""Scale benchmark (issue 12 item 5): the same requests against a wallet of ``--small`` citizens and
one of ``--large`` citizens, each p50 and p99 and the ratio large / small (goal: p99 <= 1.5x).

Each wallet is filled by ``wallet dev seed`` (direct batched inserts with the service's
encryption; ``--documents-per-citizen`` documents and as many access-log entries per citizen,
blobs of ``--blob-bytes``), then probed through HTTP by citizens enrolled through the API:
enrolment, login, metadata GET, the first page of documents, a consented pull of a ~4 KiB
credential (use + log entry in one transaction) and the access log with its proofs. Then real
migrations are re-run on both filled databases and timed (``MIGRATIONS``). Last, one
heavy citizen with ``--heavy`` documents walks through all their pages while another citizen's
metadata GET is timed, against the same GET with nobody listing (a heavy wallet must not stall
the others). Run ``scripts/bench.sh scale`` (PostgreSQL + S3; ``--embedded`` for the default).
"""

from __future__ import annotations

import argparse
import os
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


class Probe:
    """The requests of one wallet, one round at a time (the wallets' rounds are interleaved, so a
    burst of load on the shared machine falls on both alike)."""

    def __init__(self, server: WalletServer, root: Path) -> None:
        self.server = server
        self.times: Timings = {n: [] for n in ("enrol", "login", "metadata GET", "first page", "pull", "log")}
        self.citizen = enrolled(server)
        self.documents = [self.citizen.upload(b"%PDF-" + os.urandom(2048)).json()["id"] for _ in range(10)]
        credential_id, _ = issue_4k(server, root, self.citizen)
        self.agency, consent_id = approved_consent(server, root, self.citizen, credential_id)
        self.agency.login()
        self.pull = f"/v1/agency/consents/{consent_id}/credentials/{credential_id}"
        self.rounds = 0

    def round(self) -> None:
        person, citizen, times = RawCitizen(self.server.url), self.citizen, self.times
        times["enrol"].append(timed(person.enrol, 201))
        times["login"].append(timed(person.login))
        meta = f"/v1/me/documents/{self.documents[self.rounds % len(self.documents)]}"
        times["metadata GET"].append(timed(lambda: citizen.request("GET", meta)))
        times["first page"].append(timed(lambda: citizen.request("GET", "/v1/me/documents")))
        times["pull"].append(timed(lambda: agency_get(self.agency, self.pull)))
        times["log"].append(timed(lambda: citizen.request("GET", "/v1/me/log?limit=20")))
        self.rounds += 1


def stall(
    heavy: RawCitizen, light: RawCitizen, doc: str, page: int, rounds: int
) -> tuple[list[float], list[float], int]:
    """Another citizen's metadata GET alone, then while a heavy citizen walks through all their
    pages of ``page`` documents, again and again."""
    alone = [timed(lambda: light.request("GET", f"/v1/me/documents/{doc}")) for _ in range(rounds)]
    stop, pages = threading.Event(), [0]

    def walk() -> None:
        while not stop.is_set():
            cursor = ""
            while not stop.is_set():
                r = heavy.request("GET", f"/v1/me/documents?limit={page}{cursor}")
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


# Real migrations re-run on the filled database: each one's downgrade, then its upgrade, timed.
# 0006 builds the paging indexes over documents (the largest table), credentials and consents;
# 0016 the one-current-signing-key index (a tiny table: what a routine migration costs).
MIGRATIONS = {
    "0006": "paging indexes on documents, credentials, consents",
    "0016": "one current signing key (unique partial index)",
}
_VERSIONS = Path(__file__).resolve().parent.parent / "storage" / "migrations" / "versions"


def migration_times(server: WalletServer) -> tuple[int, dict[str, tuple[float, float]], float]:
    """(documents, {revision: (downgrade s, upgrade s)}, s for ``migrate()`` at head) on the
    server's filled database, through alembic's operations as ``wallet migrate`` runs them."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import text

    import storage
    from wallet_api.settings import Settings

    metadata = storage.open_metadata(Settings.from_env(server.command_env()).database_url)
    engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine
    times: dict[str, tuple[float, float]] = {}
    try:
        with engine.connect() as connection:
            documents = int(connection.execute(text("SELECT count(*) FROM documents")).scalar() or 0)
        for revision in MIGRATIONS:
            path = next(_VERSIONS.glob(f"{revision}_*.py"))
            spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            steps = []
            for step in (module.downgrade, module.upgrade):
                start = time.perf_counter()
                with engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
                    step()
                steps.append(time.perf_counter() - start)
            times[revision] = (steps[0], steps[1])
        start = time.perf_counter()
        metadata.migrate()  # what every start pays at head: the lock, the version check
        at_head = time.perf_counter() - start
    finally:
        metadata.close()
    return documents, times, at_head


def print_migrations(servers: list[WalletServer]) -> None:
    measured = [migration_times(server) for server in servers]
    (small_docs, small, small_head), (large_docs, large, large_head) = measured
    print(f"\n== Migrations re-run on the filled databases ({small_docs:,} vs {large_docs:,} documents) ==")
    for revision, what in MIGRATIONS.items():
        (sd, su), (ld, lu) = small[revision], large[revision]
        print(
            f"  {revision} {what}: down {sd:.2f} s / {ld:.2f} s, up {su:.2f} s / {lu:.2f} s"
            f" (small / large; up ratio {lu / su:.1f}x)"
        )
    print(f"  migrate() at head, every start: {small_head * 1e3:.0f} ms / {large_head * 1e3:.0f} ms")


def wallet(
    root: Path, name: str, env: dict[str, str], citizens: int, args: argparse.Namespace
) -> WalletServer:
    """A running server over a wallet seeded with ``citizens`` citizens."""
    server = run_server(root, name, env=env)
    seconds = fill(server, citizens, args.documents_per_citizen, args.blob_bytes)
    print(
        f"  {name}: seeded {citizens:,} citizens, {citizens * args.documents_per_citizen:,} documents"
        f" and log entries in {seconds:.0f} s ({citizens / seconds:.0f} citizens/s)"
    )
    return server


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
    servers = [wallet(root, "small", env(), args.small, args), wallet(root, "large", env(), args.large, args)]
    try:
        probes = [
            Probe(server, root / name) for server, name in zip(servers, ("small", "large"), strict=True)
        ]
        for _ in range(args.rounds):
            for one in probes:
                one.round()
    finally:
        for server in servers:
            server.stop()
    small, large = probes[0].times, probes[1].times
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
    print_migrations(servers)  # the servers stopped: nothing else writes meanwhile

    print(f"\n== One heavy citizen ({args.heavy:,} documents) paging through them all vs another's GET ==")
    stall_env = env()
    server = run_server(root, "stall", env=stall_env)
    try:
        heavy, light = enrolled(server), enrolled(server)
        seed_documents(server, stall_env, heavy, args.heavy)
        doc = light.upload(b"%PDF-" + os.urandom(1024)).json()["id"]
        for page in (50, 500):  # the default page, the largest allowed
            alone, during, pages = stall(heavy, light, doc, page, args.rounds)
            a50, a99, d50, d99 = pct(alone, 0.5), pct(alone, 0.99), pct(during, 0.5), pct(during, 0.99)
            print(
                f"  other citizen's GET alone: p50 {a50 * 1e3:5.1f} ms, p99 {a99 * 1e3:5.1f} ms; while the"
                f" heavy one walks pages of {page} ({pages} pages): p50 {d50 * 1e3:5.1f} ms,"
                f" p99 {d99 * 1e3:5.1f} ms ({d99 / a99:.2f}x)"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
