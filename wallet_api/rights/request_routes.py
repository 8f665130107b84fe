"""Deletion and correction requests over HTTP: the citizen asks and follows, the agency answers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.rights.requests import RequestView
from wallet_api.routes.common import AnyRequest, agency, citizen, offload
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}


class DeletionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Ask the agency that pulled data under this consent to delete it; ``note`` is optional."""

    note: str | None = None


class CorrectionIn(msgspec.Struct, forbid_unknown_fields=True):
    """Which claim of the credential is wrong, what is right, and an optional note."""

    claim: str
    proposed: str
    note: str | None = None


class AttestationIn(msgspec.Struct, forbid_unknown_fields=True):
    """The agency's deletion attestation: a compact JWS (ES256, ``typ`` ``deletion-attestation+jwt``)."""

    attestation: str


class RefusalIn(msgspec.Struct, forbid_unknown_fields=True):
    """Why the agency refuses: for a deletion, the legal basis for keeping the data."""

    reason: str


class ReissueIn(msgspec.Struct, forbid_unknown_fields=True):
    """The corrected credential the issuer stored with ``POST /v1/agency/credentials``."""

    credential_id: str


class RequestOut(msgspec.Struct):
    """A deletion or correction request and, once answered, the answer.

    ``status``: ``open``, ``overdue`` (open past ``due_at``), ``answered`` or ``refused``;
    ``origin``: ``citizen``, or ``retention`` when the wallet asked because the retention the
    agency promised had passed. ``attestation``: the agency's signed deletion attestation;
    ``reissued_credential_id``: the corrected credential; ``refusal``: the legal basis or reason."""

    id: str
    kind: str
    origin: str
    status: str
    agency_id: str
    agency_name: str
    created_at: dt.datetime
    due_at: dt.datetime
    answered_at: dt.datetime | None
    consent_id: str | None
    procedure_code: str | None
    case_number: str | None
    credential_id: str | None
    claim: str | None
    proposed: str | None
    note: str | None
    attestation: str | None
    reissued_credential_id: str | None
    refusal: str | None
    cccd: str | None = None  # to the issuer only, on a correction: whom to re-issue to


class RequestList(msgspec.Struct):
    items: list[RequestOut]


def out(view: RequestView, cccd: str | None = None) -> RequestOut:
    """The wire form of a request."""
    return RequestOut(**dataclasses.asdict(view), cccd=cccd)


@post(
    "/v1/me/consents/{consent_id:str}/deletion-requests",
    status_code=201,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def request_deletion(
    request: AnyRequest,
    services: NamedDependency[Services],
    consent_id: FromPath[str],
    data: JSONBody[DeletionIn],
) -> RequestOut:
    """Yêu cầu xoá dữ liệu / Ask the agency to delete what it received under this consent (asking
    twice returns the first request)."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return out(await offload(services, lambda: services.deletions.request(who, consent_id, data.note)))


@get("/v1/me/deletion-requests", tags=["rights"], response_headers=NO_STORE)
async def my_deletion_requests(request: AnyRequest, services: NamedDependency[Services]) -> RequestList:
    """The citizen's deletion requests, newest first, with their status and answers."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return RequestList([out(v) for v in await offload(services, lambda: services.deletions.of_citizen(who))])


@post(
    "/v1/me/credentials/{credential_id:str}/corrections",
    status_code=201,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def request_correction(
    request: AnyRequest,
    services: NamedDependency[Services],
    credential_id: FromPath[str],
    data: JSONBody[CorrectionIn],
) -> RequestOut:
    """Yêu cầu sửa thông tin / Dispute a claim of a credential: its issuer re-issues it or refuses."""
    who = await offload(services, lambda: citizen(request, services).subject)
    view = await offload(
        services,
        lambda: services.corrections.request(who, credential_id, data.claim, data.proposed, data.note),
    )
    return out(view)


@get("/v1/me/corrections", tags=["rights"], response_headers=NO_STORE)
async def my_corrections(request: AnyRequest, services: NamedDependency[Services]) -> RequestList:
    """The citizen's correction requests, newest first, with their status and answers."""
    who = await offload(services, lambda: citizen(request, services).subject)
    return RequestList(
        [out(v) for v in await offload(services, lambda: services.corrections.of_citizen(who))]
    )


@get("/v1/agency/deletion-requests", tags=["rights"], response_headers=NO_STORE)
async def agency_deletion_requests(request: AnyRequest, services: NamedDependency[Services]) -> RequestList:
    """The open deletion requests addressed to this agency (or an agency it succeeded), soonest due first."""
    who = await offload(services, lambda: agency(request, services).subject)
    return RequestList([out(v) for v in await offload(services, lambda: services.deletions.open_for(who))])


@post(
    "/v1/agency/deletion-requests/{request_id:str}/attestation",
    status_code=200,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def attest_deletion(
    request: AnyRequest,
    services: NamedDependency[Services],
    request_id: FromPath[str],
    data: JSONBody[AttestationIn],
) -> RequestOut:
    """Answer with a signed deletion attestation (what, when, by whom, which copies)."""
    who = await offload(services, lambda: agency(request, services).subject)
    return out(await offload(services, lambda: services.deletions.attest(who, request_id, data.attestation)))


@post(
    "/v1/agency/deletion-requests/{request_id:str}/refusal",
    status_code=200,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def refuse_deletion(
    request: AnyRequest,
    services: NamedDependency[Services],
    request_id: FromPath[str],
    data: JSONBody[RefusalIn],
) -> RequestOut:
    """Refuse, naming the legal basis for keeping the data."""
    who = await offload(services, lambda: agency(request, services).subject)
    return out(await offload(services, lambda: services.deletions.refuse(who, request_id, data.reason)))


@get("/v1/agency/corrections", tags=["rights"], response_headers=NO_STORE)
async def agency_corrections(request: AnyRequest, services: NamedDependency[Services]) -> RequestList:
    """The open correction requests about credentials this issuer (or a predecessor) issued."""
    who = await offload(services, lambda: agency(request, services).subject)
    listed = await offload(services, lambda: services.corrections.open_for_issuer(who))
    return RequestList([out(v, cccd) for v, cccd in listed])


@post(
    "/v1/agency/corrections/{request_id:str}/reissue",
    status_code=200,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def reissue_correction(
    request: AnyRequest,
    services: NamedDependency[Services],
    request_id: FromPath[str],
    data: JSONBody[ReissueIn],
) -> RequestOut:
    """Answer with the corrected credential: it is linked, and the disputed one is revoked."""
    who = await offload(services, lambda: agency(request, services).subject)
    view = await offload(services, lambda: services.corrections.reissue(who, request_id, data.credential_id))
    return out(view)


@post(
    "/v1/agency/corrections/{request_id:str}/refusal",
    status_code=200,
    tags=["rights"],
    response_headers=NO_STORE,
)
async def refuse_correction(
    request: AnyRequest,
    services: NamedDependency[Services],
    request_id: FromPath[str],
    data: JSONBody[RefusalIn],
) -> RequestOut:
    """Refuse the correction, with a reason the citizen reads."""
    who = await offload(services, lambda: agency(request, services).subject)
    return out(await offload(services, lambda: services.corrections.refuse(who, request_id, data.reason)))


ROUTES = [
    request_deletion,
    my_deletion_requests,
    request_correction,
    my_corrections,
    agency_deletion_requests,
    attest_deletion,
    refuse_deletion,
    agency_corrections,
    reissue_correction,
    refuse_correction,
]
