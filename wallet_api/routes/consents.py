"""Consent routes: agencies ask and pull, citizens decide, revoke and keep receipts."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from crypto.transparency import AccessAction
from wallet_api.errors_consent import ConsentPending
from wallet_api.mandates import MANDATE_OK, Caller
from wallet_api.paging import DEFAULT_LIMIT, Page, PageQuery, next_cursor, page_query
from wallet_api.resilience.lanes import failure_kind
from wallet_api.routes.common import (
    AnyRequest,
    Cursor,
    Limit,
    Since,
    Until,
    acting,
    agency,
    citizen,
    lang,
    offload,
)
from wallet_api.services import Services
from wallet_api.services.consent_views import ConsentView
from wallet_api.services.consents import ConsentAsk
from wallet_api.wire_consent import (
    ConsentListOut,
    ConsentOut,
    ConsentRequestIn,
    DecisionIn,
    PulledCredentialOut,
    consent_out,
)

log = logging.getLogger("wallet.consents")

NO_STORE = {"Cache-Control": "no-store"}
ConsentState = Literal["pending", "approved", "denied", "revoked", "closed", "expired", "used_up"]


def _receipt(services: Services, view: ConsentView) -> dict[str, Any]:
    if view.record.decision is None:
        raise ConsentPending()
    return services.consents.signed_receipt(view)


@post("/v1/agency/consents", status_code=201, tags=["consents"], response_headers=NO_STORE)
async def request_consent(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[ConsentRequestIn]
) -> ConsentOut:
    """Ask a citizen for consent to named data, for a purpose and a procedure; it waits for their decision."""
    items = None if data.items is None else [(i.type, i.claims) for i in data.items]
    ask = ConsentAsk(
        data.cccd,
        data.purpose,
        data.procedure_code,
        data.case_number,
        items,
        data.valid_for_seconds,
        data.max_uses,
        data.retention_days,
    )
    who = await offload(services, lambda: agency(request, services).subject)
    return consent_out(await offload(services, lambda: services.consents.request(who, ask)), lang(request))


@get("/v1/agency/consents/{consent_id:str}", tags=["consents"], response_headers=NO_STORE)
async def agency_consent(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> ConsentOut:
    """The state of the agency's request: pending, approved (with what), denied, revoked, closed, expired."""
    who = await offload(services, lambda: agency(request, services).subject)
    view = await offload(services, lambda: services.consents.for_agency(who, consent_id))
    return consent_out(view, lang(request))


@post("/v1/agency/consents/{consent_id:str}/close", status_code=200, tags=["consents"])
async def close_consent(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> ConsentOut:
    """Close the case: the consent ends at once."""
    who = await offload(services, lambda: agency(request, services).subject)
    return consent_out(
        await offload(services, lambda: services.consents.close(who, consent_id)), lang(request)
    )


@get("/v1/agency/consents/{consent_id:str}/receipt", tags=["consents"], response_headers=NO_STORE)
async def agency_receipt(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> dict[str, Any]:
    """The consent receipt (after the citizen's decision), signed by the service."""
    who = await offload(services, lambda: agency(request, services).subject)
    return await offload(services, lambda: _receipt(services, services.consents.for_agency(who, consent_id)))


@get(
    "/v1/agency/consents/{consent_id:str}/credentials/{credential_id:str}",
    tags=["consents"],
    response_headers=NO_STORE,
)
async def pull_credential(
    request: AnyRequest,
    services: NamedDependency[Services],
    consent_id: FromPath[str],
    credential_id: FromPath[str],
) -> PulledCredentialOut:
    """An approved credential with only the approved disclosures (one use of the consent)."""
    pulled = await offload(  # one hop to the worker thread: authentication and the pull
        services,
        lambda: services.pulls.credential(agency(request, services).subject, consent_id, credential_id),
    )
    return PulledCredentialOut(
        pulled.consent_id,
        pulled.credential_id,
        pulled.type,
        pulled.vct,
        pulled.issuer,
        list(pulled.disclosed),
        pulled.sd_jwt,
    )


@get("/v1/agency/consents/{consent_id:str}/documents/{document_id:str}", tags=["consents"])
async def pull_document(
    request: AnyRequest,
    services: NamedDependency[Services],
    consent_id: FromPath[str],
    document_id: FromPath[str],
) -> Stream:
    """An approved document's content, decrypted and authenticated (one use of the consent)."""
    who = await offload(services, lambda: agency(request, services).subject)
    services.lanes.admit_transfer()  # before the consent's use is taken
    meta, chunks = await offload(services, lambda: services.pulls.document(who, consent_id, document_id))
    headers = {
        **NO_STORE,
        "Content-Length": str(meta.size),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(meta.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Wallet-Provenance": meta.provenance,  # an uploaded scan is never passed off as issued
        "Wallet-Document-Type": meta.doc_type,
    }

    def cut(exc: BaseException) -> None:
        log.error("pull of document %s cut after it started: %s", meta.id, failure_kind(exc))

    return Stream(services.lanes.stream(chunks, cut), media_type=meta.content_type, headers=headers)


@get("/v1/me/consents", opt=MANDATE_OK, tags=["consents"], response_headers=NO_STORE)
async def my_consents(
    request: AnyRequest,
    services: NamedDependency[Services],
    wanted: Annotated[ConsentState | None, QueryParameter(name="state")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    since: Since = None,
    until: Until = None,
) -> ConsentListOut:
    """The citizen's consents a page at a time, newest first (``state=pending``: awaiting a
    decision), with matching documents. A state that changes with time (expired, used up) is known
    only once read: a page filtered by it may hold fewer items while ``next_cursor`` leads on."""

    def read() -> tuple[PageQuery, Page[ConsentView]]:
        caller = acting(request, services, "procedures", None)  # a delegate sees only its procedures
        query = page_query(
            services.ctx, "consents", caller.owner, limit=limit, cursor=cursor, since=since, until=until
        )
        page = services.consents.page_for_citizen(query, wanted)
        shown = [v for v in page.items if caller.covers("procedures", v.record.procedure_code)]
        services.mandates.record_act(caller, ("consents", "consent"), AccessAction.READ)
        return query, Page(shown, page.after)

    query, page = await offload(services, read)
    types = {item.type for view in page.items for item in view.requested}
    found = await offload(services, lambda: services.consents.candidates(query.owner, types))
    items = [consent_out(view, lang(request), found) for view in page.items]
    return ConsentListOut(items, next_cursor(services.ctx, query, page))


@get("/v1/me/consents/{consent_id:str}", opt=MANDATE_OK, tags=["consents"], response_headers=NO_STORE)
async def my_consent(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> ConsentOut:
    """One consent, with what would be shared and which of the citizen's documents satisfy each item."""
    caller, view = await offload(services, lambda: _consent(request, services, consent_id, AccessAction.READ))
    who = caller.owner
    found = await offload(
        services, lambda: services.consents.candidates(who, {i.type for i in view.requested})
    )
    return consent_out(view, lang(request), found)


@post(
    "/v1/me/consents/{consent_id:str}/decision",
    status_code=200,
    opt=MANDATE_OK,
    tags=["consents"],
    response_headers=NO_STORE,
)
async def decide(
    request: AnyRequest,
    services: NamedDependency[Services],
    consent_id: FromPath[str],
    data: JSONBody[DecisionIn],
) -> dict[str, Any]:
    """Approve (all or part) or deny, with a JWS signed by the device key; answers with the receipt.
    A delegate whose mandate covers the procedure signs with their own device, naming the mandate
    (``act``), and the receipt names both."""

    def decide() -> ConsentView:
        caller = acting(request, services, "procedures", _procedure_of(services, consent_id), fresh=True)
        delegate = (caller.principal.subject, caller.mandate.id) if caller.mandate else None
        view = services.decisions.decide(
            caller.owner, consent_id, data.decision, caller.principal.jkt, delegate=delegate
        )
        act = view.record.id, "consent"
        services.mandates.record_act(
            caller,
            act,
            AccessAction.DECIDE,
            procedure_code=view.record.procedure_code,
            consent_id=view.record.id,
        )
        return view

    view = await offload(services, decide)
    return await offload(services, lambda: services.consents.signed_receipt(view))


@post(
    "/v1/me/consents/{consent_id:str}/revoke", status_code=200, tags=["consents"], response_headers=NO_STORE
)
async def revoke(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> dict[str, Any]:
    """Withdraw consent: the agency's next pull is refused. Answers with the updated receipt."""
    who = await offload(services, lambda: citizen(request, services).subject)
    view = await offload(services, lambda: services.decisions.revoke(who, consent_id))
    return await offload(services, lambda: services.consents.signed_receipt(view))


@get("/v1/me/consents/{consent_id:str}/receipt", opt=MANDATE_OK, tags=["consents"], response_headers=NO_STORE)
async def my_receipt(
    request: AnyRequest, services: NamedDependency[Services], consent_id: FromPath[str]
) -> dict[str, Any]:
    """The consent receipt, signed by the service, with the citizen's own signed decision."""
    _, view = await offload(services, lambda: _consent(request, services, consent_id, AccessAction.READ))
    return await offload(services, lambda: _receipt(services, view))


def _procedure_of(services: Services, consent_id: str) -> Callable[[str], str]:
    """How ``authorize`` learns the procedure of the consent a delegate asks about."""
    return lambda owner: services.consents.for_citizen(owner, consent_id).record.procedure_code


def _consent(
    request: AnyRequest, services: Services, consent_id: str, action: AccessAction
) -> tuple[Caller, ConsentView]:
    """The caller and one of the owner's consents (for a delegate: of a procedure in scope, logged)."""
    caller = acting(request, services, "procedures", _procedure_of(services, consent_id))
    view = services.consents.for_citizen(caller.owner, consent_id)
    code = view.record.procedure_code
    services.mandates.record_act(caller, (view.record.id, "consent"), action, procedure_code=code)
    return caller, view


ROUTES = [
    request_consent,
    agency_consent,
    close_consent,
    agency_receipt,
    pull_credential,
    pull_document,
    my_consents,
    my_consent,
    decide,
    revoke,
    my_receipt,
]
