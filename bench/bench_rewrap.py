"""Re-wrap benchmark (issue 9): live keys re-wrapped per second by ``wallet keys rotate-master
--rewrap`` while the service answers metadata GETs, and the GET rate during the re-wrap against
the rate without it, measured in the same run (goal >= 0.8).

The live keys are seeded through the storage layer (real wrapped citizen keys and two-layer
document keys, as enrolment and uploads write them), not by HTTP. The GET load is document
metadata (``GET /v1/me/documents/{id}``, which unwraps the citizen key each time) from client
threads. Run ``scripts/bench.sh rewrap`` (embedded default, then PostgreSQL + S3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import crypto
import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.erasure.wrapping import wrap_document_key
from wallet_api.services.citizens import field_aad, kek_aad
from wallet_api.services.documents import blob_aad, blob_key

BATCH = 1000


def seed(server: WalletServer, env: dict[str, str], citizens: int) -> float:
    """``citizens`` accounts with one document each, straight through storage; seconds taken."""
    started = time.perf_counter()
    master = crypto.open_master_key(f"file:{server.data_dir / 'master.key'}")
    url = env.get("WALLET_DATABASE_URL", f"sqlite:///{server.data_dir / 'wallet.sqlite3'}")
    metadata = storage.open_metadata(url)
    now = dt.datetime.now(dt.UTC)
    try:
        for start in range(0, citizens, BATCH):
            with metadata.unit_of_work() as uow:
                for _ in range(start, min(start + BATCH, citizens)):
                    citizen_id, kek = str(uuid.uuid4()), crypto.new_key()
                    uow.citizens.add(_citizen(master, citizen_id, kek, now))
                    document_id = str(uuid.uuid4())
                    aad = blob_aad(citizen_id, document_id, 1)
                    uow.documents.add(
                        storage.DocumentRecord(
                            id=document_id,
                            citizen_id=citizen_id,
                            version=1,
                            doc_type="other",
                            provenance="uploaded",
                            content_type="application/pdf",
                            size=1000,
                            wrapped_dek=wrap_document_key(master, kek, crypto.new_key(), aad),
                            blob_key=blob_key(citizen_id, document_id, 1),
                            filename_sealed=crypto.seal(kek, b"a.pdf", b"filename|" + aad),
                            issuance=None,
                            created_at=now,
                        )
                    )
                uow.commit()
    finally:
        metadata.close()
    return time.perf_counter() - started


def _citizen(
    master: crypto.MasterKeyRing, citizen_id: str, kek: bytes, now: dt.datetime
) -> storage.CitizenRecord:
    def sealed(value: str, name: str) -> bytes:
        return crypto.seal(kek, value.encode(), field_aad(citizen_id, name))

    return storage.CitizenRecord(
        id=citizen_id,
        blind_index=secrets.token_hex(16),
        wrapped_kek=master.wrap(kek, kek_aad(citizen_id)),
        national_id_sealed=sealed("001090000000", "cccd"),
        full_name_sealed=sealed("Nguyễn Văn A", "name"),
        date_of_birth_sealed=sealed("1990-01-01", "dob"),
        device_jwk="{}",
        device_jkt=secrets.token_hex(16),
        created_at=now,
    )


class Load:
    """Client threads doing metadata GETs until stopped; counts the answers."""

    def __init__(self, server: WalletServer, threads: int) -> None:
        self.people: list[tuple[RawCitizen, str]] = []
        for _ in range(threads):
            person = RawCitizen(server.url)
            assert person.enrol().status_code == 201 and person.login().status_code == 200
            document = person.upload(b"%PDF-1.7\n" + os.urandom(1000)).json()["id"]
            self.people.append((person, document))
        self.done = 0
        self.failed = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def _run(self, person: RawCitizen, document: str) -> None:
        while not self._stop.is_set():
            r = person.request("GET", f"/v1/me/documents/{document}")
            with self._lock:
                if r.status_code == 200:
                    self.done += 1
                else:
                    self.failed += 1

    def rate_while(self, work: object) -> tuple[float, float]:
        """GETs per second while ``work()`` runs (or for ``work`` seconds); and the seconds."""
        self.done = self.failed = 0
        self._stop.clear()
        threads = [threading.Thread(target=self._run, args=pair) for pair in self.people]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        if callable(work):
            work()
        else:
            time.sleep(float(work))  # type: ignore[arg-type]
        self._stop.set()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        return self.done / seconds, seconds


def measure(
    label: str, env: dict[str, str], citizens: int, threads: int, pace: float | None, batch: int | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = WalletServer(Path(tmp) / "data", env=env)
        server.start()
        try:
            seconds = seed(server, env, citizens)
            print(f"{label}: seeded {citizens:,} citizens + {citizens:,} documents in {seconds:.1f} s")
            load = Load(server, threads)
            load.rate_while(2.0)  # warm up
            output: list[str] = []

            def rewrap() -> None:
                output.append(
                    server.wallet(
                        "keys", "rotate-master", "--rewrap", "--pace", str(pace), "--batch", str(batch)
                    ).stdout
                )

            before, _ = load.rate_while(8.0)
            during, took = load.rate_while(rewrap)
            failed = load.failed
            after, _ = load.rate_while(8.0)
            found = re.search(r"Re-wrapped: (\d+) khoá / keys trong / in ([\d.]+) s", output[0])
            moved, spent = (int(found[1]), float(found[2])) if found else (0, took)
            baseline = (before + after) / 2
            print(
                f"{label}: --pace {pace or 'default'} --batch {batch or 'default'}: "
                f"re-wrapped {moved:,} live keys in {spent:.1f} s "
                f"({moved / spent:,.0f} keys/s) "
                f"while serving {during:,.0f} GET/s against {baseline:,.0f} GET/s without "
                f"(before {before:,.0f}, after {after:,.0f}): ratio {during / baseline:.2f} (goal >= 0.8); "
                f"failed GETs during the re-wrap: {failed}"
            )
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--citizens", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--pace", type=float, default=0.5, help="the re-wrap's share of time (wallet keys --pace)"
    )
    parser.add_argument("--batch", type=int, default=None, help="rows per batch (CLI --batch)")
    parser.add_argument("--scaled", action="store_true", help="also on PostgreSQL + S3 (scripts/bench.sh)")
    args = parser.parse_args()
    measure("embedded (SQLite)", {}, args.citizens, args.threads, args.pace, args.batch)
    if args.scaled:
        env = scaled_env(os.environ["WALLET_TEST_DATABASE_URL"], os.environ["WALLET_TEST_BLOB_URL"])
        measure("scaled (PostgreSQL + S3)", env, args.citizens, args.threads, args.pace, args.batch)


if __name__ == "__main__":
    sys.exit(main())
