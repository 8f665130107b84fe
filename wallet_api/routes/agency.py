"""Agency routes: holder keys, status indexes, issuing credentials, changing their status."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import msgspec
from litestar import Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.routes.common import AnyRequest, agency, offload
from wallet_api.services import Services
from wallet_api.services.issued_documents import DocumentIssue, decode_content

NO_STORE = {"Cache-Control": "no-store"}


class HolderKeyRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Which citizen's device key an issuer needs for ``cnf``, and why: the type of the credential
    it is about to issue (one it is registered for) and, optionally, its case number. The citizen
    reads both in their log."""

    cccd: str
    type: str
    case_number: str | None = None


class HolderKey(msgspec.Struct):
    """The citizen's device public key."""

    jwk: dict[str, Any]


class StatusAllocation(msgspec.Struct):
    """A status-list reference to embed in a credential before signing it."""

    status_list: dict[str, Any]


class IssueCredentialRequest(msgspec.Struct, forbid_unknown_fields=True):
    """An SD-JWT VC signed by the agency, with every disclosure, for the citizen with ``cccd``."""

    cccd: str
    credential: str


class IssuedCredential(msgspec.Struct):
    """Where the credential went and its status reference."""

    credential_id: str
    type: str
    status: dict[str, Any]


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    """``valid``, ``revoked`` or ``suspended``."""

    status: str


@post("/v1/agency/holder-keys", status_code=200, tags=["agency"], response_headers=NO_STORE)
async def holder_key(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[HolderKeyRequest]
) -> HolderKey:
    """An issuer obtains the device key of the citizen it is issuing to (and only that citizen's)."""
    who = await offload(services, lambda: agency(request, services).subject)
    return HolderKey(
        await offload(
            services, lambda: services.issuance.holder_key(who, data.cccd, data.type, data.case_number)
        )
    )


@post("/v1/agency/status-allocations", status_code=201, tags=["agency"])
async def allocate_status(request: AnyRequest, services: NamedDependency[Services]) -> StatusAllocation:
    """Reserve an index in the agency's status list for the next credential it signs."""
    who = await offload(services, lambda: agency(request, services).subject)
    ref = await offload(services, lambda: services.issuance.allocate_status(who))
    return StatusAllocation({"idx": ref.idx, "uri": ref.uri})


@post("/v1/agency/credentials", status_code=201, tags=["agency"])
async def issue_credential(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[IssueCredentialRequest]
) -> IssuedCredential:
    """Store a credential the agency signed in the citizen's wallet, after checking everything."""
    who = await offload(services, lambda: agency(request, services).subject)
    key = request.headers.get("idempotency-key")
    result = await offload(
        services, lambda: services.issuance.issue_credential(who, data.cccd, data.credential, key)
    )
    return msgspec.convert(result, IssuedCredential)


@post("/v1/agency/credentials/{credential_id:str}/status", status_code=204, tags=["agency"])
async def change_status(
    request: AnyRequest,
    services: NamedDependency[Services],
    credential_id: FromPath[str],
    data: JSONBody[StatusChange],
) -> Response[None]:
    """Revoke, suspend or reinstate a credential this agency (or a predecessor) issued."""
    who = await offload(services, lambda: agency(request, services).subject)
    await offload(services, lambda: services.issuance.set_status(who, credential_id, data.status))
    return Response(None, status_code=204)


class IssueDocumentRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A signed document for a citizen: a PAdES PDF, or any file with a detached JWS (``signature``)."""

    cccd: str
    type: str
    number: str
    issue_date: str
    filename: str
    content_type: str
    content: str  # base64
    procedure_code: str | None = None
    signature: str | None = None


class IssuedDocumentOut(msgspec.Struct):
    """Where the document went."""

    document_id: str
    type: str
    size: int


@post("/v1/agency/documents", status_code=201, tags=["agency"], request_max_body_size=80 * 1024 * 1024)
async def issue_document(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[IssueDocumentRequest]
) -> IssuedDocumentOut:
    """Store a document the agency signed (PAdES or detached JWS), after checking signature and issuer."""
    key = request.headers.get("idempotency-key")

    def issue() -> dict[str, object]:
        who = agency(request, services).subject
        # Decoding up to ~70 MB of base64 happens here, in the worker thread, not on the event loop.
        content = decode_content(data.content, services.ctx.settings.max_upload_bytes)
        document = DocumentIssue(
            cccd=data.cccd,
            doc_type=data.type,
            number=data.number,
            issue_date=data.issue_date,
            procedure_code=data.procedure_code,
            filename=data.filename,
            content_type=data.content_type,
            content=content,
            signature=data.signature,
        )
        return services.issued_documents.issue(who, document, key)

    # Always a worker thread: PDF validation runs an event loop of its own.
    return msgspec.convert(await anyio.to_thread.run_sync(issue), IssuedDocumentOut)


ROUTES = [holder_key, allocate_status, issue_credential, change_status, issue_document]
