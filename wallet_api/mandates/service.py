"""Mandates: one citizen acts for another, within a scope and a validity window (issue 11 item 6).

A citizen grants a mandate to another enrolled citizen (found by CCCD); the
grantor can revoke it and the delegate renounce it at any time. A guardian's
mandate (a child under 14, a person under guardianship) is established by an
identity-provider agency instead (``wallet_api.mandates.guardian``).

The delegate acts with their own device and token, naming the mandate in the
``Wallet-Mandate`` header. ``authorize`` is the one decision for every such
request: the mandate is the caller's, in force now, and its scope covers exactly
this action (``Scope.covers``). Routes that take no mandate refuse the header
(``wallet_api.routes.common.citizen``). Every act under a mandate lands in both
citizens' access logs (``record_act``), in one transaction.

Speed without losing revocation: ``authorize`` may answer from a short-lived
per-process memory of the mandate's unchanging parts (parties, scope, window,
both names unsealed), but ``record_act`` re-reads, inside the write transaction
that appends both entries and before any data is answered, that the mandate has
not ended (``is_open``, ``FOR SHARE`` on PostgreSQL). A revocation, renunciation
or erasure in any process therefore stops the delegate's very next request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import crypto
import storage
from consent.log_store import LogStore
from consent.wording import NO_PROCEDURE
from crypto.transparency import ACTING_FOR, ON_BEHALF
from crypto.transparency.entry import AccessAction, AccessEntry
from crypto.transparency.errors import LogBusy, LogCorrupted
from wallet_api.context import Context
from wallet_api.errors_consent import AccessLogBusy, AccessLogCorrupted
from wallet_api.identity import parse_cccd_number
from wallet_api.limits.errors import RateLimited
from wallet_api.mandates.errors import (
    DelegateNotFound,
    InvalidMandate,
    MandateByAgency,
    MandateEnded,
    MandateNotFound,
    MandateNotValid,
    MandateOutOfScope,
)
from wallet_api.mandates.gate import Caller, Target
from wallet_api.mandates.scope import Grant, Kind, Scope
from wallet_api.services.auth import Principal
from wallet_api.services.citizens import field_aad, unwrap_citizen_key

log = logging.getLogger("wallet.mandates")
MAX_DAYS = 5 * 366  # a citizen's mandate lasts at most five years; it can be granted again
MANDATE_RESOURCE = "mandate"


@dataclass(frozen=True, slots=True)
class MandateView:
    """A mandate as one of its two citizens sees it, with both names."""

    record: storage.MandateRecord
    scope: Scope
    state: str  # active, pending (not yet valid), expired, ended
    represented_name: str
    delegate_name: str


def state_of(record: storage.MandateRecord, now: dt.datetime) -> str:
    """active, pending (not yet valid), expired or ended."""
    if record.ended_at is not None:
        return "ended"
    if now < record.valid_from:
        return "pending"
    return "active" if now < record.valid_until else "expired"


def citizen_name(ctx: Context, citizen_id: str) -> str:
    """The citizen's full name, unsealed (it goes into log entries and mandate views, never to logs)."""
    with ctx.metadata.unit_of_work(readonly=True) as uow:
        record = uow.citizens.get(citizen_id)
    return _unsealed_name(ctx, record)


def _unsealed_name(ctx: Context, record: storage.CitizenRecord) -> str:
    kek = unwrap_citizen_key(ctx.master, record.id, record.wrapped_kek)
    return crypto.open_sealed(kek, record.full_name_sealed, field_aad(record.id, "name")).decode()


@dataclass(frozen=True, slots=True)
class _Known:
    """What ``authorize`` remembers of a mandate: its parts that never change, both names."""

    record: storage.MandateRecord
    scope: Scope
    names: tuple[str, str]  # represented, delegate
    until: float  # time.monotonic() after which it is read again


class MandateService:
    """Grant, list and end mandates; decide and record every act under one."""

    KNOWN_SECONDS = 60.0  # how long the unchanging parts of a mandate are remembered
    KNOWN_MAX = 4096
    TYPES_MAX = 16384  # documents whose type a delegate's read remembers

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._known: dict[str, _Known] = {}
        self._known_lock = threading.Lock()
        # (owner, document id) -> its type, as a delegate's read last found it: the read after
        # names it ahead (``spend_read_and_act``'s ``ahead``), checked by the statement that reads
        self._types: dict[tuple[str, str], str] = {}

    # -- the citizens' side ---------------------------------------------------------

    def grant(
        self, represented_id: str, grant: Grant, *, before_lookup: Callable[[], None] | None = None
    ) -> MandateView:
        """A citizen lets another enrolled citizen act for them; both logs record it.

        ``before_lookup``: the abuse limit counted just before the delegate is looked up by CCCD
        (whether a CCCD has a wallet is what a refused grant tells). Every attempt that reaches
        the lookup is in the service log, by the granting citizen's id (never the CCCD)."""
        now = self.ctx.utcnow()
        start = grant.valid_from or now
        if not now - dt.timedelta(minutes=5) <= start < grant.valid_until:
            raise InvalidMandate(
                reason_vi="thời hạn không hợp lệ (từ phải trước đến, không ở quá khứ)",
                reason_en="the validity is wrong (from must precede until, and not lie in the past)",
            )
        if grant.valid_until - start > dt.timedelta(days=MAX_DAYS):
            raise InvalidMandate(reason_vi="dài quá 5 năm", reason_en="longer than five years")
        if before_lookup is not None:
            try:
                before_lookup()
            except RateLimited:
                log.warning("mandate grant by %s refused: too many delegate lookups", represented_id)
                raise
        try:
            delegate_id = self.find_citizen(grant.delegate_cccd)
        except DelegateNotFound:
            log.warning("mandate grant by %s refused: no wallet has the delegate's CCCD", represented_id)
            raise
        log.info("mandate grant by %s: delegate found", represented_id)
        if delegate_id == represented_id:
            raise InvalidMandate(
                reason_vi="không thể uỷ quyền cho chính mình", reason_en="you cannot mandate yourself"
            )
        record = storage.MandateRecord(
            id=str(uuid.uuid4()),
            represented_id=represented_id,
            delegate_id=delegate_id,
            kind="citizen",
            basis=None,
            scope=grant.scope.to_json(),
            valid_from=start,
            valid_until=grant.valid_until,
            granted_by=represented_id,
            created_at=now,
        )
        return self.add(record, actor=(f"citizen:{represented_id}", None))

    def find_citizen(self, cccd: str) -> str:
        """The id of the enrolled citizen with that CCCD (``DelegateNotFound`` if none)."""
        number = parse_cccd_number(cccd)
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            found = uow.citizens.find_by_index(crypto.blind_index(self.ctx.blind_key, number))
        if found is None:
            raise DelegateNotFound()
        return found.id

    def add(self, record: storage.MandateRecord, *, actor: tuple[str, str | None]) -> MandateView:
        """Store a new mandate and write ``mandate-grant`` to both citizens' logs, in one transaction.
        ``actor``: (id, name) of who established it; name ``None``: the represented citizen."""
        view = self._view(record)
        name = actor[1] or view.represented_name
        with self.ctx.metadata.unit_of_work() as uow:
            uow.mandates.add(record)
            self._event(uow, view, (actor[0], name), AccessAction.MANDATE_GRANT)
            uow.commit()
        log.info("mandate %s granted (%s)", record.id, record.kind)
        return view

    def list(self, citizen_id: str) -> Sequence[MandateView]:
        """The mandates the citizen granted or holds (or a guardian holds for them), oldest first."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            records = uow.mandates.of_citizen(citizen_id)
        return [self._view(r) for r in records]

    def end(self, citizen_id: str, mandate_id: str) -> MandateView:
        """The represented citizen revokes, or the delegate renounces; takes effect at the next request."""
        record = self._mine(citizen_id, mandate_id)
        if record.kind == "guardian" and citizen_id == record.represented_id:
            raise MandateByAgency()
        view = self._view(record)
        name = view.represented_name if citizen_id == record.represented_id else view.delegate_name
        return self._end(view, f"citizen:{citizen_id}", name)

    def end_by_agency(self, agency: storage.AgencyRecord, mandate_id: str) -> MandateView:
        """The agency that established a guardian's mandate ends it."""
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.mandates.get(_uuid(mandate_id))
        except storage.NotFound:
            raise MandateNotFound() from None
        if record.granted_by != agency.id:
            raise MandateNotFound()
        return self._end(self._view(record), agency.id, agency.display_name)

    def _mine(self, citizen_id: str, mandate_id: str) -> storage.MandateRecord:
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                record = uow.mandates.get(_uuid(mandate_id))
        except storage.NotFound:
            raise MandateNotFound() from None
        if citizen_id not in (record.represented_id, record.delegate_id):
            raise MandateNotFound()
        return record

    def _end(self, view: MandateView, by: str, by_name: str) -> MandateView:
        now, record = self.ctx.utcnow(), view.record
        with self.ctx.metadata.unit_of_work() as uow:
            if not uow.mandates.end(record.id, now, by):
                raise MandateEnded()
            self._forget(record.id)
            self._event(uow, view, (by, by_name), AccessAction.MANDATE_END)
            uow.commit()
        log.info("mandate %s ended by %s", record.id, by.split(":", 1)[0])
        return replace(view, record=replace(record, ended_at=now, ended_by=by), state="ended")

    # -- acting under a mandate -----------------------------------------------------

    def authorize(
        self, principal: Principal, mandate_id: str, kind: Kind, target: Target, *, fresh: bool = False
    ) -> Caller:
        """THE decision for a request under a mandate: the caller is its delegate, it is in force now,
        and its scope covers ``kind`` for ``target`` (a value, or a function of the represented
        citizen's id giving it; ``None``: a list the caller filters with ``Caller.covers``).

        ``fresh``: read the mandate now, never from memory (an act that writes before
        ``record_act``, a consent decision). Otherwise ``record_act`` makes the check that it has
        not ended, in the transaction that logs the act."""
        try:
            known = None if fresh else self._remembered(_uuid(mandate_id))
            if known is None:
                known = self._read(_uuid(mandate_id))
        except (storage.NotFound, MandateNotFound):
            log.info("act under mandate refused: unknown mandate")
            raise MandateNotValid() from None
        record = known.record
        if record.delegate_id != principal.subject:
            log.info("act under mandate %s refused: not the delegate", record.id)
            raise MandateNotValid()
        state = state_of(record, self.ctx.utcnow())
        if state != "active":
            log.info("act under mandate %s refused: %s", record.id, state)
            raise MandateNotValid()
        caller = Caller(record.represented_id, principal, record, known.scope, known.names)
        if target is not None:
            value = target(record.represented_id) if callable(target) else target
            if not caller.covers(kind, value):
                log.info("act under mandate %s refused: %s not in scope", record.id, kind)
                raise MandateOutOfScope()
        return caller

    def held_by(self, principal: Principal, mandate_id: str) -> Caller:
        """The mandate ``principal`` holds as its delegate, read now and in force (a mandate
        attestation's issuance): ``MandateNotFound`` if it is not theirs, ``MandateNotValid`` if
        it is not active (ended, expired, not yet valid)."""
        try:
            known = self._read(_uuid(mandate_id))
        except storage.NotFound:
            raise MandateNotFound() from None
        record = known.record
        if record.delegate_id != principal.subject:
            raise MandateNotFound()
        state = state_of(record, self.ctx.utcnow())
        if state != "active":
            log.info("mandate attestation for %s refused: %s", record.id, state)
            raise MandateNotValid()
        return Caller(record.represented_id, principal, record, known.scope, known.names)

    def represented_by(self, principal: Principal, mandate_id: str) -> str | None:
        """The represented citizen of a mandate this process remembers (``authorize``'s memory)
        and whose delegate ``principal`` is, else None; no I/O and no decision: a route may read
        that citizen's data in the statement that spends the delegate's proof
        (``spend_read_and_act``), and must still ``authorize`` before serving any of it."""
        try:
            known = self._remembered(str(uuid.UUID(mandate_id)))
        except ValueError:
            return None
        if known is None or known.record.delegate_id != principal.subject:
            return None
        return known.record.represented_id

    def ahead(self, principal: Principal, mandate_id: str, kind: Kind, value: str) -> Caller | None:
        """``authorize``'s answer from this process's memory alone, for an act on a resource of
        ``kind`` whose value is ``value`` (not read yet): the caller, or None when the memory does
        not say yes (not remembered, not the delegate, not active, not in scope). No I/O, no
        refusal, no log: the caller must make the act conditional on the resource being ``value``
        and decide with ``authorize`` on what it read otherwise."""
        try:
            known = self._remembered(str(uuid.UUID(mandate_id)))
        except ValueError:
            return None
        if known is None:
            return None
        record = known.record
        if record.delegate_id != principal.subject or state_of(record, self.ctx.utcnow()) != "active":
            return None
        caller = Caller(record.represented_id, principal, record, known.scope, known.names)
        return caller if caller.covers(kind, value) else None

    def remembered_type(self, owner: str, document_id: str) -> str | None:
        """The type a delegate's read last found for the document (``ahead``'s value), if any."""
        return self._types.get((owner, document_id))

    def remember_type(self, owner: str, document_id: str, doc_type: str) -> None:
        if len(self._types) >= self.TYPES_MAX:
            self._types.clear()
        self._types[owner, document_id] = doc_type

    def spend_read_and_act(
        self,
        mandate_id: str,
        parties: tuple[str, str],
        spend: storage.ProofSpend,
        decide: Callable[
            [tuple[bool, tuple[storage.DocumentRecord, bytes] | None]], tuple[Caller, tuple[str, str]]
        ],
        ahead: tuple[Caller, tuple[str, str], Callable[[tuple[storage.DocumentRecord, bytes]], None]]
        | None = None,
    ) -> bool:
        """A delegate's read and its act, committed in both logs before the caller answers anything
        (docs/mandates.md, Speed). ``decide`` (given whether the proof was new and what was read)
        refuses, or answers the caller ``authorize`` gave and the resource read; the act is then
        appended only while the mandate is still open (re-read in the statement or transaction
        that appends). ``parties``: (represented, delegate) as remembered. In order of preference:

        - ``ahead`` (the caller, the resource (id, type) and ``served`` that ``decide`` would give
          for a document of the remembered type; the caller has made sure the per-device limit is
          far off), PostgreSQL, both logs' frontiers remembered: ONE statement spends the proof,
          reads the document and appends the act, only if the proof was new, the document of that
          type and the mandate open (``Metadata.mandate_read``); appended, ``served`` gets what was
          read; else nothing was appended and ``decide`` decides on what was read, then ``_record``;
        - SQLite, or PostgreSQL with both frontiers remembered: the proof spent and the document
          read (``remember_then_read``), ``decide``, then ``_record`` (on SQLite ``decide`` runs
          before the act's transaction, which holds the process's write lock that the per-device
          limit's shared count may need);
        - else (PostgreSQL) the act's transaction opened by the same round trip that spends the
          proof and reads the document (``Metadata.mandate_act`` with ``spend``), two in all.

        False, with nothing spent, when the proof could not be stored for want of space: the
        caller takes the general path (its replay guard frees the space reserve)."""
        metadata = self.ctx.metadata
        log_ids = sorted(set(parties))
        if ahead is not None and metadata.one_statement_acts:
            caller, resource, served = ahead
            prepared = self.ctx.access_log.prepare_remembered(
                self._entries(caller, resource, AccessAction.READ)
            )
            if prepared is not None and caller.mandate is not None:
                roots = {log_id: head[1] for log_id, head in prepared.heads.items()}
                answer = metadata.mandate_read(spend, resource[1], caller.mandate.id, prepared.appends, roots)
                if answer is None:  # failed whole, nothing spent: a part of the heads had moved
                    self.ctx.access_log.forget_frontiers(log_ids)
                else:
                    fresh, found, outcome = answer
                    if outcome == "appended" and found is not None:
                        self.ctx.access_log.appended(prepared)
                        served(found)
                        return True
                    if outcome == "moved":  # another process appended: the transaction reads them
                        self.ctx.access_log.forget_frontiers(log_ids)
                    caller, resource = decide((fresh, found))  # refuses, or decides on what was read
                    self._record(caller, resource, AccessAction.READ)
                    return True
        if not metadata.one_statement_acts or self.ctx.access_log.remembers(log_ids):
            # The proof spent and the document read (on PostgreSQL the owner's one statement), the
            # decision, then the act (``_record``: on PostgreSQL with both frontiers remembered one
            # statement, else the act's transaction). On SQLite ``decide`` must run before that
            # transaction: the per-device limit's shared count takes the process's write lock,
            # which the transaction holds (deciding inside it hung every ``step``-th read).
            try:
                guard, s = metadata.replay_guard(), spend
                spent = guard.remember_then_read(
                    s.scope, s.jti, s.expires_at, s.holder, s.document_id, owner=s.owner
                )
            except storage.InsufficientStorage:
                return False
            caller, resource = decide(spent)
            self._record(caller, resource, AccessAction.READ)
            return True
        stack = contextlib.ExitStack()
        try:
            act = stack.enter_context(metadata.mandate_act(mandate_id, log_ids, spend=spend))
        except storage.InsufficientStorage:
            return False
        with stack:
            if act.spent is None:
                raise storage.StorageError("the act's transaction did not spend the proof")
            caller, resource = decide(act.spent)
            self._append_act(act, caller, self._entries(caller, resource, AccessAction.READ))
        return True

    def _read(self, mandate_id: str) -> _Known:
        """The mandate and both citizens' names, in one read transaction; remembered."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            record = uow.mandates.get(mandate_id)
            parties = (uow.citizens.get(record.represented_id), uow.citizens.get(record.delegate_id))
        names = (_unsealed_name(self.ctx, parties[0]), _unsealed_name(self.ctx, parties[1]))
        known = _Known(record, Scope.from_json(record.scope), names, time.monotonic() + self.KNOWN_SECONDS)
        if record.ended_at is None:
            with self._known_lock:
                if len(self._known) >= self.KNOWN_MAX:
                    self._known.clear()
                self._known[mandate_id] = known
        return known

    def _remembered(self, mandate_id: str) -> _Known | None:
        known = self._known.get(mandate_id)
        if known is None or known.until < time.monotonic():
            return None
        return known

    def _forget(self, mandate_id: str) -> None:
        with self._known_lock:
            self._known.pop(mandate_id, None)

    def record_act(
        self,
        caller: Caller,
        resource: tuple[str, str],
        action: AccessAction,
        *,
        procedure_code: str = NO_PROCEDURE,
        consent_id: str | None = None,
    ) -> None:
        """Write an act under ``caller.mandate`` to the represented citizen's log ("done by X for
        you") and to the delegate's log ("you did it for Y"), in one transaction. No-op for owners.

        On PostgreSQL one autocommit statement when this process remembers both logs' frontiers,
        else one write transaction on the request path's own connections (``_record``)."""
        if caller.mandate is None:
            return
        self._record(caller, resource, action, procedure_code, consent_id)

    def _record(
        self,
        caller: Caller,
        resource: tuple[str, str],
        action: AccessAction,
        procedure_code: str = NO_PROCEDURE,
        consent_id: str | None = None,
    ) -> None:
        """``record_act`` for a caller under a mandate. On PostgreSQL, when this process remembers
        both logs' frontiers (it made the last append to each), the entries and the trees' nodes are
        computed first and appended in ONE statement that also re-reads the mandate's liveness
        (``Metadata.mandate_append``, one round trip, committed on its own); a head that moved since
        (another process appended) leaves nothing written and the act takes the transaction below."""
        mandate = caller.mandate
        if mandate is None:
            raise MandateNotValid()
        entries = self._entries(caller, resource, action, procedure_code, consent_id)
        log_ids = sorted(entries)
        metadata, access_log = self.ctx.metadata, self.ctx.access_log
        if metadata.one_statement_acts:
            prepared = access_log.prepare_remembered(entries)
            if prepared is not None:
                roots = {log_id: head[1] for log_id, head in prepared.heads.items()}
                outcome = metadata.mandate_append(mandate.id, prepared.appends, roots)
                if outcome == "appended":
                    access_log.appended(prepared)
                    return
                if outcome == "ended":  # ended since it was read: not one more act
                    self._forget(mandate.id)
                    log.info("act under mandate %s refused: ended", mandate.id)
                    raise MandateNotValid()
                access_log.forget_frontiers(log_ids)  # moved: read them in the transaction
        with metadata.mandate_act(mandate.id, log_ids) as act:
            self._append_act(act, caller, entries)

    def _entries(
        self,
        caller: Caller,
        resource: tuple[str, str],
        action: AccessAction,
        procedure_code: str = NO_PROCEDURE,
        consent_id: str | None = None,
    ) -> dict[str, Sequence[AccessEntry]]:
        """The act's entry in the represented citizen's log ("done by X for you") and in the
        delegate's ("you did it for Y")."""
        mandate = caller.mandate
        if mandate is None:
            raise MandateNotValid()
        represented_name, delegate_name = caller.names
        at = self.ctx.now()
        purpose = f"Theo uỷ quyền {mandate.id} / Under mandate {mandate.id}"

        def entry(actor: str, name: str) -> AccessEntry:
            return AccessEntry(
                agency_id=actor,
                agency_name=name[:512],
                resource_id=resource[0],
                resource_type=resource[1],
                action=action,
                purpose=purpose,
                procedure_code=procedure_code,
                consent_id=consent_id,
                at=at,
            )

        return {
            mandate.represented_id: [entry(ON_BEHALF + mandate.id, delegate_name)],
            mandate.delegate_id: [entry(ACTING_FOR + mandate.id, represented_name)],
        }

    def _append_act(
        self, act: storage.MandateAct, caller: Caller, entries: dict[str, Sequence[AccessEntry]]
    ) -> None:
        """The act's part inside its open transaction: refuse if the mandate ended, append to both
        logs, commit."""
        mandate = caller.mandate
        if mandate is None:
            raise MandateNotValid()
        if not act.is_open:  # ended since it was read: not one more act
            self._forget(mandate.id)
            log.info("act under mandate %s refused: ended", mandate.id)
            raise MandateNotValid()
        try:  # both logs in a handful of statements, heads already locked
            self.ctx.access_log.append_across(entries, store=act.log_store())
        except LogCorrupted:
            log.error("an access log of mandate %s is damaged: append refused", mandate.id)
            raise AccessLogCorrupted() from None
        except LogBusy:
            raise AccessLogBusy() from None
        act.commit()

    # -- views and log events -------------------------------------------------------

    def _view(self, record: storage.MandateRecord) -> MandateView:
        return MandateView(
            record,
            Scope.from_json(record.scope),
            state_of(record, self.ctx.utcnow()),
            citizen_name(self.ctx, record.represented_id),
            citizen_name(self.ctx, record.delegate_id),
        )

    def _event(
        self, uow: storage.UnitOfWork, view: MandateView, actor: tuple[str, str], action: AccessAction
    ) -> None:
        """A mandate granted or ended, in both citizens' logs (``agency_*``: who did it)."""
        record, store = view.record, uow.log_store()
        purpose = f"{view.delegate_name} → {view.represented_name}"
        for citizen_id in sorted({record.represented_id, record.delegate_id}):
            entry = AccessEntry(
                agency_id=actor[0][:512],
                agency_name=actor[1][:512],
                resource_id=record.id,
                resource_type=MANDATE_RESOURCE,
                action=action,
                purpose=purpose[:512],
                procedure_code=NO_PROCEDURE,
                consent_id=None,
                at=self.ctx.now(),
            )
            _append(self.ctx, citizen_id, entry, store)


ERASURE_ACTOR = ("account-erased", "việc xoá tài khoản ví / an account's erasure")


def end_on_erasure(ctx: Context, uow: storage.UnitOfWork, citizen_id: str) -> int:
    """In the erasure's transaction, before the citizen's row goes: every mandate the citizen granted
    or holds that has not ended ends now, and the other citizen's log says so (the erased citizen's
    own log goes with the account). The rows then go with the citizen (``ON DELETE CASCADE``)."""
    now, ended, store = ctx.utcnow(), 0, uow.log_store()
    for record in uow.mandates.of_citizen(citizen_id):
        if record.ended_at is not None or not uow.mandates.end(record.id, now, ERASURE_ACTOR[0]):
            continue
        other = record.delegate_id if record.represented_id == citizen_id else record.represented_id
        delegate = _unsealed_name(ctx, uow.citizens.get(record.delegate_id))
        represented = _unsealed_name(ctx, uow.citizens.get(record.represented_id))
        entry = AccessEntry(
            agency_id=ERASURE_ACTOR[0],
            agency_name=ERASURE_ACTOR[1],
            resource_id=record.id,
            resource_type=MANDATE_RESOURCE,
            action=AccessAction.MANDATE_END,
            purpose=f"{delegate} → {represented}"[:512],
            procedure_code=NO_PROCEDURE,
            consent_id=None,
            at=ctx.now(),
        )
        _append(ctx, other, entry, store)
        ended += 1
    return ended


def _append(ctx: Context, citizen_id: str, entry: AccessEntry, store: LogStore) -> None:
    try:
        ctx.access_log.append_many(citizen_id, [entry], store=store)
    except LogCorrupted:
        log.error("access log of %s is damaged: append refused", citizen_id)
        raise AccessLogCorrupted() from None
    except LogBusy:
        raise AccessLogBusy() from None


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise MandateNotFound() from None
