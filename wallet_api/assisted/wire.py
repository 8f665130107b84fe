"""Wire types of the assisted route: msgspec structs at the HTTP edge."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

if TYPE_CHECKING:  # the service module imports wallet_api.services, which builds it: no cycle at run time
    from wallet_api.assisted.counter import IssuedCard
    from wallet_api.assisted.service import Visit

Token = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
Officer = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Pin = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
DocId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


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


class EnrolIn(msgspec.Struct, forbid_unknown_fields=True):
    """Enrolment at the counter: the identity the officer checked in person, the PIN typed twice."""

    cccd: Short
    full_name: Short
    date_of_birth: Short
    pin: Pin
    pin_again: Pin
    officer_id: Officer


class IssuedCardOut(msgspec.Struct):
    """A card handed out at the counter: the QR text, the printable PDF (base64) and, in ``dev``
    mode at enrolment, the recovery code (shown this once; ``null`` otherwise)."""

    card: str
    card_pdf: str
    recovery_code: str | None

    @classmethod
    def of(cls, issued: IssuedCard) -> IssuedCardOut:
        """From the service's card."""
        return cls(issued.card, issued.pdf_base64(), issued.recovery_code)


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    """The citizen's answer typed at the counter: the PIN, approve or deny, and for an approval
    the items chosen, as in a device's decision (``{"item", "kind", "id", "claims"?}``)."""

    pin: Pin
    decision: Literal["approve", "deny"]
    items: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=32)] = msgspec.field(default_factory=list)


class VisitOut(msgspec.Struct):
    """A visit as the office sees it (no personal data: the citizen is behind the card)."""

    visit_id: str
    state: str
    officer_id: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    documents: list[str]
    consents: list[str] = msgspec.field(default_factory=list)

    @classmethod
    def of(cls, visit: Visit) -> VisitOut:
        """From the service's view."""
        r = visit.record
        answered = list(json.loads(r.consents)) if r.consents else []
        return cls(
            r.id, visit.state, r.officer_id, r.opened_at, r.expires_at, list(visit.documents), answered
        )
