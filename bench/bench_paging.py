"""Paging benchmark (issue 8): the first page of a citizen with 10,000 documents against the same
page of a citizen with 10, through HTTP, measured interleaved in one run (goal: ratio <= 1.5).

The big wallet is seeded through the storage layer in batches (real wrapped data keys and sealed
file names, as uploads write them; listing never reads the blobs, so none are written), not by
10,000 uploads. Run ``scripts/bench.sh paging`` (embedded default; ``--scaled`` adds PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import crypto
import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.documents import blob_aad, blob_key

BATCH = 1000


def seed(server: WalletServer, env: dict[str, str], citizen: RawCitizen, count: int) -> float:
    """Give ``citizen`` ``count`` documents straight through storage; seconds taken."""
    started = time.perf_counter()
    master = crypto.open_master_key(f"file:{server.data_dir / 'master.key'}")
    url = env.get("WALLET_DATABASE_URL", f"sqlite:///{server.data_dir / 'wallet.sqlite3'}")
    metadata = storage.open_metadata(url)
    try:
        with metadata.unit_of_work(readonly=True) as uow:
            kek = unwrap_citizen_key(
                master, citizen.citizen_id, uow.citizens.get(citizen.citizen_id).wrapped_kek
            )
        base = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
        for start in range(0, count, BATCH):
            with metadata.unit_of_work() as uow:
                for n in range(start, min(start + BATCH, count)):
                    uow.documents.add(_record(citizen.citizen_id, kek, n, base + dt.timedelta(minutes=n)))
                uow.commit()
    finally:
        metadata.close()
    return time.perf_counter() - started


def _record(citizen_id: str, kek: bytes, n: int, when: dt.datetime) -> storage.DocumentRecord:
    document_id = str(uuid.uuid4())
    aad = blob_aad(citizen_id, document_id, 1)
    return storage.DocumentRecord(
        id=document_id,
        citizen_id=citizen_id,
        version=1,
        doc_type="other",
        provenance="uploaded",
        content_type="application/pdf",
        size=100_000,
        wrapped_dek=crypto.wrap_key(kek, crypto.new_key(), b"dek|" + aad),
        blob_key=blob_key(citizen_id, document_id, 1),
        filename_sealed=crypto.seal(kek, f"Giấy tờ số {n}.pdf".encode(), b"filename|" + aad),
        issuance=None,
        created_at=when,
    )


def first_page_seconds(citizen: RawCitizen, limit: int) -> float:
    started = time.perf_counter()
    r = citizen.request("GET", f"/v1/me/documents?limit={limit}")
    elapsed = time.perf_counter() - started
    assert r.status_code == 200 and len(r.json()["items"]) in (10, limit), r.text[:200]
    return elapsed


def measure(label: str, env: dict[str, str], big: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = WalletServer(Path(tmp) / "data", env=env)
        server.start()
        try:
            heavy, light = RawCitizen(server.url), RawCitizen(server.url)
            for person in (heavy, light):
                assert person.enrol().status_code == 201 and person.login().status_code == 200
            seconds = seed(server, env, heavy, big)
            seed(server, env, light, 10)
            print(f"{label}: seeded {big:,} documents in {seconds:.1f} s ({big / seconds:,.0f}/s)")
            for limit in (10, 50):  # the same page (10 items each), then the default page size
                _compare(label, big, limit, rounds, heavy, light)
        finally:
            server.stop()


def _compare(label: str, big: int, limit: int, rounds: int, heavy: RawCitizen, light: RawCitizen) -> None:
    for _ in range(20):  # warm both paths
        first_page_seconds(heavy, limit), first_page_seconds(light, limit)
    big_times, small_times = [], []
    for _ in range(rounds):  # interleaved: the machine's noise falls on both alike
        big_times.append(first_page_seconds(heavy, limit))
        small_times.append(first_page_seconds(light, limit))
    heavy_ms, light_ms = statistics.median(big_times) * 1000, statistics.median(small_times) * 1000
    print(
        f"{label}: first page limit={limit}: {min(limit, big)} of {big:,} in {heavy_ms:.2f} ms, "
        f"10 of 10 in {light_ms:.2f} ms, ratio {heavy_ms / light_ms:.2f} (goal <= 1.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--scaled", action="store_true", help="also on PostgreSQL + S3 (scripts/bench.sh)")
    args = parser.parse_args()
    measure("embedded (SQLite)", {}, args.documents, args.rounds)
    if args.scaled:
        import os

        env = scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"])
        measure("scaled (PostgreSQL + S3)", env, args.documents, args.rounds)


if __name__ == "__main__":
    main()
