"""Access-log benchmark: append throughput, and proof cost at 1,000 and at 1,000,000 entries.

    PYTHONPATH=. .venv/bin/python -m bench.bench_log [--entries N] [--batch B] [--repeat R]

Appends ``--entries`` entries to one citizen's log through ``SqlLogStore`` on
SQLite in a temporary directory (``append_many`` in batches of ``--batch``, one
transaction each), then through ``MemoryLogStore`` for reference; a second
citizen gets 1,000 entries in the same database. Proof generation is timed on
both logs (median of ``--repeat`` calls at random leaves and sizes); its growth
from 1k to 1M is printed next to log2(1e6)/log2(1e3) ~ 2 (linear would be 1000).
``--database-url`` runs the SQL part on that database instead (e.g. the
PostgreSQL of ``scripts/services.sh``): the log tables are created if missing,
and the run's two logs erased at the end.
The baseline, in the same run: one SHA-256 of a leaf. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from consent.compact import perfect_subtrees
from consent.log import AccessLog
from consent.log_memory import MemoryLogStore
from crypto.transparency.entry import AccessAction, AccessEntry
from crypto.transparency.merkle import consistency_ranges, inclusion_ranges, leaf_hash
from storage import log_tables
from storage.sql import SqlMetadata
from storage.sql_log import SqlLogStore

SMALL = 1000
RUN = uuid.uuid4().hex[:8]  # log ids of this run: a shared database may hold others
ACTIONS = list(AccessAction)


def entry(n: int) -> AccessEntry:
    """A realistic entry: Vietnamese names, ids of typical length."""
    return AccessEntry(
        agency_id=f"agency-{n % 97:03d}",
        agency_name="Bệnh viện Bạch Mai" if n % 2 else "Công an phường Dịch Vọng, quận Cầu Giấy",
        resource_id=f"doc-{n:012d}-{n * 2654435761 % 2**32:08x}",
        resource_type="bhyt" if n % 3 else "cccd",
        action=ACTIONS[n % 4],
        purpose="Khám chữa bệnh theo bảo hiểm y tế",
        procedure_code=f"1.{n % 1000:06d}",
        consent_id=None if n % 5 == 0 else f"consent-{n:012d}",
        at=1_767_225_600 + n,
    )


def batches(total: int, size: int) -> Iterator[list[AccessEntry]]:
    """Entries 0 to ``total`` in lists of ``size``."""
    for start in range(0, total, size):
        yield [entry(n) for n in range(start, min(start + size, total))]


def fill(log: AccessLog, citizen: str, total: int, batch: int) -> float:
    """Seconds spent in ``append_many`` to log ``total`` entries (building the entries not counted)."""
    spent = 0.0
    for chunk in batches(total, batch):
        start = time.perf_counter()
        log.append_many(citizen, chunk)
        spent += time.perf_counter() - start
    return spent


def median_us(calls: list[Callable[[], object]]) -> float:
    """Median microseconds of one call each."""
    times = []
    for call in calls:
        start = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1000


def hash_baseline(repeat: int) -> float:
    """Median µs of one leaf hash of a typical entry."""
    data = entry(123_456).canonical().encode()
    return median_us([lambda: leaf_hash(data)] * repeat)


def proof_costs(log: AccessLog, citizen: str, size: int, repeat: int) -> dict[str, float]:
    """Median µs of inclusion and consistency proofs at random leaves / old sizes of a ``size`` log."""
    rng = random.Random(size)
    leaves = [rng.randrange(size) for _ in range(repeat)]
    firsts = [rng.randrange(1, size) for _ in range(repeat)]
    return {
        "inclusion": median_us([lambda i=i: log.inclusion_proof(citizen, i, size) for i in leaves]),
        "consistency": median_us([lambda m=m: log.consistency_proof(citizen, m, size) for m in firsts]),
        "inclusion_reads": statistics.mean(_reads(inclusion_ranges(i, size)) for i in leaves),
        "consistency_reads": statistics.mean(_reads(consistency_ranges(m, size)) for m in firsts),
    }


def _reads(ranges: list[tuple[int, int]]) -> int:
    return len({node for start, end in ranges for node in perfect_subtrees(start, end)})


def report(name: str, log: AccessLog, args: argparse.Namespace, baseline: float) -> None:
    """Fill a 1k and an N log, then print append rates and proof costs."""
    small = fill(log, f"citizen-1k-{RUN}", SMALL, args.batch)
    big = fill(log, f"citizen-1m-{RUN}", args.entries, args.batch)
    print(f"\n{name}")
    print(f"  append {SMALL:>9,} entries: {small:7.2f} s  {SMALL / small:>9,.0f} entries/s")
    print(f"  append {args.entries:>9,} entries: {big:7.2f} s  {args.entries / big:>9,.0f} entries/s")
    at_small = proof_costs(log, f"citizen-1k-{RUN}", SMALL, args.repeat)
    at_big = proof_costs(log, f"citizen-1m-{RUN}", args.entries, args.repeat)
    expected = math.log2(args.entries) / math.log2(SMALL)
    print(
        f"  {'proof':<12} {'at 1k µs':>9} {'at N µs':>9} {'N/1k':>6} {'log2 N/log2 1k':>15} {'x SHA-256':>10}"
    )
    for kind in ("inclusion", "consistency"):
        ratio = at_big[kind] / at_small[kind]
        print(
            f"  {kind:<12} {at_small[kind]:9.1f} {at_big[kind]:9.1f} {ratio:6.2f} {expected:15.2f}"
            f" {at_big[kind] / baseline:10.0f}"
        )
    for kind in ("inclusion", "consistency"):
        reads = f"{kind}_reads"
        print(
            f"  stored hashes read per {kind} proof: {at_small[reads]:.1f} at 1k, {at_big[reads]:.1f} at N"
            f" (ratio {at_big[reads] / at_small[reads]:.2f})"
        )


def run_sql(url: str | None, args: argparse.Namespace, baseline: float) -> None:
    """The SQL part: on ``url``, or on SQLite in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="bench-log-") as tmp:
        metadata = SqlMetadata(url or f"sqlite:///{Path(tmp) / 'log.db'}")
        engine = metadata.engine
        log_tables.metadata.create_all(engine, tables=list(log_tables.LOG_TABLES))
        log = AccessLog(SqlLogStore(engine))
        try:
            name = f"SqlLogStore on {engine.dialect.name}" + ("" if url else " (WAL, synchronous=NORMAL)")
            report(name, log, args, baseline)
            if not url:
                size = sum(path.stat().st_size for path in Path(tmp).iterdir())
                per_entry = size / (args.entries + SMALL)
                print(f"  database size: {size / 2**20:,.0f} MiB ({per_entry:,.0f} bytes/entry)")
        finally:
            if url:  # a shared database: leave nothing behind (a temporary one just goes)
                log.erase(f"citizen-1k-{RUN}")
                log.erase(f"citizen-1m-{RUN}")
            metadata.close()


def main() -> None:
    """Parse the options, print the baseline, run the SQL and the in-memory parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--database-url", help="run the SQL part here instead of a temporary SQLite")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    baseline = hash_baseline(args.repeat * 10)
    print(f"baseline: one SHA-256 leaf hash of a {len(entry(123_456).canonical().encode())}-byte entry")
    print(f"  {baseline:.2f} µs")
    print(f"N = {args.entries:,} entries in one citizen's log; batches of {args.batch}")
    run_sql(args.database_url, args, baseline)
    if not args.skip_memory:
        report("MemoryLogStore (reference)", AccessLog(MemoryLogStore()), args, baseline)


if __name__ == "__main__":
    main()
