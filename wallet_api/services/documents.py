"""The citizen's document vault: streamed, encrypted upload and download, listing, deletion."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import json
import logging
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import crypto
import storage
from consent import document_types
from wallet_api.context import Context
from wallet_api.erasure.receipts import ErasureReceipt, record_erasure, signed_receipt
from wallet_api.erasure.wrapping import unwrap_document_key, wrap_document_key
from wallet_api.errors import (
    ContentMismatch,
    ContentMissing,
    DocumentNotFound,
    IncompleteBody,
    PayloadTooLarge,
    Unauthenticated,
    UnknownDocumentType,
    UnsupportedMediaType,
    UploadTooSlow,
)
from wallet_api.paging import Page, PageQuery, cut
from wallet_api.services.auth import AuthService, CheckedRequest
from wallet_api.services.citizens import unwrap_citizen_key

log = logging.getLogger("wallet.documents")
PREFETCH_BYTES = 1024 * 1024  # below this a download is fully authenticated before the first byte
COALESCE_BYTES = 1024 * 1024  # fewer, larger writes to the socket (each costs a thread hop)
MAX_FILENAME = 200
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/json": (b"{", b"["),
}
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/json": ".json",
}


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What the owner sees of a document."""

    id: str
    doc_type: str
    provenance: str
    content_type: str
    size: int
    filename: str
    version: int
    created_at: dt.datetime
    issuance: dict[str, Any] | None = None


class Primed:
    """An iterator whose first step already ran (blob opened, small document authenticated)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._first = next(chunks, None)

    def __iter__(self) -> Primed:
        return self

    def __next__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return next(self._chunks)

    def close(self) -> None:
        """Close the underlying stream (the blob's connection)."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True, slots=True)
class UploadPlan:
    """A validated upload, ready to receive its bytes."""

    citizen_id: str
    document_id: str
    doc_type: str
    content_type: str
    filename: str
    declared_length: int | None
    kek: bytes
    provenance: str = "uploaded"
    issuance: str | None = None  # JSON evidence of an issued document (issuer, signature)


@dataclass(frozen=True, slots=True)
class StoredBlob:
    """A written, not yet recorded, document blob: what ``DocumentService.record`` needs."""

    plan: UploadPlan
    key: str
    size: int
    wrapped_dek: bytes


def seal_issuance(kek: bytes, citizen_id: str, document_id: str, evidence: dict[str, Any]) -> str:
    """The issuance evidence, sealed under the citizen key (numbers and names are personal data)."""
    aad = b"issuance|" + blob_aad(citizen_id, document_id, 1)
    return base64.b64encode(crypto.seal(kek, json.dumps(evidence, ensure_ascii=False).encode(), aad)).decode()


def open_issuance(kek: bytes, record: storage.DocumentRecord) -> dict[str, Any] | None:
    """The issuance evidence of an issued document, unsealed."""
    if record.issuance is None:
        return None
    aad = b"issuance|" + blob_aad(record.citizen_id, record.id, record.version)
    evidence: dict[str, Any] = json.loads(crypto.open_sealed(kek, base64.b64decode(record.issuance), aad))
    return evidence


def blob_aad(citizen_id: str, document_id: str, version: int) -> bytes:
    """Associated data binding content and data key to owner, document and version."""
    return f"doc|{citizen_id}|{document_id}|{version}".encode()


def blob_key(citizen_id: str, document_id: str, version: int) -> str:
    """Where a document version's ciphertext lives in the blob store."""
    return f"c/{citizen_id}/{document_id}/{version}"


def clean_filename(raw: str | None, document_id: str, content_type: str) -> str:
    """NFC, no path parts or control characters, bounded length; a default when empty."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        name = document_id + _EXTENSIONS.get(content_type, "")
    return name[:MAX_FILENAME]


def media_type(raw: str | None) -> str:
    """The bare media type of a Content-Type header, checked against the allow-list."""
    value = (raw or "").split(";", 1)[0].strip().lower()
    if value == "image/jpg":
        value = "image/jpeg"
    if value not in _MAGIC:
        raise UnsupportedMediaType(content_type=value)
    return value


def checked_body(
    chunks: Iterable[bytes], content_type: str, limit: int, declared: int | None
) -> Iterator[bytes]:
    """Pass the body through, refusing it past ``limit``, short of ``declared`` or of the wrong kind."""
    total, head, sniffed = 0, b"", False
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(limit=limit)
        if not sniffed:
            head += chunk
            if len(head) < 8:
                continue
            _sniff(head, content_type)
            sniffed, chunk, head = True, head, b""
        if chunk:
            yield chunk
    if declared is not None and total != declared:
        raise IncompleteBody()
    if not sniffed:
        _sniff(head, content_type)
        if head:
            yield head


def _coalesce(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Join small chunks into pieces of about ``size`` bytes (bounded memory)."""
    parts: list[bytes] = []
    held = 0
    for chunk in chunks:
        parts.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(parts)
            parts, held = [], 0
    if parts:
        yield b"".join(parts)


def _sniff(head: bytes, content_type: str) -> None:
    start = head.lstrip(b" \t\r\n\xef\xbb\xbf") if content_type == "application/json" else head
    if not start.startswith(_MAGIC[content_type]):
        raise ContentMismatch(content_type=content_type)


class DocumentService:
    """Use cases of the citizen's own documents."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _kek(self, uow: storage.UnitOfWork, citizen_id: str) -> bytes:
        citizen = uow.citizens.get(citizen_id)
        return unwrap_citizen_key(self.ctx.master, citizen_id, citizen.wrapped_kek)

    def plan_upload(
        self,
        citizen_id: str,
        doc_type: str,
        raw_content_type: str | None,
        filename: str | None,
        declared_length: int | None,
    ) -> UploadPlan:
        """Validate everything known before the first byte arrives."""
        if doc_type not in document_types():
            raise UnknownDocumentType(doc_type=doc_type[:64])
        content_type = media_type(raw_content_type)
        limit = self.ctx.settings.max_upload_bytes
        if declared_length is not None and declared_length > limit:
            raise PayloadTooLarge(limit=limit)
        document_id = str(uuid.uuid4())
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            kek = self._kek(uow, citizen_id)
        name = clean_filename(filename, document_id, content_type)
        return UploadPlan(citizen_id, document_id, doc_type, content_type, name, declared_length, kek)

    def store(
        self,
        plan: UploadPlan,
        chunks: Iterable[bytes],
        within: Callable[[storage.UnitOfWork], None] | None = None,
    ) -> DocumentMeta:
        """Encrypt and store the body (blob first), then record it; all or nothing."""
        return self.record(self.put_blob(plan, chunks), within)

    def put_blob(self, plan: UploadPlan, chunks: Iterable[bytes]) -> StoredBlob:
        """First half of ``store``: encrypt and write the blob (blob I/O only)."""
        version = 1
        dek = crypto.new_key()
        aad = blob_aad(plan.citizen_id, plan.document_id, version)
        key = blob_key(plan.citizen_id, plan.document_id, version)
        size = 0
        # The collector leaves anything younger than this alone (``collect_orphans``): an upload
        # that outlives it is cut, so it can never lose a temp file or multipart upload it holds.
        give_up = time.monotonic() + self.ctx.settings.max_upload_seconds

        def counted() -> Iterator[bytes]:
            nonlocal size
            for chunk in checked_body(
                chunks, plan.content_type, self.ctx.settings.max_upload_bytes, plan.declared_length
            ):
                if time.monotonic() > give_up:
                    raise UploadTooSlow(limit=self.ctx.settings.max_upload_seconds)
                size += len(chunk)
                yield chunk

        self.ctx.blobs.put(key, crypto.encrypt_stream(dek, aad, counted()))
        return StoredBlob(plan, key, size, wrap_document_key(self.ctx.master, plan.kek, dek, aad))

    def record(
        self, blob: StoredBlob, within: Callable[[storage.UnitOfWork], None] | None = None
    ) -> DocumentMeta:
        """Second half of ``store``: the row pointing at the blob (metadata only); on any failure
        the blob is deleted again."""
        plan = blob.plan
        aad = blob_aad(plan.citizen_id, plan.document_id, 1)
        record = storage.DocumentRecord(
            id=plan.document_id,
            citizen_id=plan.citizen_id,
            version=1,
            doc_type=plan.doc_type,
            provenance=plan.provenance,
            content_type=plan.content_type,
            size=blob.size,
            wrapped_dek=blob.wrapped_dek,
            blob_key=blob.key,
            filename_sealed=crypto.seal(plan.kek, plan.filename.encode(), b"filename|" + aad),
            issuance=plan.issuance,
            created_at=self.ctx.utcnow(),
        )
        try:
            with self.ctx.metadata.unit_of_work() as uow:
                uow.citizens.get(plan.citizen_id)  # erased meanwhile: store nothing
                uow.documents.add(record)
                if within is not None:
                    within(uow)  # e.g. the idempotency record, in the same transaction
                uow.commit()
        except BaseException:
            with contextlib.suppress(storage.StorageError):  # else the collector removes it
                self.ctx.blobs.delete(blob.key)
            raise
        log.info("document stored %s (%d bytes)", plan.document_id, blob.size)
        return self._meta(record, plan.kek)

    def _meta(self, record: storage.DocumentRecord, kek: bytes) -> DocumentMeta:
        aad = blob_aad(record.citizen_id, record.id, record.version)
        filename = crypto.open_sealed(kek, record.filename_sealed, b"filename|" + aad).decode()
        return DocumentMeta(
            id=record.id,
            doc_type=record.doc_type,
            provenance=record.provenance,
            content_type=record.content_type,
            size=record.size,
            filename=filename,
            version=record.version,
            created_at=record.created_at,
            issuance=open_issuance(kek, record),
        )

    def list(self, citizen_id: str, doc_type: str | None = None) -> list[DocumentMeta]:
        """The citizen's documents, newest first, optionally of one type."""
        if doc_type is not None and doc_type not in document_types():
            raise UnknownDocumentType(doc_type=doc_type[:64])
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            kek = self._kek(uow, citizen_id)
            records = uow.documents.list(citizen_id, doc_type)
        metas = [self._meta(r, kek) for r in records]
        return sorted(metas, key=lambda m: m.created_at, reverse=True)

    def page(self, query: PageQuery, doc_type: str | None = None) -> Page[DocumentMeta]:
        """One page of the citizen's documents, newest first; only its file names are decrypted."""
        if doc_type is not None and doc_type not in document_types():
            raise UnknownDocumentType(doc_type=doc_type[:64])
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            kek = self._kek(uow, query.owner)
            records = uow.documents.page(query.owner, query.window, doc_type)
        page = cut(query, records, lambda r: (r.created_at, r.id))
        return Page([self._meta(r, kek) for r in page.items], page.after)

    def _record(self, citizen_id: str, document_id: str) -> tuple[storage.DocumentRecord, bytes]:
        try:
            uuid.UUID(document_id)
            # One statement, no unit of work: the request path's read (``storage.sql_hot``).
            record, wrapped_kek = self.ctx.metadata.hot_reads().document_with_owner_key(
                citizen_id, document_id
            )
        except (ValueError, storage.NotFound):
            raise DocumentNotFound() from None
        return record, unwrap_citizen_key(self.ctx.master, citizen_id, wrapped_kek)

    def spend_then_read(
        self,
        auth: AuthService,
        checked: CheckedRequest,
        document_id: str,
        *,
        owner: str | None = None,
        spent: bool | None = None,
    ) -> tuple[storage.DocumentRecord, bytes] | None:
        """Spend a citizen's ``check``ed proof and read their document ``document_id`` (one round
        trip on PostgreSQL, ``ReplayGuard.remember_then_read``): ``Unauthenticated`` when the proof
        was spent before or its device key is no longer theirs (nothing of the document leaves
        here), else the record and the owner's wrapped key, or None when there is no such document
        of theirs (``meta_of`` refuses it). ``owner``: whose document (a delegate's read: the
        represented citizen's; the caller decides the mandate before anything is served).
        ``spent``: the proof was spent already, with others in one commit (``GroupSpend``), and
        this is the answer; then only the read is left."""
        holder = checked.holder
        if not isinstance(holder, storage.CitizenHolder):
            raise Unauthenticated()
        owner = holder.citizen_id if owner is None else owner
        if spent is not None:
            auth.spent(spent)
            return self._owned(owner, document_id)
        try:
            uuid.UUID(document_id)
        except ValueError:
            auth.spend(checked)
            return None
        guard = self.ctx.metadata.replay_guard()
        try:
            fresh, found = guard.remember_then_read(
                checked.scope, checked.jti, checked.expires, holder, document_id, owner=owner
            )
        except storage.InsufficientStorage:
            auth.spend(checked)  # the guard's own way through a full disk (purge, then once more)
            return self._owned(owner, document_id)
        auth.spent(fresh)
        return found

    def _owned(self, owner: str, document_id: str) -> tuple[storage.DocumentRecord, bytes] | None:
        """``owner``'s document ``document_id`` and their wrapped key by the one-statement read, or
        None when the id is not a UUID or names no document of theirs."""
        try:
            uuid.UUID(document_id)
            return self.ctx.metadata.hot_reads().document_with_owner_key(owner, document_id)
        except (ValueError, storage.NotFound):
            return None

    def meta_of(self, citizen_id: str, found: tuple[storage.DocumentRecord, bytes] | None) -> DocumentMeta:
        """The metadata of what ``spend_then_read`` found; ``DocumentNotFound`` for nothing."""
        if found is None:
            raise DocumentNotFound()
        record, wrapped_kek = found
        return self._meta(record, unwrap_citizen_key(self.ctx.master, citizen_id, wrapped_kek))

    def get(self, citizen_id: str, document_id: str) -> DocumentMeta:
        """One document's metadata; another citizen's id is simply not found."""
        record, kek = self._record(citizen_id, document_id)
        return self._meta(record, kek)

    def open_content(self, citizen_id: str, document_id: str) -> tuple[DocumentMeta, Iterator[bytes]]:
        """The plaintext as a stream; small documents are authenticated whole before it starts."""
        meta, chunks = self.open_lazy(citizen_id, document_id)
        return meta, Primed(chunks)

    def open_lazy(self, citizen_id: str, document_id: str) -> tuple[DocumentMeta, Iterator[bytes]]:
        """Like ``open_content`` but touching only metadata: the blob opens at the first ``next``
        (which also authenticates a small document whole), so a caller can run it elsewhere."""
        record, kek = self._record(citizen_id, document_id)
        return self._meta(record, kek), self._plaintext(record, kek)

    def _plaintext(self, record: storage.DocumentRecord, kek: bytes) -> Iterator[bytes]:
        aad = blob_aad(record.citizen_id, record.id, record.version)
        dek = unwrap_document_key(self.ctx.master, kek, record.wrapped_dek, aad)
        try:
            source = self.ctx.blobs.open(record.blob_key)
        except storage.NotFound:
            log.error("content missing: document %s has a record but no stored content", record.id)
            raise ContentMissing() from None
        segments = crypto.decrypt_stream(dek, aad, source)
        # every segment, the (possibly empty) final one included: nothing is sent before all authenticate
        ahead = record.size // crypto.SEGMENT_SIZE + 1 if record.size <= PREFETCH_BYTES else 1
        try:
            first = list(itertools.islice(segments, ahead))
            yield from _coalesce(itertools.chain(first, segments), COALESCE_BYTES)
        except crypto.IntegrityError:
            log.error("integrity failure: document %s (kind: integrity)", record.id)
            raise

    def delete(self, citizen_id: str, document_id: str) -> ErasureReceipt:
        """Remove the record, then its blob (an orphan left by a crash is collected later); final
        once the key epochs have turned (the receipt says by when, ``docs/erasure.md``)."""
        try:
            uuid.UUID(document_id)
            with self.ctx.metadata.unit_of_work() as uow:
                record = uow.documents.delete(citizen_id, document_id)
                erasure = record_erasure(self.ctx, uow, "document", [("documents", record.wrapped_dek)])
                uow.commit()
        except (ValueError, storage.NotFound):
            raise DocumentNotFound() from None
        try:
            self.ctx.blobs.delete(record.blob_key)
        except storage.StorageError:
            log.warning("blob of a deleted document left for the collector")
        return signed_receipt(self.ctx, erasure)

    def records_with_plaintext(self, citizen_id: str) -> Iterator[tuple[DocumentMeta, Iterator[bytes]]]:
        """Every document with a lazy plaintext stream (for export); every document's content is
        checked to exist first (one listing), so a missing one is reported before any byte."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            kek = self._kek(uow, citizen_id)
            records = uow.documents.list(citizen_id, None)
        if records:
            stored = {info.key for info in self.ctx.blobs.list(f"c/{citizen_id}/")}
            for record in records:
                if record.blob_key not in stored:
                    log.error("content missing: document %s has a record but no stored content", record.id)
                    raise ContentMissing()
        for record in records:
            yield self._meta(record, kek), self._plaintext(record, kek)


def collect_orphans(ctx: Context, grace: dt.timedelta) -> int:
    """Delete blobs no record points to and temp state left by crashes, older than ``grace``.

    Whatever ``grace``, nothing younger than the longest an upload may run
    (``WALLET_MAX_UPLOAD_SECONDS``, which ``put_blob`` enforces) plus the
    deadline of its record is touched: an upload in progress keeps its temp
    file or multipart upload, and a blob whose record is being committed is not
    taken for an orphan.
    """
    settings = ctx.settings
    floor = dt.timedelta(seconds=settings.max_upload_seconds + settings.deadline_seconds)
    cutoff = ctx.utcnow() - max(grace, floor)
    removed = ctx.blobs.collect_incomplete(cutoff)
    # Candidates first, references second: a blob whose record commits in between is kept.
    candidates = [info.key for info in ctx.blobs.list("c/") if info.modified < cutoff]
    with ctx.metadata.unit_of_work(readonly=True) as uow:
        referenced = uow.documents.all_blob_keys()
    for key in candidates:
        if key not in referenced:
            ctx.blobs.delete(key)
            removed += 1
    log.info("collector removed %d orphan objects", removed)
    return removed
