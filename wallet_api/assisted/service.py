"""The assisted route (issue 11 item 7): a citizen without a smartphone at a one-stop office.

* The citizen's printed wallet card carries a QR with a JWS the service signed
  (``wallet-card+jwt``) naming only an opaque card id: no personal data in clear.
* The citizen sets a 6-digit PIN from their own device (or at the counter, ``counter.py``, for a
  wallet with no device); it is kept as a slow hash
  (scrypt, per-card salt), compared in constant time; five wrong PINs in a row
  lock it for 15 minutes (the right PIN is refused meanwhile), doubling each time.
* An officer of an agency with the ``assistant`` role opens a visit by scanning
  the card (``officer_id`` names them); it lives ``visit_seconds`` (15 minutes).
* The citizen opens documents for the visit by typing the PIN on the office
  device; the office reads only those, only while the visit lives.
* Every step lands in the citizen's access log with the office and the officer;
  the receipt is a PDF in Vietnamese whose QR is a receipt the service signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import secrets
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import crypto
import storage
from consent.log_store import LogStore
from consent.wording import catalog_names
from crypto.transparency import AccessAction
from wallet_api.assisted.errors import (
    CardReplaced,
    DocumentNotOpened,
    InvalidCard,
    InvalidPin,
    InvalidVisitReceipt,
    PinLocked,
    PinNotSet,
    VisitEnded,
    VisitNotFound,
    WrongPin,
)
from wallet_api.assisted.receipt import receipt_pdf
from wallet_api.context import Context
from wallet_api.errors import DocumentNotFound, ForbiddenRole
from wallet_api.services.access_log import record_by
from wallet_api.services.agencies import AgencyService, active_at
from wallet_api.services.documents import DocumentMeta, DocumentService

log = logging.getLogger("wallet.assisted")
CARD_TYP = "wallet-card+jwt"
RECEIPT_TYP = "visit-receipt+jwt"
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
PIN_PATTERN = re.compile(r"[0-9]{6}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # about 16 MiB and tens of ms: slow to guess
_CAS_TRIES = 8  # compare-and-set attempts on a visit's list before giving up (503)


def office_actor(agency: storage.AgencyRecord, officer_id: str) -> tuple[str, str]:
    """Who did it, as the citizen's log names it: the office and its officer."""
    return agency.id, f"{agency.display_name} (cán bộ / officer {officer_id})"


def add_to_visit(
    ctx: Context,
    visit_id: str,
    field: str,
    ids: Sequence[str],
    also: Callable[[storage.UnitOfWork], None] | None = None,
) -> tuple[str, ...]:
    """Add ``ids`` to the visit's JSON list ``field`` (``documents`` or ``consents``) and return the
    list: a compare-and-set on the list just read, retried on the fresh one, so two openings or
    answers racing in one visit both land. ``also`` runs in the same transaction before it commits
    (what the change was for, and its log entries: both land or neither does). ``VisitEnded`` once
    the visit has ended."""
    for _ in range(_CAS_TRIES):
        with ctx.metadata.unit_of_work() as uow:
            current = uow.assist.visit(visit_id)
            if current.ended_at is not None:
                raise VisitEnded()
            expected = current.documents if field == "documents" else current.consents
            merged = tuple(dict.fromkeys([*json.loads(expected or "[]"), *ids]))
            if uow.assist.set_visit_list(visit_id, field, json.dumps(list(merged)), expected):
                if also is not None:
                    also(uow)
                uow.commit()
                return merged
    log.warning("visit %s: %s still changing after %d tries", visit_id, field, _CAS_TRIES)
    raise storage.Unavailable("the visit is changing too fast; try again")


def pin_hash(pin: str, salt: bytes) -> bytes:
    """The PIN's slow hash (scrypt)."""
    return hashlib.scrypt(pin.encode(), salt=salt, **_SCRYPT)


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit as the office sees it."""

    record: storage.VisitRecord
    documents: tuple[str, ...]
    state: str  # open, ended


class AssistService:
    """Cards, PINs, visits and their receipts."""

    def __init__(self, ctx: Context, agencies: AgencyService, documents: DocumentService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.documents = documents

    # -- the citizen, from their own device ----------------------------------------

    def card(self, citizen_id: str) -> str:
        """The signed QR text of the citizen's printed card (its id made on first use, then kept
        until the card is replaced: ``rotate``)."""
        with self.ctx.metadata.unit_of_work() as uow:
            card = uow.assist.card(citizen_id)
            if card is None:
                card = storage.AssistCardRecord(
                    citizen_id, secrets.token_urlsafe(16), None, None, 0, None, self.ctx.utcnow()
                )
                uow.assist.add_card(card)
                uow.commit()
        return self.signed_card(card.card_id)

    def signed_card(self, card_id: str) -> str:
        """The QR text of a card: a JWS naming only the opaque card id."""
        return self.ctx.service_keys.sign({"card": card_id, "iat": self.ctx.now()}, typ=CARD_TYP)

    def rotate(self, citizen_id: str, actor: tuple[str, str], why: str, keep_visit: str = "") -> str:
        """A new card id for the citizen (a lost card): the old card's QR is refused from now on
        (``card_replaced``) and the citizen's live visits but ``keep_visit`` end. Logged with
        ``actor`` (id, name); ``why`` says how it was done. The new card's QR text."""
        new_id, now = secrets.token_urlsafe(16), self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            card = uow.assist.card(citizen_id, lock=True)
            if card is None:
                uow.assist.add_card(storage.AssistCardRecord(citizen_id, new_id, None, None, 0, None, now))
            elif not uow.assist.rotate_card(citizen_id, card.card_id, new_id):
                raise storage.Unavailable("card rotation raced")
            ended = uow.assist.end_open_visits(citizen_id, now, keep_visit)
            record_by(
                self.ctx,
                citizen_id,
                actor,
                (new_id[-4:], "card"),
                AccessAction.CARD_ISSUE,
                purpose=why,
                store=uow.log_store(),
            )
            uow.commit()
        log.info("a wallet card was replaced (%d live visits ended)", ended)
        return self.signed_card(new_id)

    def rotate_from_device(self, citizen_id: str, jkt: str, why: str) -> str:
        """``rotate`` asked by one of the citizen's devices (the log names it, as device events do)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            device = uow.devices.active(citizen_id, jkt)
        actor = ("device:", "?") if device is None else (f"device:{device.id}", device.name)
        return self.rotate(citizen_id, actor, why)

    def purge_visits(self, retention: dt.timedelta, batch: int = 500) -> int:
        """Delete visits (with the documents and consents opened in them) that ended more than
        ``retention`` ago, ``batch`` rows a transaction; the access log keeps its entries."""
        before, removed = self.ctx.utcnow() - retention, 0
        while True:
            with self.ctx.metadata.unit_of_work() as uow:
                count = uow.assist.purge_visits(before, batch)
                uow.commit()
            removed += count
            if count < batch:
                return removed

    def set_pin(self, citizen_id: str, pin: str) -> None:
        """Set (or change) the PIN the citizen types on office devices."""
        if not PIN_PATTERN.fullmatch(pin):
            raise InvalidPin()
        self.card(citizen_id)  # the card exists from now on
        salt = secrets.token_bytes(16)
        digest = pin_hash(pin, salt)
        with self.ctx.metadata.unit_of_work() as uow:
            uow.assist.set_pin(citizen_id, digest, salt)
            uow.commit()

    # -- the office -----------------------------------------------------------------

    def assistant(self, agency_id: str) -> storage.AgencyRecord:
        """The calling agency, if it is an active ``assistant``."""
        agency = self.agencies.get(agency_id)
        if "assistant" not in agency.role_set or not active_at(agency, self.ctx.utcnow()):
            raise ForbiddenRole()
        return agency

    def open_visit(self, agency_id: str, officer_id: str, card_token: str) -> Visit:
        """Scan the card: a visit of this office and officer, for ``visit_seconds``."""
        agency = self.assistant(agency_id)
        try:
            claims = self.ctx.service_keys.verify(card_token, typ=CARD_TYP)
        except crypto.CryptoError as exc:
            log.info("card refused: %s", type(exc).__name__)
            raise InvalidCard() from None
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            card = uow.assist.by_card(str(claims.get("card", "")))
        if card is None:  # signed by this service, so a card that was: replaced (or its wallet gone)
            log.info("card refused: no longer the wallet's card")
            raise CardReplaced()
        now = self.ctx.utcnow()
        record = storage.VisitRecord(
            str(uuid.uuid4()),
            card.citizen_id,
            agency.id,
            officer_id,
            now,
            now + dt.timedelta(seconds=self.ctx.settings.visit_seconds),
            None,
            "[]",
        )
        with self.ctx.metadata.unit_of_work() as uow:
            uow.assist.add_visit(record)
            self.log_visit(agency, record, (record.id, "visit"), AccessAction.VISIT, store=uow.log_store())
            uow.commit()
        return Visit(record, (), "open")

    def open_documents(self, agency_id: str, visit_id: str, pin: str, document_ids: Sequence[str]) -> Visit:
        """The citizen types their PIN on the office device to open these documents for the visit."""
        agency, visit = self.live(agency_id, visit_id)
        self.check_pin(visit.record.citizen_id, pin)
        metas = [self.documents.get(visit.record.citizen_id, d) for d in dict.fromkeys(document_ids)]

        def logged(uow: storage.UnitOfWork) -> None:
            for meta in metas:
                resource = (meta.id, meta.doc_type)
                self.log_visit(agency, visit.record, resource, AccessAction.VISIT, store=uow.log_store())

        opened = add_to_visit(self.ctx, visit.record.id, "documents", [m.id for m in metas], also=logged)
        return Visit(visit.record, opened, "open")

    def read(self, agency_id: str, visit_id: str, document_id: str) -> tuple[DocumentMeta, Iterator[bytes]]:
        """A document the citizen opened for this live visit, logged with office and officer."""
        agency, visit = self.live(agency_id, visit_id)
        if document_id not in visit.documents:
            raise DocumentNotOpened()
        meta, chunks = self.documents.open_lazy(visit.record.citizen_id, document_id)
        self.log_visit(agency, visit.record, (meta.id, meta.doc_type), AccessAction.READ)
        return meta, chunks

    def end(self, agency_id: str, visit_id: str) -> Visit:
        """The officer closes the visit: nothing more can be done in it."""
        _, visit = self.live(agency_id, visit_id)
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            uow.assist.end_visit(visit.record.id, now)
            uow.commit()
        return Visit(visit.record, visit.documents, "ended")

    def receipt(self, agency_id: str, visit_id: str) -> bytes:
        """The printable PDF receipt of the visit (also after it ended), with its signed QR."""
        agency, visit = self._visit(agency_id, visit_id)
        types = [self._type_name(visit.record.citizen_id, d) for d in visit.documents]
        answered = [str(c) for c in json.loads(visit.record.consents or "[]")]
        claims = {
            "visit": visit.record.id,
            "office": agency.id,
            "office_name": agency.display_name,
            "officer": visit.record.officer_id,
            "opened_at": int(visit.record.opened_at.timestamp()),
            "documents": types,
            "consents": answered,
            "iat": self.ctx.now(),
        }
        signed = self.ctx.service_keys.sign(claims, typ=RECEIPT_TYP)
        when = visit.record.opened_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
        lines = [
            ("Cơ quan / Office", agency.display_name),
            ("Cán bộ / Officer", visit.record.officer_id),
            ("Phiên / Visit", visit.record.id),
            ("Bắt đầu / Opened", f"{when:%H:%M} ngày {when:%d/%m/%Y}"),
            ("Giấy tờ công dân đã mở / Documents opened", ", ".join(types) or "không có / none"),
        ]
        if answered:
            lines.append(("Yêu cầu đồng ý đã trả lời / Consent requests answered", str(len(answered))))
        return receipt_pdf(lines, signed, self.ctx.utcnow())

    def check_receipt(self, signed: str) -> dict[str, object]:
        """The claims of a receipt this service signed (``InvalidVisitReceipt`` otherwise)."""
        try:
            return self.ctx.service_keys.verify(signed.strip(), typ=RECEIPT_TYP)
        except crypto.CryptoError as exc:
            log.info("visit receipt refused: %s", type(exc).__name__)
            raise InvalidVisitReceipt() from None

    # -- helpers ----------------------------------------------------------------------

    def _visit(self, agency_id: str, visit_id: str) -> tuple[storage.AgencyRecord, Visit]:
        agency = self.assistant(agency_id)
        try:
            uuid.UUID(visit_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.assist.visit(visit_id)
        except (ValueError, storage.NotFound):
            raise VisitNotFound() from None
        if record.agency_id != agency.id:  # another office's visit does not exist for this one
            raise VisitNotFound()
        live = record.ended_at is None and self.ctx.utcnow() < record.expires_at
        return agency, Visit(record, tuple(json.loads(record.documents)), "open" if live else "ended")

    def live(self, agency_id: str, visit_id: str) -> tuple[storage.AgencyRecord, Visit]:
        agency, visit = self._visit(agency_id, visit_id)
        if visit.state != "open":
            raise VisitEnded()
        return agency, visit

    def check_pin(self, citizen_id: str, pin: str) -> None:
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            card = uow.assist.card(citizen_id, lock=True)
            if card is None or card.pin_hash is None or card.pin_salt is None:
                raise PinNotSet()
            if card.locked_until is not None and now < card.locked_until:
                raise PinLocked(retry_after=int((card.locked_until - now).total_seconds()) + 1)
            if PIN_PATTERN.fullmatch(pin) and hmac.compare_digest(
                pin_hash(pin, card.pin_salt), card.pin_hash
            ):
                uow.assist.pin_ok(citizen_id)
                uow.commit()
                return
            failures = uow.assist.pin_failed(citizen_id)
            if failures >= MAX_FAILURES:
                seconds = LOCK_SECONDS * 2 ** min(failures - MAX_FAILURES, 6)
                uow.assist.lock(citizen_id, now + dt.timedelta(seconds=seconds))
                uow.commit()
                log.info("PIN of a card locked for %d s after %d wrong tries", seconds, failures)
                raise PinLocked(retry_after=seconds)
            uow.commit()
        raise WrongPin(left=MAX_FAILURES - failures)

    def _type_name(self, citizen_id: str, document_id: str) -> str:
        try:
            doc_type = self.documents.get(citizen_id, document_id).doc_type
        except DocumentNotFound:
            return "(đã xoá / deleted)"
        names = catalog_names(doc_type)
        return names[0] if names else doc_type

    def log_visit(
        self,
        agency: storage.AgencyRecord,
        visit: storage.VisitRecord,
        resource: tuple[str, str],
        action: AccessAction,
        store: LogStore | None = None,
    ) -> None:
        """An office's act in a visit, in the citizen's log (in ``store``'s transaction if given)."""
        actor = office_actor(agency, visit.officer_id)
        purpose = f"Làm thủ tục tại quầy, phiên {visit.id} / At the counter, visit {visit.id}"
        record_by(self.ctx, visit.citizen_id, actor, resource, action, purpose=purpose, store=store)
