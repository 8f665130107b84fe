"""At the counter, for a citizen with no smartphone (issue 11 item 7): enrolment, the card, consents.

* **Assisted enrolment.** An officer of an ``assistant`` agency checked the citizen's CCCD in person;
  the citizen types a 6-digit PIN twice on the office device. A new CCCD gets a wallet with no
  device key (``storage.NO_DEVICE``), a card and the PIN; the answer is the card (its QR text and a
  printable PDF) and, in ``dev`` mode, a recovery code (the citizen can later join with a phone by
  recovery, ``docs/devices.md``). For a CCCD that already has a wallet the answer has the same shape
  (no existence oracle, like ``POST /v1/citizens``): when the PIN is the wallet's PIN it is a
  PIN-confirmed re-issue (a new card id, the old card refused from then on, a new recovery code),
  otherwise a decoy card stored nowhere, the wrong PIN counted against the lock-out and the attempt
  in the wallet's log. Only scanning the card tells the office which it got.
* **Consents at the counter.** During a live visit, with the PIN, the office lists the citizen's
  pending consent requests and the citizen approves (all or part) or denies; the wallet service
  signs the decision on the citizen's behalf and says so (``method: assisted``, office, officer,
  visit); the requesting agency pulls as usual.
* **A lost card**, at the counter: a PIN-confirmed rotation to a new card id in the visit.

Every step lands in the citizen's access log with the office and the officer; wrong PINs count
towards the same lock-out as everywhere else on the assisted route.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import storage
from crypto.transparency import AccessAction
from wallet_api.assisted.card import card_pdf
from wallet_api.assisted.errors import InvalidPin, PinLocked, PinNotSet, PinsDiffer, WrongPin
from wallet_api.assisted.service import PIN_PATTERN, AssistService, add_to_visit, office_actor, pin_hash
from wallet_api.context import Context
from wallet_api.errors_consent import ConsentAlreadyDecided
from wallet_api.identity import normalize_name, parse_cccd, parse_date_of_birth
from wallet_api.recovery.codes import RecoveryCodes
from wallet_api.services.access_log import record_by
from wallet_api.services.citizens import CitizenService
from wallet_api.services.consent_decisions import ConsentDecisionService
from wallet_api.services.consent_views import Candidate, ConsentView

log = logging.getLogger("wallet.assisted")
ENROLLED = "Đăng ký ví tại quầy một cửa / Wallet enrolled at the one-stop counter"
REISSUED = (
    "Cấp lại thẻ tại quầy, xác nhận bằng mã PIN / Card re-issued at the counter, confirmed with the PIN"
)
ROTATED_AT_COUNTER = (
    "Đổi thẻ trong phiên làm việc, xác nhận bằng mã PIN / Card replaced in a visit, with the PIN"
)
ROTATED_BY_DEVICE = "Đổi thẻ từ điện thoại của bạn / Card replaced from your phone"


@dataclass(frozen=True, slots=True)
class IssuedCard:
    """A card handed out at the counter: its QR text, its printable PDF, and (``dev`` mode, at
    enrolment) the recovery code, shown this once."""

    card: str
    pdf: bytes
    recovery_code: str | None

    def pdf_base64(self) -> str:
        """The PDF for a JSON answer."""
        return base64.b64encode(self.pdf).decode("ascii")


class CounterService:
    """Assisted enrolment, the card at the counter, and consents answered with the PIN."""

    def __init__(
        self,
        ctx: Context,
        assist: AssistService,
        citizens: CitizenService,
        decisions: ConsentDecisionService,
        codes: RecoveryCodes,
    ) -> None:
        self.ctx = ctx
        self.assist = assist
        self.citizens = citizens
        self.decisions = decisions
        self.codes = codes

    # -- enrolment ------------------------------------------------------------------------

    def enrol(
        self,
        agency_id: str,
        officer_id: str,
        identity: tuple[str, str, str],
        pin: str,
        pin_again: str,
    ) -> IssuedCard:
        """Enrol the citizen the officer identified (``identity``: CCCD, full name, date of birth)
        with no device, or re-issue the card of their existing wallet if ``pin`` is its PIN; the
        same answer either way (module docstring)."""
        agency = self.assist.assistant(agency_id)
        if not PIN_PATTERN.fullmatch(pin):
            raise InvalidPin()
        if not hmac.compare_digest(pin.encode(), pin_again.encode()):
            raise PinsDiffer()
        cccd, full_name, date_of_birth = identity
        dob = parse_date_of_birth(date_of_birth, self.ctx.utcnow().date())
        record = self.citizens.new_record(parse_cccd(cccd, dob).number, normalize_name(full_name), dob, None)
        card_id, salt = secrets.token_urlsafe(16), secrets.token_bytes(16)
        digest = pin_hash(pin, salt)  # slow: outside any transaction
        code, code_record = self.codes.fresh(record.id, record.created_at)
        shown = code if self.codes.enabled else None
        actor = office_actor(agency, officer_id)
        with self.ctx.metadata.unit_of_work() as uow:
            existing = uow.citizens.find_by_index(record.blind_index)
            if existing is None:
                try:
                    uow.citizens.add(record)
                    uow.assist.add_card(
                        storage.AssistCardRecord(record.id, card_id, digest, salt, 0, None, record.created_at)
                    )
                    if self.codes.enabled:
                        uow.recoveries.set_code(code_record)
                    record_by(  # the wallet and its first entry: one transaction
                        self.ctx,
                        record.id,
                        actor,
                        (card_id[-4:], "card"),
                        AccessAction.CARD_ISSUE,
                        purpose=ENROLLED,
                        store=uow.log_store(),
                    )
                    uow.commit()
                except storage.Conflict:  # enrolled meanwhile by a concurrent request
                    existing = uow.citizens.find_by_index(record.blind_index)
                    if existing is None:
                        raise storage.Unavailable("enrolment raced and lost its citizen") from None
        if existing is None:
            pin_hash(pin, salt)  # the existing-wallet path checks the PIN too: the same slow hashes
            log.info("citizen enrolled at a one-stop office %s", record.id)
            return self._issued(self.assist.signed_card(card_id), shown)
        return self._reissue(existing.id, actor, pin, shown)

    def _reissue(self, citizen_id: str, actor: tuple[str, str], pin: str, code: str | None) -> IssuedCard:
        """The PIN-confirmed re-issue of an existing wallet's card, or a decoy of the same shape."""
        try:
            self.assist.check_pin(citizen_id, pin)
        except (PinNotSet, PinLocked):
            pin_hash(pin, secrets.token_bytes(16))  # as slow as a checked PIN: the timing tells nothing
            matched = False
        except WrongPin:
            matched = False
        else:
            matched = True
        if not matched:
            record_by(
                self.ctx,
                citizen_id,
                actor,
                ("refused", "card"),
                AccessAction.CARD_REFUSED,
                purpose="Cấp thẻ tại quầy / Card at the counter",
            )
            log.info("assisted enrolment of an enrolled CCCD: PIN did not match, answered with a decoy")
            return self._issued(self.assist.signed_card(secrets.token_urlsafe(16)), code)
        signed = self.assist.rotate(citizen_id, actor, REISSUED)
        if code is not None:  # the PIN and the officer's in-person check: a new recovery code too
            fresh, record = self.codes.fresh(citizen_id, self.ctx.utcnow())
            with self.ctx.metadata.unit_of_work() as uow:
                uow.recoveries.set_code(record)
                uow.commit()
            code = fresh
        return self._issued(signed, code)

    def _issued(self, signed: str, code: str | None) -> IssuedCard:
        return IssuedCard(signed, card_pdf(signed, _card_tail(signed), self.ctx.utcnow()), code)

    # -- the card in a visit ----------------------------------------------------------------

    def rotate_in_visit(self, agency_id: str, visit_id: str, pin: str) -> IssuedCard:
        """A lost (or seen) card replaced at the counter: the PIN confirms; this visit goes on."""
        agency, visit = self.assist.live(agency_id, visit_id)
        self.assist.check_pin(visit.record.citizen_id, pin)
        actor = office_actor(agency, visit.record.officer_id)
        signed = self.assist.rotate(
            visit.record.citizen_id, actor, ROTATED_AT_COUNTER, keep_visit=visit.record.id
        )
        return self._issued(signed, None)

    # -- consents at the counter --------------------------------------------------------------

    def pending(
        self, agency_id: str, visit_id: str, pin: str
    ) -> tuple[list[ConsentView], dict[str, list[Candidate]]]:
        """The citizen's pending consent requests, with their holdings for each requested type."""
        agency, visit = self.assist.live(agency_id, visit_id)
        citizen_id = visit.record.citizen_id
        self.assist.check_pin(citizen_id, pin)
        consents = self.decisions.consents
        views = consents.list_for_citizen(citizen_id, "pending")
        found = consents.candidates(citizen_id, {item.type for v in views for item in v.requested})
        self.assist.log_visit(agency, visit.record, ("pending", "consent"), AccessAction.VISIT)
        return views, found

    def answer(
        self,
        agency_id: str,
        visit_id: str,
        consent_id: str,
        pin: str,
        decision: str,
        items: Sequence[Mapping[str, Any]],
    ) -> ConsentView:
        """The citizen's answer, confirmed with the PIN, signed by the service on their behalf."""
        agency, visit = self.assist.live(agency_id, visit_id)
        citizen_id = visit.record.citizen_id
        self.assist.check_pin(citizen_id, pin)
        on_behalf = {
            "office": agency.id,
            "office_name": agency.display_name,
            "officer": visit.record.officer_id,
            "visit": visit.record.id,
        }
        decided = self.decisions.assisted_decision(
            citizen_id, consent_id, decision, [dict(i) for i in items], on_behalf
        )

        def stored_and_logged(uow: storage.UnitOfWork) -> None:
            # the decision, the visit's list and the log entry: one transaction, all or nothing
            if not uow.consents.decide(decided):
                raise ConsentAlreadyDecided()
            record_by(
                self.ctx,
                citizen_id,
                office_actor(agency, visit.record.officer_id),
                (decided.id, "consent"),
                AccessAction.DECIDE,
                purpose=f"Tại quầy, phiên {visit.record.id} / At the counter, visit {visit.record.id}",
                procedure_code=decided.procedure_code,
                consent_id=decided.id,
                case_number=decided.case_number,
                store=uow.log_store(),
            )

        add_to_visit(self.ctx, visit.record.id, "consents", [decided.id], also=stored_and_logged)
        log.info("consent %s %s at a one-stop office", decided.id, decided.status)
        return self.decisions.consents.for_citizen(citizen_id, consent_id)


def _card_tail(signed: str) -> str:
    """The last four characters of the card id a card's JWS names (printed to tell cards apart)."""
    payload = json.loads(base64.urlsafe_b64decode(signed.split(".")[1] + "=="))
    return str(payload.get("card", ""))[-4:]
