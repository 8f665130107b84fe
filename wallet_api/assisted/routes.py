"""Assisted-route routes: the citizen's card and PIN; the office's visits, reads and receipts.
Thin handlers over ``AssistService``."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Stream

from wallet_api.assisted.counter import ROTATED_BY_DEVICE
from wallet_api.assisted.wire import (
    AnswerIn,
    CardOut,
    EnrolIn,
    IssuedCardOut,
    OpenIn,
    PinIn,
    ReceiptIn,
    VisitIn,
    VisitOut,
)
from wallet_api.routes.common import AnyRequest, agency, citizen, lang, offload
from wallet_api.services import Services
from wallet_api.wire_consent import ConsentOut, consent_out

NO_STORE = {"Cache-Control": "no-store"}
TAGS = ["assisted"]


@get("/v1/me/card", tags=TAGS, response_headers=NO_STORE)
async def my_card(request: AnyRequest, services: NamedDependency[Services]) -> CardOut:
    """The QR text of your printed wallet card: it names the wallet, nothing about you."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return CardOut(await offload(services, lambda: services.assist.card(who)))


@put("/v1/me/assist-pin", status_code=204, tags=TAGS)
async def set_pin(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[PinIn]
) -> Response[None]:
    """Set the 6-digit PIN you confirm each action with at a one-stop office."""
    who = await offload(services, lambda: citizen(request, services).subject)
    await offload(services, lambda: services.assist.set_pin(who, data.pin))
    return Response(None, status_code=204)


@post("/v1/me/card/rotation", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def rotate_my_card(request: AnyRequest, services: NamedDependency[Services]) -> CardOut:
    """A lost card: a new card id; the old card's QR is refused from now on (``card_replaced``)."""

    def rotate() -> str:
        caller = citizen(request, services)
        return services.assist.rotate_from_device(caller.subject, caller.jkt, ROTATED_BY_DEVICE)

    return CardOut(await offload(services, rotate))


@post("/v1/agency/enrolments", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def enrol_at_counter(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[EnrolIn]
) -> IssuedCardOut:
    """Enrol a citizen with no smartphone (identity checked in person, PIN typed twice): a wallet
    with no device and a printable card. A CCCD that has a wallet gets the same answer: its card
    re-issued when the PIN is the wallet's, a card that opens nothing otherwise."""

    def enrol() -> IssuedCardOut:
        who = agency(request, services).subject
        services.limiter.check("enrol", f"office:{who}")
        identity = (data.cccd, data.full_name, data.date_of_birth)
        return IssuedCardOut.of(
            services.counter.enrol(who, data.officer_id, identity, data.pin, data.pin_again)
        )

    return await offload(services, enrol)


@post("/v1/agency/visits", status_code=201, tags=TAGS, response_headers=NO_STORE)
async def open_visit(
    request: AnyRequest, services: NamedDependency[Services], data: JSONBody[VisitIn]
) -> VisitOut:
    """An officer scans the citizen's card: a visit of this office, for 15 minutes by default."""
    who = await offload(services, lambda: agency(request, services).subject)
    return VisitOut.of(
        await offload(services, lambda: services.assist.open_visit(who, data.officer_id, data.card))
    )


@post("/v1/agency/visits/{visit_id:str}/documents", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def open_documents(
    request: AnyRequest, services: NamedDependency[Services], visit_id: FromPath[str], data: JSONBody[OpenIn]
) -> VisitOut:
    """The citizen types their PIN on the office device to open these documents for the visit."""
    who = await offload(services, lambda: agency(request, services).subject)
    opened = services.assist.open_documents
    return VisitOut.of(await offload(services, lambda: opened(who, visit_id, data.pin, data.document_ids)))


@get("/v1/agency/visits/{visit_id:str}/documents/{document_id:str}/content", tags=TAGS)
async def read_document(
    request: AnyRequest,
    services: NamedDependency[Services],
    visit_id: FromPath[str],
    document_id: FromPath[str],
) -> Stream:
    """A document the citizen opened for this visit, while the visit lasts."""
    who = await offload(services, lambda: agency(request, services).subject)
    meta, chunks = await offload(services, lambda: services.assist.read(who, visit_id, document_id))
    headers = {**NO_STORE, "Content-Length": str(meta.size), "X-Content-Type-Options": "nosniff"}
    return Stream(
        services.lanes.stream(chunks, lambda exc: None), media_type=meta.content_type, headers=headers
    )


@post("/v1/agency/visits/{visit_id:str}/end", status_code=200, tags=TAGS)
async def end_visit(
    request: AnyRequest, services: NamedDependency[Services], visit_id: FromPath[str]
) -> VisitOut:
    """Close the visit: the office can do nothing more in it."""
    who = await offload(services, lambda: agency(request, services).subject)
    return VisitOut.of(await offload(services, lambda: services.assist.end(who, visit_id)))


@post("/v1/agency/visits/{visit_id:str}/card", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def rotate_card_in_visit(
    request: AnyRequest, services: NamedDependency[Services], visit_id: FromPath[str], data: JSONBody[PinIn]
) -> IssuedCardOut:
    """A lost card replaced at the counter, with the PIN: the old card is refused from now on."""
    who = await offload(services, lambda: agency(request, services).subject)
    issued = await offload(services, lambda: services.counter.rotate_in_visit(who, visit_id, data.pin))
    return IssuedCardOut.of(issued)


@post("/v1/agency/visits/{visit_id:str}/consents", status_code=200, tags=TAGS, response_headers=NO_STORE)
async def counter_consents(
    request: AnyRequest, services: NamedDependency[Services], visit_id: FromPath[str], data: JSONBody[PinIn]
) -> list[ConsentOut]:
    """The citizen's pending consent requests (PIN-confirmed, during the visit), each item with
    the citizen's documents and credentials that could answer it."""
    who = await offload(services, lambda: agency(request, services).subject)
    views, found = await offload(services, lambda: services.counter.pending(who, visit_id, data.pin))
    return [consent_out(view, lang(request), found) for view in views]


@post(
    "/v1/agency/visits/{visit_id:str}/consents/{consent_id:str}/decision",
    status_code=200,
    tags=TAGS,
    response_headers=NO_STORE,
)
async def counter_decision(
    request: AnyRequest,
    services: NamedDependency[Services],
    visit_id: FromPath[str],
    consent_id: FromPath[str],
    data: JSONBody[AnswerIn],
) -> dict[str, Any]:
    """The citizen approves (all or part) or denies with the PIN; the wallet service signs the
    decision for them (``method: assisted``). Answers with the consent receipt."""
    who = await offload(services, lambda: agency(request, services).subject)
    view = await offload(
        services,
        lambda: services.counter.answer(who, visit_id, consent_id, data.pin, data.decision, data.items),
    )
    return await offload(services, lambda: services.consents.signed_receipt(view))


@get("/v1/agency/visits/{visit_id:str}/receipt", tags=TAGS)
async def visit_receipt(
    request: AnyRequest, services: NamedDependency[Services], visit_id: FromPath[str]
) -> Response[bytes]:
    """The printable receipt (PDF, Vietnamese) with a QR anyone can check."""
    who = await offload(services, lambda: agency(request, services).subject)
    pdf = await offload(services, lambda: services.assist.receipt(who, visit_id))
    return Response(pdf, media_type="application/pdf", headers=NO_STORE)


@post("/v1/visit-receipts/check", status_code=200, tags=TAGS)
async def check_receipt(services: NamedDependency[Services], data: JSONBody[ReceiptIn]) -> dict[str, Any]:
    """Check a visit receipt's QR text: its claims if the service signed it."""
    return await offload(services, lambda: services.assist.check_receipt(data.receipt))


ROUTES = [
    my_card,
    set_pin,
    rotate_my_card,
    enrol_at_counter,
    open_visit,
    rotate_card_in_visit,
    counter_consents,
    counter_decision,
    open_documents,
    read_document,
    end_visit,
    visit_receipt,
    check_receipt,
]
