"""Wire types of the mandate routes: msgspec structs at the HTTP edge, apart from storage records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import msgspec

if TYPE_CHECKING:  # the service is built by wallet_api.services: no import cycle at run time
    from wallet_api.mandates.service import MandateView

TypeId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Items = Annotated[list[TypeId], msgspec.Meta(max_length=32)]
Cccd = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Jws = Annotated[str, msgspec.Meta(min_length=1, max_length=16384)]


class ScopeIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the delegate may do: read documents of these types, answer consents for these
    procedures, fetch credentials of these types to present them."""

    documents: Items = msgspec.field(default_factory=list)
    procedures: Items = msgspec.field(default_factory=list)
    credentials: Items = msgspec.field(default_factory=list)


class GrantIn(msgspec.Struct, forbid_unknown_fields=True):
    """A mandate to another enrolled citizen (their CCCD), for a scope, from (default: now) until."""

    delegate_cccd: Cccd
    scope: ScopeIn
    valid_until: dt.datetime
    valid_from: dt.datetime | None = None


class GuardianIn(msgspec.Struct, forbid_unknown_fields=True):
    """An identity-provider agency's signed request (``guardian-mandate+jwt``)."""

    request: Jws


class ScopeOut(msgspec.Struct):
    """The mandate's scope."""

    documents: list[str]
    procedures: list[str]
    credentials: list[str]


class MandateOut(msgspec.Struct):
    """A mandate as either of its citizens sees it; ``role``: which one the caller is."""

    mandate_id: str
    role: str  # represented, delegate (for an agency: "agency")
    kind: str  # citizen, guardian
    basis: str | None
    state: str  # active, pending, expired, ended
    represented_id: str
    represented_name: str
    delegate_id: str
    delegate_name: str
    scope: ScopeOut
    valid_from: dt.datetime
    valid_until: dt.datetime
    created_at: dt.datetime
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, view: MandateView, caller: str) -> MandateOut:
        """From the service's view, as ``caller`` (a citizen id, or an agency id) sees it."""
        r, s = view.record, view.scope
        role = (
            "represented"
            if caller == r.represented_id
            else "delegate"
            if caller == r.delegate_id
            else "agency"
        )
        return cls(
            r.id,
            role,
            r.kind,
            r.basis,
            view.state,
            r.represented_id,
            view.represented_name,
            r.delegate_id,
            view.delegate_name,
            ScopeOut(list(s.documents), list(s.procedures), list(s.credentials)),
            r.valid_from,
            r.valid_until,
            r.created_at,
            r.ended_at,
        )


class MandateListOut(msgspec.Struct):
    """The mandates the citizen granted or holds, oldest first (a handful: one page)."""

    items: list[MandateOut]


class AttestationIn(msgspec.Struct, forbid_unknown_fields=True):
    """The represented citizen's credential the delegate wants to present."""

    credential_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class AttestationOut(msgspec.Struct):
    """A mandate attestation (``mandate+jwt``, at most five minutes) and the credential it binds:
    present the credential's chosen Disclosures with a Key Binding JWT signed by your own device
    key, after the attestation and ``~~`` (qr/format.md)."""

    attestation: str
    expires_at: dt.datetime
    mandate_id: str
    credential_id: str
    credential_type: str
    sd_jwt: str
