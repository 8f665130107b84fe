"""Wire types of the assisted route: msgspec structs at the HTTP edge."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import msgspec

if TYPE_CHECKING:  # the service module imports wallet_api.services, which builds it: no cycle at run time
    from wallet_api.assisted.service import Visit

Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Officer = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Pin = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
DocId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class CardOut(msgspec.Struct):
    """What the printed card's QR carries: a JWS naming only an opaque card id."""

    card: str


class PinIn(msgspec.Struct, forbid_unknown_fields=True):
    """The 6-digit PIN the citizen will type on office devices."""

    pin: Pin


class VisitIn(msgspec.Struct, forbid_unknown_fields=True):
    """The scanned card and the officer serving the citizen."""

    card: Token
    officer_id: Officer


class OpenIn(msgspec.Struct, forbid_unknown_fields=True):
    """The citizen's PIN, typed on the office device, and the documents they open for the visit."""

    pin: Pin
    document_ids: Annotated[list[DocId], msgspec.Meta(min_length=1, max_length=32)]


class ReceiptIn(msgspec.Struct, forbid_unknown_fields=True):
    """A receipt's QR text."""

    receipt: Token


class VisitOut(msgspec.Struct):
    """A visit as the office sees it (no personal data: the citizen is behind the card)."""

    visit_id: str
    state: str
    officer_id: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    documents: list[str]

    @classmethod
    def of(cls, visit: Visit) -> VisitOut:
        """From the service's view."""
        r = visit.record
        return cls(r.id, visit.state, r.officer_id, r.opened_at, r.expires_at, list(visit.documents))
