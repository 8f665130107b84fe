"""Seed citizens, documents, blobs and access-log entries fast, encrypted as the service does.

Every citizen gets a fresh key-encryption key wrapped by the master key, sealed CCCD, name and
date of birth, a blind index and an enrolment device (a fresh P-256 key); every document a fresh
data key wrapped twice (``wrap_document_key``), a sealed file name and, unless ``blob_bytes`` is
0, its body encrypted with ``crypto.encrypt_stream`` and put to the blob store by a pool of
threads, each batch within a deadline. Rows go in one transaction per batch, one multi-row
statement per table (``Metadata.bulk_add``). Access-log entries are appended through the real log
(``AccessLog.append_many``, one call per citizen: entries, tree nodes and head).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import crypto
import storage
from crypto.transparency import NO_PROCEDURE
from crypto.transparency.entry import AccessAction, AccessEntry
from wallet_api.context import Context
from wallet_api.erasure.wrapping import wrap_document_key
from wallet_api.services.citizens import field_aad, kek_aad
from wallet_api.services.documents import blob_aad, blob_key

SEED_AGENCY = ("seed-agency", "Cơ quan thử nghiệm / Seeding agency")
DOC_TYPES = ("birth-certificate", "marriage-certificate", "other")


class SeedTimeout(Exception):
    """A batch of blob writes or log appends did not finish within the deadline (CLI only)."""


@dataclass(frozen=True, slots=True)
class SeedPlan:
    citizens: int
    documents_per_citizen: int = 10
    log_entries_per_citizen: int = 10
    blob_bytes: int = 1024
    batch: int = 500
    workers: int = 8
    deadline_seconds: float = 120.0  # per batch of blob writes


@dataclass(frozen=True, slots=True)
class SeedReport:
    citizens: int
    documents: int
    log_entries: int
    seconds: float


def _cccd(rng: random.Random) -> tuple[str, dt.date]:
    year = rng.randint(1940, 2006)
    sex = rng.randint(0, 1)
    century = (year // 100 - 19) * 2 + sex
    number = f"0{rng.randint(1, 96):02d}{century}{year % 100:02d}{rng.randint(0, 999_999):06d}"
    return number, dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _citizen(ctx: Context, rng: random.Random, now: dt.datetime) -> tuple[storage.CitizenRecord, bytes]:
    number, dob = _cccd(rng)
    citizen_id, kek = str(uuid.uuid4()), crypto.new_key()
    public = crypto.public_jwk(crypto.generate_private_key())
    device = {k: str(public[k]) for k in ("kty", "crv", "x", "y")}
    name = f"Nguyễn Văn Thử {rng.randint(1, 10**9)}"
    record = storage.CitizenRecord(
        id=citizen_id,
        blind_index=crypto.blind_index(ctx.blind_key, number),
        wrapped_kek=ctx.master.wrap(kek, kek_aad(citizen_id)),
        national_id_sealed=crypto.seal(kek, number.encode(), field_aad(citizen_id, "cccd")),
        full_name_sealed=crypto.seal(kek, name.encode(), field_aad(citizen_id, "name")),
        date_of_birth_sealed=crypto.seal(kek, dob.isoformat().encode(), field_aad(citizen_id, "dob")),
        device_jwk=json.dumps(device, sort_keys=True),
        device_jkt=crypto.jwk_thumbprint(device),
        created_at=now,
    )
    return record, kek


def _document(
    ctx: Context, citizen_id: str, kek: bytes, n: int, size: int, when: dt.datetime
) -> tuple[storage.DocumentRecord, bytes, str]:
    """A document row and its blob's data key and key (the body is written later, in the pool)."""
    document_id = str(uuid.uuid4())
    aad = blob_aad(citizen_id, document_id, 1)
    dek = crypto.new_key()
    record = storage.DocumentRecord(
        id=document_id,
        citizen_id=citizen_id,
        version=1,
        doc_type=DOC_TYPES[n % len(DOC_TYPES)],
        provenance="uploaded",
        content_type="application/pdf",
        size=size,
        wrapped_dek=wrap_document_key(ctx.master, kek, dek, aad),
        blob_key=blob_key(citizen_id, document_id, 1),
        filename_sealed=crypto.seal(kek, f"Giấy tờ {n}.pdf".encode(), b"filename|" + aad),
        created_at=when,
    )
    return record, dek, document_id


def seed(ctx: Context, plan: SeedPlan, progress: Callable[[int], None] = lambda _: None) -> SeedReport:
    """Add ``plan.citizens`` citizens with their documents, blobs and log entries; ``progress``
    is told how many citizens each finished batch added."""
    started = time.perf_counter()
    rng = random.Random(os.urandom(16))  # noqa: S311  # test data, not secrets: the keys come from crypto
    documents = entries = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=plan.workers) as pool:
        for first in range(0, plan.citizens, plan.batch):
            count = min(plan.batch, plan.citizens - first)
            now = ctx.utcnow()
            citizens, docs, blobs = [], [], []
            for _ in range(count):
                citizen, kek = _citizen(ctx, rng, now)
                citizens.append(citizen)
                for n in range(plan.documents_per_citizen):
                    when = now - dt.timedelta(minutes=plan.documents_per_citizen - n)
                    record, dek, document_id = _document(ctx, citizen.id, kek, n, plan.blob_bytes, when)
                    docs.append(record)
                    if plan.blob_bytes:
                        blobs.append((record.blob_key, dek, blob_aad(citizen.id, document_id, 1)))
            _put_blobs(ctx, pool, blobs, plan)  # blobs first: a row never points at nothing
            ctx.metadata.bulk_add(citizens, docs)
            if plan.log_entries_per_citizen:
                appends = [
                    pool.submit(_log, ctx, c.id, [d.id for d in docs if d.citizen_id == c.id], plan)
                    for c in citizens
                ]
                done, late = concurrent.futures.wait(appends, timeout=plan.deadline_seconds)
                if late:
                    raise SeedTimeout()
                entries += sum(f.result() for f in done)
            documents += len(docs)
            progress(count)
    return SeedReport(plan.citizens, documents, entries, time.perf_counter() - started)


def _put_blobs(
    ctx: Context,
    pool: concurrent.futures.ThreadPoolExecutor,
    blobs: list[tuple[str, bytes, bytes]],
    plan: SeedPlan,
) -> None:
    body = b"%PDF-1.7\n" + b"x" * max(0, plan.blob_bytes - 9)

    def put(key: str, dek: bytes, aad: bytes) -> None:
        ctx.blobs.put(key, crypto.encrypt_stream(dek, aad, iter([body[: plan.blob_bytes]])))

    futures = [pool.submit(put, *blob) for blob in blobs]
    done, late = concurrent.futures.wait(futures, timeout=plan.deadline_seconds)
    if late:
        for future in late:
            future.cancel()
        raise SeedTimeout()
    for future in done:
        future.result()  # the first failure, if any


def _log(ctx: Context, citizen_id: str, document_ids: list[str], plan: SeedPlan) -> int:
    at = int(ctx.now())
    batch = [
        AccessEntry(
            agency_id=SEED_AGENCY[0],
            agency_name=SEED_AGENCY[1],
            resource_id=document_ids[n % len(document_ids)] if document_ids else citizen_id,
            resource_type="document",
            action=AccessAction.READ,
            purpose="Thử tải / Load test",
            procedure_code=NO_PROCEDURE,
            consent_id=None,
            at=at,
        )
        for n in range(plan.log_entries_per_citizen)
    ]
    ctx.access_log.append_many(citizen_id, batch)
    return len(batch)
