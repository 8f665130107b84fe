"""The citizen's documents: streamed upload and download, listing, metadata, deletion."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any
from urllib.parse import quote

import anyio.from_thread
from litestar import delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from crypto.transparency import AccessAction
from storage import CitizenHolder, DocumentRecord, ProofSpend
from wallet_api.erasure.wire import ErasureOut
from wallet_api.errors import IncompleteBody, InvalidRequest
from wallet_api.mandates import MANDATE_HEADER, MANDATE_OK
from wallet_api.mandates.gate import Caller
from wallet_api.paging import DEFAULT_LIMIT, Page, PageQuery, next_cursor, page_query
from wallet_api.problems import close_after_response
from wallet_api.resilience.lanes import failure_kind
from wallet_api.routes.common import (
    AnyRequest,
    Cursor,
    Limit,
    Since,
    Until,
    acting,
    checked_citizen,
    citizen,
    lang,
    offload,
    services_of,
)
from wallet_api.routes.encoded import EncodedJson
from wallet_api.services import Principal, Services
from wallet_api.services.documents import DocumentMeta
from wallet_api.wire import DocumentList, DocumentOut

log = logging.getLogger("wallet.documents")
NO_STORE = {"Cache-Control": "no-store"}
Receive = Callable[[], Coroutine[Any, Any, Any]]


BATCH = 1024 * 1024  # bytes gathered on the event loop per hop to the worker thread


async def _receive_batch(receive: Receive) -> tuple[bytes, bool]:
    """Gather body messages up to ``BATCH`` bytes; return them and whether more follow."""
    parts: list[bytes] = []
    size = 0
    while size < BATCH:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise IncompleteBody()
        chunk = message.get("body", b"")
        parts.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), False
    return b"".join(parts), True


def _body_from_thread(receive: Receive) -> Iterator[bytes]:
    """The request body as a blocking iterator, pulled from the event loop by a worker thread."""
    more = True
    while more:
        chunk, more = anyio.from_thread.run(_receive_batch, receive)
        if chunk:
            yield chunk


def _declared_length(request: AnyRequest) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise InvalidRequest(
            "content-length", reason_vi="Content-Length không hợp lệ", reason_en="invalid Content-Length"
        )
    return int(raw)


@post("/v1/me/documents", status_code=201, tags=["documents"], response_headers=NO_STORE)
async def upload(
    request: AnyRequest,
    services: NamedDependency[Services],
    doc_type: Annotated[str, QueryParameter(name="type", max_length=64)] = "other",
    filename: Annotated[str | None, QueryParameter(name="filename", max_length=255)] = None,
) -> DocumentOut:
    """Upload a PDF, PNG, JPEG or JSON file as the raw body; it is encrypted as it streams in."""
    try:
        declared = _declared_length(request)
        content_type = request.headers.get("content-type")
        plan = await offload(
            services,
            lambda: services.documents.plan_upload(
                citizen(request, services).subject, doc_type, content_type, filename, declared
            ),
        )
        services.lanes.admit_transfer()
        body = _body_from_thread(request.receive)  # type: ignore[arg-type]  # ASGI receive returns a coroutine
        blob = await services.lanes.blob_unbounded(lambda: services.documents.put_blob(plan, body))
        meta = await offload(services, lambda: services.documents.record(blob))
    except BaseException:
        close_after_response(request)  # the rest of the body is unread: the connection cannot be reused
        raise
    return DocumentOut.of(meta, lang(request))


@get("/v1/me/documents", opt=MANDATE_OK, tags=["documents"], response_headers=NO_STORE)
async def list_documents(
    request: AnyRequest,
    services: NamedDependency[Services],
    doc_type: Annotated[str | None, QueryParameter(name="type", max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    since: Since = None,
    until: Until = None,
) -> DocumentList:
    """The citizen's documents, a page at a time, newest first; by type and creation date."""

    def read() -> tuple[PageQuery, Page[DocumentMeta]]:
        caller = acting(request, services, "documents", doc_type or "")  # a delegate names a type
        query = page_query(
            services.ctx, "documents", caller.owner, limit=limit, cursor=cursor, since=since, until=until
        )
        page = services.documents.page(query, doc_type)
        services.mandates.record_act(caller, ("documents", doc_type or "documents"), AccessAction.READ)
        return query, page

    query, page = await offload(services, read)
    reader = lang(request)
    items = [DocumentOut.of(m, reader) for m in page.items]
    return DocumentList(items, next_cursor(services.ctx, query, page))


@get(
    "/v1/me/documents/{document_id:str}",
    opt=MANDATE_OK,
    tags=["documents"],
    response_headers=NO_STORE,
    response_class=EncodedJson,  # the hottest authenticated route: encoded once, sent as it is
)
async def document_metadata(request: AnyRequest, document_id: FromPath[str]) -> DocumentOut:
    """One document's metadata (a delegate's mandate must cover its type)."""
    services = services_of(request)  # the hottest authenticated route: no per-request DI
    mandate_id = request.headers.get(MANDATE_HEADER)
    if mandate_id is not None:
        return DocumentOut.of(
            await offload(services, _delegate_read(request, services, document_id, mandate_id)), lang(request)
        )
    # The owner's own read: token and proof checked on the loop (CPU only), then one hop doing the
    # proof's replay insert and the read in one round trip, then the per-device limit; nothing is
    # served unless the proof was new (401) and the limit not reached (429).
    checked = checked_citizen(request, services)
    principal = checked.principal
    # Embedded: spent with the other requests of this turn of the loop, in one commit (None: alone).
    spent = None if services.spends is None else await services.spends.spend(checked)

    def read() -> DocumentMeta:
        found = services.documents.spend_then_read(services.auth, checked, document_id, spent=spent)
        services.limiter.check_caller(principal.kind, principal.subject, principal.jkt)
        return services.documents.meta_of(principal.subject, found)

    return DocumentOut.of(await offload(services, read), lang(request))


def _delegate_read(
    request: AnyRequest, services: Services, document_id: str, mandate_id: str
) -> Callable[[], DocumentMeta]:
    """A delegate's read under a mandate, blocking. When this process remembers the mandate and
    the caller is its delegate, the owner's fast path plus the act: token and proof checked on
    the loop, then one write transaction whose first round trip also spends the proof and reads
    the represented citizen's document (``MandateService.spend_read_and_act``); the proof's
    freshness (401), the per-device limit (429) and the mandate (``authorize``: in force, its
    scope covering the document's type) are decided before the act is committed to both logs,
    and the metadata is answered only after that commit. Otherwise the general path
    (``acting``, which reads the mandate first)."""
    checked = checked_citizen(request, services)
    principal = checked.principal
    represented = services.mandates.represented_by(principal, mandate_id)
    holder = checked.holder
    if represented is None or not isinstance(holder, CitizenHolder) or not _is_uuid(document_id):
        return lambda: _read_for(request, services, document_id)
    spend = ProofSpend(checked.scope, checked.jti, checked.expires, holder, document_id, represented)
    metas: list[DocumentMeta] = []

    def decide(spent: tuple[bool, tuple[DocumentRecord, bytes] | None]) -> tuple[Caller, tuple[str, str]]:
        services.auth.spent(spent[0])
        services.limiter.check_caller(principal.kind, principal.subject, principal.jkt)

        def doc_type(owner: str) -> str:  # called only once the caller is known to be the delegate
            metas.append(services.documents.meta_of(owner, spent[1] if owner == represented else None))
            return metas[0].doc_type

        caller = services.mandates.authorize(principal, mandate_id, "documents", doc_type)
        services.mandates.remember_type(represented, metas[0].id, metas[0].doc_type)
        return caller, (metas[0].id, metas[0].doc_type)

    def read() -> DocumentMeta:
        parties = (represented, principal.subject)
        ahead = _ahead(services, principal, mandate_id, represented, document_id, metas)
        if not services.mandates.spend_read_and_act(mandate_id, parties, spend, decide, ahead):
            return _read_for(request, services, document_id)  # no space to open it: nothing spent
        return metas[0]

    return read


def _ahead(
    services: Services,
    principal: Principal,
    mandate_id: str,
    represented: str,
    document_id: str,
    metas: list[DocumentMeta],
) -> tuple[Caller, tuple[str, str], Callable[[tuple[DocumentRecord, bytes]], None]] | None:
    """The decision a delegate's read can take ahead of the read (``spend_read_and_act``'s
    ``ahead``), when this process remembers the document's type from an earlier read, the mandate
    covers it, the id is in its stored form and the device is far below its limit: the statement
    that reads the document appends the act only if the document is still of that type (and the
    proof new, the mandate open), and the call is counted once it is served."""
    if not services.ctx.metadata.one_statement_acts:  # SQLite: the act's transaction has no round trip
        return None
    doc_type = services.mandates.remembered_type(represented, document_id)
    if doc_type is None or str(uuid.UUID(document_id)) != document_id:
        return None
    if not services.limiter.far_below_limit(principal.kind, principal.subject, principal.jkt):
        return None
    caller = services.mandates.ahead(principal, mandate_id, "documents", doc_type)
    if caller is None:
        return None

    def served(found: tuple[DocumentRecord, bytes]) -> None:
        services.limiter.count_served(principal.kind, principal.subject, principal.jkt)
        metas.append(services.documents.meta_of(represented, found))

    return caller, (document_id, doc_type), served


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _read_for(request: AnyRequest, services: Services, document_id: str) -> DocumentMeta:
    """A read under the mandate the request names (``acting``, blocking)."""
    found: list[DocumentMeta] = []
    caller = acting(request, services, "documents", _type_of(services, document_id, found))
    meta = found[0] if found else services.documents.get(caller.owner, document_id)
    services.mandates.record_act(caller, (meta.id, meta.doc_type), AccessAction.READ)
    return meta


@get("/v1/me/documents/{document_id:str}/content", opt=MANDATE_OK, tags=["documents"])
async def document_content(
    request: AnyRequest, services: NamedDependency[Services], document_id: FromPath[str]
) -> Stream:
    """The document's bytes, decrypted and authenticated segment by segment (a delegate's mandate
    must cover its type)."""

    def open_() -> tuple[DocumentMeta, Iterator[bytes]]:
        caller = acting(request, services, "documents", _type_of(services, document_id, []))
        meta, chunks = services.documents.open_lazy(caller.owner, document_id)
        services.mandates.record_act(caller, (meta.id, meta.doc_type), AccessAction.READ)
        return meta, chunks

    meta, chunks = await offload(services, open_)
    services.lanes.admit_transfer()
    first = await services.lanes.blob(lambda: next(chunks, b""))  # opens the blob before any byte

    def cut(exc: BaseException) -> None:
        log.error("download of document %s cut after it started: %s", meta.id, failure_kind(exc))

    disposition = f"attachment; filename*=UTF-8''{quote(meta.filename)}"
    return Stream(
        services.lanes.stream(chunks, cut, first=first),
        media_type=meta.content_type,
        headers={
            **NO_STORE,
            "Content-Length": str(meta.size),
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
        },
    )


@delete("/v1/me/documents/{document_id:str}", status_code=200, tags=["documents"])
async def delete_document(
    request: AnyRequest, services: NamedDependency[Services], document_id: FromPath[str]
) -> ErasureOut:
    """Delete a document and its content: unreadable at once, final everywhere by ``final_by``."""
    receipt = await offload(
        services, lambda: services.documents.delete(citizen(request, services).subject, document_id)
    )
    return ErasureOut.of(receipt)


def _type_of(services: Services, document_id: str, found: list[DocumentMeta]) -> Callable[[str], str]:
    """How ``authorize`` learns the type a delegate asks to read (the metadata kept in ``found``)."""

    def doc_type(owner: str) -> str:
        meta = services.documents.get(owner, document_id)
        found.append(meta)
        return meta.doc_type

    return doc_type


ROUTES = [upload, list_documents, document_metadata, document_content, delete_document]
