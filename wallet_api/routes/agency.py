"""Agency routes: holder keys, status indexes, issuing credentials, changing their status."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from wallet_api.routes.common import AnyRequest, agency, offload
from wallet_api.services import Services

NO_STORE = {"Cache-Control": "no-store"}


class HolderKeyRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Which citizen's device key an issuer needs for ``cnf``."""

    cccd: str


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
    return HolderKey(await offload(services, lambda: services.issuance.holder_key(who, data.cccd)))


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


ROUTES = [holder_key, allocate_status, issue_credential, change_status]
