"""The citizen's credentials: the phone decodes claims and builds presentations itself."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from consent import document_types
from crypto import CryptoError, parse_sd_jwt
from qr.display import shown_fields
from qr.trust import type_entry
from wallet_api.paging import DEFAULT_LIMIT, Page, PageQuery, next_cursor
from wallet_api.routes.common import AnyRequest, Cursor, Limit, Since, Until, citizen, lang, offload, page_of
from wallet_api.services import Services
from wallet_api.services.credentials import HeldCredential
from wallet_api.services.trust import catalog_entries

NO_STORE = {"Cache-Control": "no-store"}


class ClaimOut(msgspec.Struct):
    """One claim as a verifier shows it (``qr.display``): its labels and its value, in each language."""

    key: str
    label_vi: str
    label_en: str
    value_vi: str
    value_en: str


class CredentialOut(msgspec.Struct):
    """A held credential: the full SD-JWT (every disclosure), its issuer and status, the thumbprint of
    the device key it is bound to, whether that key was revoked (it needs re-issuing), and its claims
    labelled as every verifier labels them (dates as Vietnamese write them; technical claims never)."""

    id: str
    type: str
    type_name: str
    vct: str
    issuer: str
    issuer_name: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    status: str
    status_list: dict[str, object]
    sd_jwt: str
    holder_jkt: str | None = None
    needs_reissue: bool = False
    claims: list[ClaimOut] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, held: HeldCredential, reader: str) -> CredentialOut:
        """From the service's view, with the type's name in the reader's language."""
        entry = document_types().get(held.doc_type)
        name = (entry.name_en if reader == "en" else entry.name_vi) if entry else held.doc_type
        return cls(
            held.id,
            held.doc_type,
            name,
            held.vct,
            held.issuer_id,
            held.issuer_name,
            held.issued_at,
            held.expires_at,
            held.status,
            {"uri": held.status_uri, "idx": held.status_idx},
            held.sd_jwt,
            held.holder_jkt,
            held.needs_reissue,
            labelled_claims(held.doc_type, held.sd_jwt),
        )


def labelled_claims(doc_type: str, sd_jwt: str) -> list[ClaimOut]:
    """Every claim of a held credential with the catalog's labels, as ``qr.display`` shows them."""
    raw = catalog_entries().get(doc_type)
    try:
        claims = parse_sd_jwt(sd_jwt).unverified_claims
    except CryptoError:
        return []
    entry = type_entry(doc_type, raw) if raw is not None else None
    return [ClaimOut(**f.as_json()) for f in shown_fields(claims, kind="credential", doc_type=entry)]


class CredentialList(msgspec.Struct):
    """A page of the citizen's credentials, newest first; ``next_cursor`` fetches the next."""

    items: list[CredentialOut]
    next_cursor: str | None = None


@get("/v1/me/credentials", tags=["credentials"], response_headers=NO_STORE)
async def list_credentials(
    request: AnyRequest,
    services: NamedDependency[Services],
    doc_type: Annotated[str | None, QueryParameter(name="type", max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    since: Since = None,
    until: Until = None,
) -> CredentialList:
    """The citizen's credentials, a page at a time, newest first; by type and date received."""

    def read() -> tuple[PageQuery, Page[HeldCredential]]:
        query = page_of(request, services, "credentials", limit, cursor, since, until)
        return query, services.credentials.page(query, doc_type)

    query, page = await offload(services, read)
    reader = lang(request)
    return CredentialList(
        [CredentialOut.of(h, reader) for h in page.items], next_cursor(services.ctx, query, page)
    )


@get("/v1/me/credentials/{credential_id:str}", tags=["credentials"], response_headers=NO_STORE)
async def get_credential(
    request: AnyRequest, services: NamedDependency[Services], credential_id: FromPath[str]
) -> CredentialOut:
    """One of the citizen's credentials."""
    held = await offload(
        services, lambda: services.credentials.get(citizen(request, services).subject, credential_id)
    )
    return CredentialOut.of(held, lang(request))


ROUTES = [list_credentials, get_credential]
