"""Ports of the storage layer.

Every adapter implements one of these protocols; the composition root picks
adapters from the configured URLs (``storage.factory``). Contracts:

* ``BlobStore.put`` is all-or-nothing: when it returns, the object exists
  whole; when it raises (including an exception raised by the ``chunks``
  iterable itself), nothing is visible under ``key``. Temporary state it may
  leave after a crash (a temp file, an incomplete multipart upload) is removed
  by ``collect_incomplete``.
* ``UnitOfWork`` is a context manager that rolls back unless ``commit`` was
  called before it exits. One opened with ``readonly=True`` must not write.
* Repositories raise ``NotFound`` for a missing record and ``Conflict`` for a
  broken uniqueness rule; they never return table rows, only records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Protocol

from storage.records import (
    AgencyRecord,
    AssistCardRecord,
    BlobInfo,
    CitizenHolder,
    CitizenRecord,
    ConsentPullRecord,
    ConsentRecord,
    CredentialRecord,
    DeviceRecord,
    DocumentRecord,
    ErasureRecord,
    Holder,
    IncidentRecord,
    MandateRecord,
    PageWindow,
    PairingRecord,
    ProofSpend,
    RecoveryCodeRecord,
    RecoveryRecord,
    ReissueRecord,
    RestrictionRecord,
    ReuseStat,
    RightsRequestRecord,
    SigningKeyRecord,
    StatusListRecord,
    TrustRootRecord,
    VisitRecord,
    WrappedKey,
)

if TYPE_CHECKING:
    # protocols of plain types: no runtime dependency
    from consent.log_store import LogAppend, LogTransaction


class BlobStore(Protocol):
    """Opaque byte objects addressed by key."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int: ...

    def open(self, key: str) -> Iterator[bytes]: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> Iterator[BlobInfo]: ...

    def collect_incomplete(self, older_than: dt.datetime) -> int: ...


class CitizenRepository(Protocol):
    """Citizen accounts."""

    def add(self, citizen: CitizenRecord) -> None: ...  # Conflict on duplicate blind index

    def get(self, citizen_id: str) -> CitizenRecord: ...

    def find_by_index(self, blind_index: str) -> CitizenRecord | None: ...

    def delete(self, citizen_id: str) -> None: ...


class DocumentRepository(Protocol):
    """Document versions, always scoped to their owner."""

    def add(self, document: DocumentRecord) -> None: ...

    def get(self, citizen_id: str, document_id: str) -> DocumentRecord: ...

    def get_with_owner_key(self, citizen_id: str, document_id: str) -> tuple[DocumentRecord, bytes]: ...

    # the document and its owner's wrapped key in one read (the request path)

    def list(self, citizen_id: str, doc_type: str | None = None) -> Sequence[DocumentRecord]: ...

    def page(
        self, citizen_id: str, window: PageWindow, doc_type: str | None = None
    ) -> Sequence[DocumentRecord]: ...

    # one page, newest first (keyset: the same cost for the first and the ten-thousandth row)

    def delete(self, citizen_id: str, document_id: str) -> DocumentRecord: ...

    def delete_all(self, citizen_id: str) -> Sequence[DocumentRecord]: ...

    def all_blob_keys(self) -> set[str]: ...


class ReplayGuard(Protocol):
    """One-time identifiers (DPoP and assertion ``jti``s) shared by every worker."""

    def remember(
        self, scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None = None
    ) -> bool: ...

    # True if new, False if seen before (a replay) or, with ``holder``, if the holder is gone:
    # a citizen no longer holding that device key (revoked, or erased), an agency no longer registered and
    # active. Both answers come from the one statement that stores the id.

    def purge(self, now: dt.datetime) -> int: ...


class RequestReplayGuard(ReplayGuard, Protocol):
    """The request path's replay guard (``Metadata.replay_guard``): each call commits on its own."""

    def remember_then_read(
        self,
        scope: str,
        jti: str,
        expires_at: dt.datetime,
        holder: CitizenHolder,
        document_id: str,
        *,
        owner: str | None = None,
    ) -> tuple[bool, tuple[DocumentRecord, bytes] | None]: ...

    # ``remember`` for a citizen's request and then their document (``HotReads``), or None; on
    # PostgreSQL one round trip. The caller serves nothing when the first answer is False.
    # ``owner``: whose document is read (a delegate's request under a mandate: the represented
    # citizen, known from the mandate), by default the holder's own.

    def remember_many(self, spends: Sequence[tuple[str, str, dt.datetime, Holder | None]]) -> list[bool]: ...

    # ``remember`` for each (scope, jti, expires_at, holder), in order, in ONE transaction: one
    # durable write for them all (a group commit); nothing stored if it fails.


class SigningKeyRepository(Protocol):
    """The service's own signing keys."""

    def add(self, key: SigningKeyRecord) -> None: ...

    def all(self) -> Sequence[SigningKeyRecord]: ...

    def retire(self, kid: str, at: dt.datetime) -> None: ...


class AgencyRepository(Protocol):
    """Registered agencies (issuers, requesters, verifiers, identity providers)."""

    def add(self, agency: AgencyRecord) -> None: ...  # Conflict on a duplicate id

    def get(self, agency_id: str) -> AgencyRecord: ...

    def all(self) -> Sequence[AgencyRecord]: ...

    def set_successor(self, agency_id: str, successor_id: str, dissolved_at: dt.datetime) -> None: ...


class CredentialRepository(Protocol):
    """Credentials, scoped to their holder; ``get_any`` serves issuers changing a status."""

    def add(self, credential: CredentialRecord) -> None: ...

    def get(self, citizen_id: str, credential_id: str) -> CredentialRecord: ...

    def get_with_owner_key(self, citizen_id: str, credential_id: str) -> tuple[CredentialRecord, bytes]: ...

    # the credential and its owner's wrapped key in one read (the consented pull)

    def get_any(self, credential_id: str) -> CredentialRecord: ...

    def list(self, citizen_id: str, doc_type: str | None = None) -> Sequence[CredentialRecord]: ...

    def registered(self, jwt_sha256: bytes, status_list_id: str, status_idx: int) -> bool: ...

    def page(
        self, citizen_id: str, window: PageWindow, doc_type: str | None = None
    ) -> Sequence[CredentialRecord]: ...

    # True if the service stored a credential whose issuer-signed JWT has that SHA-256 (or, for
    # one stored before digests were kept, that holds that status entry)


class StatusListRepository(Protocol):
    """Status lists and the indexes handed out to issuers before they sign."""

    def allocate(self, list_id: str, agency_id: str, now: dt.datetime) -> int: ...

    def claim(self, list_id: str, idx: int, agency_id: str) -> bool: ...

    # True once: the index was allocated to that agency and is now used by one credential

    def get(self, list_id: str) -> StatusListRecord: ...

    def set_status(self, list_id: str, idx: int, value: int, now: dt.datetime) -> None: ...

    def claimed(self, list_id: str) -> frozenset[int]: ...  # the indexes a stored credential uses


class IdempotencyRepository(Protocol):
    """Responses of agency requests made with an ``Idempotency-Key``."""

    def get(self, agency_id: str, key: str) -> tuple[bytes, str] | None: ...

    def add(
        self, agency_id: str, key: str, request_sha256: bytes, response: str, now: dt.datetime
    ) -> None: ...


class TrustRootRepository(Protocol):
    """Root certificates for signed PDFs."""

    def add(self, root: TrustRootRecord) -> None: ...

    def all(self) -> Sequence[TrustRootRecord]: ...


class PresentationRefRepository(Protocol):
    """Presentations behind short references (resolved once, within minutes)."""

    def add(self, ref_sha256: bytes, citizen_id: str, presentation: str, expires_at: dt.datetime) -> None: ...

    def take(self, ref_sha256: bytes, now: dt.datetime) -> tuple[str, str]: ...

    # (presentation, citizen id), once; NotFound if used, expired or unknown

    def spent(self, ref_sha256: bytes, now: dt.datetime) -> str | None: ...

    # why a reference cannot be taken: "used", "expired", or None when there is no such reference


class ConsentRepository(Protocol):
    """Consent requests, decisions and uses; state changes are conditional UPDATEs (race-free)."""

    def add(self, consent: ConsentRecord) -> None: ...

    def get(self, consent_id: str) -> ConsentRecord: ...

    def get_with_agency(self, consent_id: str) -> tuple[ConsentRecord, AgencyRecord]: ...

    # the consent and its requesting agency in one read (the consented pull); NotFound if either is missing

    def list_for_citizen(self, citizen_id: str, status: str | None = None) -> Sequence[ConsentRecord]: ...

    def page_for_citizen(
        self, citizen_id: str, window: PageWindow, status: str | None = None
    ) -> Sequence[ConsentRecord]: ...

    def decide(self, decided: ConsentRecord) -> bool: ...

    # True if it was still pending and not expired at ``decided_at``; stores status, approval, decision

    def end(self, consent_id: str, from_statuses: Sequence[str], status: str, at: dt.datetime) -> bool: ...

    def consume(self, consent_id: str, agency_id: str, now: dt.datetime) -> int | None: ...

    # one use, atomically: the use number, or None when not approved, expired or used up

    def add_pull(self, pull: ConsentPullRecord) -> None: ...

    def reuse_stats(self, citizen_id: str | None = None) -> Sequence[ReuseStat]: ...


class RestrictionRepository(Protocol):
    """A citizen's pauses on new consent requests (right to restriction and objection)."""

    def add(self, restriction: RestrictionRecord) -> None: ...

    def active(self, citizen_id: str) -> Sequence[RestrictionRecord]: ...

    def lift(self, citizen_id: str, restriction_id: str, at: dt.datetime) -> bool: ...

    def blocking(self, citizen_id: str, agency_id: str, procedure_code: str) -> RestrictionRecord | None: ...


class IncidentRepository(Protocol):
    """Personal-data breaches the operator recorded, and the citizens each was told to."""

    def add(self, incident: IncidentRecord) -> None: ...

    def tell(self, incident_id: str, citizen_ids: Iterable[str], at: dt.datetime) -> None: ...

    def of_citizen(self, citizen_id: str) -> Sequence[IncidentRecord]: ...

    def citizen_ids(self, after: str, limit: int) -> Sequence[str]: ...


class KeyEpochRepository(Protocol):
    """Master-wrapped values of one table (``storage.sql_epochs.WRAPPED_TABLES``), for re-wrapping."""

    def batch(self, table: str, after: str, limit: int) -> Sequence[WrappedKey]: ...  # key order

    def swap(self, table: str, key: str, old: bytes, new: bytes) -> bool: ...  # False: row changed

    def swap_many(self, table: str, changes: Sequence[tuple[str, bytes, bytes]]) -> int: ...  # rows swapped


class ErasureRepository(Protocol):
    """Erasures not yet final (``docs/erasure.md``); they hold no personal data."""

    def add(self, erasure: ErasureRecord) -> None: ...

    def pending(self, oldest_version: int) -> Sequence[ErasureRecord]: ...  # versions >= oldest kept

    def prune(self, oldest_version: int) -> int: ...  # drop those now final


class DeviceRepository(Protocol):
    """A citizen's device keys; ``CitizenRepository.add`` adds the enrolment key as the first one."""

    def add(self, device: DeviceRecord) -> None: ...  # Conflict when the citizen already has that key

    def list(self, citizen_id: str) -> Sequence[DeviceRecord]: ...  # oldest first, revoked ones too

    def get(self, citizen_id: str, device_id: str) -> DeviceRecord: ...

    def active(self, citizen_id: str, jkt: str) -> DeviceRecord | None: ...

    def touch(self, citizen_id: str, jkt: str, at: dt.datetime) -> None: ...  # last used at

    def count_active(self, citizen_id: str) -> int: ...

    # also locks the citizen's devices until the unit of work ends (NotFound for no such citizen)

    def revoke(self, citizen_id: str, device_id: str, at: dt.datetime) -> bool: ...

    # True if it was active and is now revoked

    def revoke_all(self, citizen_id: str, at: dt.datetime) -> Sequence[DeviceRecord]: ...  # those revoked


class PairingRepository(Protocol):
    """New devices asking to join a wallet; state changes are conditional UPDATEs (race-free)."""

    def add(self, pairing: PairingRecord) -> None: ...

    def get(self, pairing_id: str) -> PairingRecord: ...

    def by_code(self, code_sha256: bytes) -> PairingRecord | None: ...

    def show(self, pairing_id: str, citizen_id: str, approver_jkt: str, at: dt.datetime) -> bool: ...

    # True if it was pending (or already shown to that device) and not expired at ``at``

    def approve(self, approved: PairingRecord, at: dt.datetime) -> bool: ...

    # True if it was shown to ``approved.approver_jkt`` of ``approved.citizen_id`` and not expired

    def cancel_shown_to(self, citizen_id: str, approver_jkt: str) -> int: ...

    def purge(self, expired_before: dt.datetime) -> int: ...  # pairings long over: rows removed


class RecoveryRepository(Protocol):
    """Recovery nonces, recoveries and recovery codes; state changes are conditional (race-free)."""

    def add_nonce(
        self, digest: bytes, blind_index: str, at: dt.datetime, expires_at: dt.datetime
    ) -> None: ...

    def nonce(self, digest: bytes) -> tuple[str, dt.datetime, dt.datetime | None] | None: ...

    def spend_nonce(self, digest: bytes, at: dt.datetime) -> bool: ...  # False: unknown, used or expired

    def purge_nonces(self, before: dt.datetime) -> int: ...

    def forget_nonces(self, blind_index: str) -> int: ...  # every nonce handed out for one CCCD (erasure)

    def add(self, recovery: RecoveryRecord) -> None: ...  # Conflict: one is already pending for the citizen

    def get(self, recovery_id: str) -> RecoveryRecord: ...

    def pending(self, citizen_id: str) -> RecoveryRecord | None: ...

    def of_citizen(self, citizen_id: str) -> Sequence[RecoveryRecord]: ...  # every one, oldest first

    # pending, due (``completes_at``) at or before ``before``, oldest first
    def stale(self, before: dt.datetime, limit: int) -> Sequence[RecoveryRecord]: ...

    def end(
        self, recovery_id: str, status: str, at: dt.datetime, by: str | None, device_id: str | None
    ) -> bool: ...  # False: no longer pending

    def code(self, citizen_id: str) -> RecoveryCodeRecord | None: ...

    def set_code(self, record: RecoveryCodeRecord) -> None: ...  # replaces any earlier code

    def use_code(self, citizen_id: str, code_hash: bytes) -> bool: ...  # False: already used or replaced

    def code_failed(self, citizen_id: str, code_hash: bytes) -> int: ...  # wrong tries now, atomically

    def lock_code(self, citizen_id: str, until: dt.datetime) -> None: ...


class ReissueRepository(Protocol):
    """Credentials queued for re-issuance by their issuer."""

    def add(self, reissue: ReissueRecord) -> None: ...  # Conflict: already queued

    def get(self, credential_id: str) -> ReissueRecord: ...

    def of_citizen(self, citizen_id: str) -> Sequence[ReissueRecord]: ...  # queued or done, oldest first

    # not done yet, oldest first
    def queue(self, agency_ids: Sequence[str], limit: int) -> Sequence[ReissueRecord]: ...

    # False: done already
    def done(self, credential_id: str, new_credential_id: str, at: dt.datetime) -> bool: ...


class MandateRepository(Protocol):
    """Mandates between citizens (``wallet_api.mandates``); ending one is a conditional UPDATE."""

    def add(self, mandate: MandateRecord) -> None: ...

    def get(self, mandate_id: str) -> MandateRecord: ...  # NotFound

    def of_citizen(self, citizen_id: str) -> Sequence[MandateRecord]: ...  # granted and held, oldest first

    def end(self, mandate_id: str, at: dt.datetime, by: str) -> bool: ...  # True if it was not yet ended

    # not ended (and still there): read inside an act's write transaction, FOR SHARE on PostgreSQL,
    # so a revocation racing the act waits for it or is seen by it
    def is_open(self, mandate_id: str) -> bool: ...


class AssistRepository(Protocol):
    """Wallet cards with their PIN, and visits at one-stop offices (``wallet_api.assisted``)."""

    def card(self, citizen_id: str, *, lock: bool = False) -> AssistCardRecord | None: ...

    def by_card(self, card_id: str) -> AssistCardRecord | None: ...

    def add_card(self, card: AssistCardRecord) -> None: ...  # Conflict when the citizen has one

    def set_pin(self, citizen_id: str, pin_hash: bytes, salt: bytes) -> None: ...  # resets the count

    def pin_failed(self, citizen_id: str) -> int: ...  # one more wrong PIN: the run so far

    def lock(self, citizen_id: str, until: dt.datetime) -> None: ...

    def pin_ok(self, citizen_id: str) -> None: ...  # the run of wrong PINs ends

    def add_visit(self, visit: VisitRecord) -> None: ...

    def visit(self, visit_id: str) -> VisitRecord: ...  # NotFound

    # Compare-and-set of a JSON list column (``documents`` or ``consents``): False once ended, or
    # when the list is no longer ``expected`` (re-read, retry).
    def set_visit_list(self, visit_id: str, column: str, value: str, expected: str | None) -> bool: ...

    def end_visit(self, visit_id: str, at: dt.datetime) -> bool: ...  # True if it was not yet ended

    def rotate_card(self, citizen_id: str, old_card_id: str, new_card_id: str) -> bool: ...

    # True if ``old_card_id`` was still the citizen's card (a racing rotation loses)

    def end_open_visits(self, citizen_id: str, at: dt.datetime, keep: str = "") -> int: ...

    # ends the citizen's live visits but ``keep``; how many

    def purge_visits(self, before: dt.datetime, batch: int) -> int: ...

    # deletes at most ``batch`` visits that expired before ``before``; how many


class RateCounterRepository(Protocol):
    """Fixed-window call counters shared by every node (``wallet_api.limits``)."""

    def hit(self, bucket: str, window_start: int, count: int = 1) -> int: ...

    # adds ``count`` calls to the window; its count after them (every node's calls included)

    def purge(self, before: int, limit: int) -> int: ...  # windows that started before ``before``


class RightsRequestRepository(Protocol):
    """A citizen's requests to agencies (deletion, correction); an answer is a conditional UPDATE."""

    def add(self, request: RightsRequestRecord) -> None: ...  # Conflict: that consent already has one

    def get(self, request_id: str) -> RightsRequestRecord: ...

    def for_consent(self, consent_id: str) -> RightsRequestRecord | None: ...  # its deletion request

    def of_citizen(self, citizen_id: str, kind: str) -> Sequence[RightsRequestRecord]: ...  # newest first

    def open_for(self, agency_ids: Sequence[str], kind: str, limit: int) -> Sequence[RightsRequestRecord]: ...

    def answer(
        self,
        request_id: str,
        agency_ids: Sequence[str],
        status: str,
        at: dt.datetime,
        *,
        answer: str | None = None,
        refusal: str | None = None,
    ) -> bool: ...

    # True if it was open and addressed to one of ``agency_ids``; now ``status``

    def overdue(
        self, now: dt.datetime, limit: int, *, unescalated: bool = False
    ) -> Sequence[RightsRequestRecord]: ...

    # open and due by ``now``, soonest due first (``unescalated``: not yet written to the citizen's log)

    def escalate(self, request_id: str, at: dt.datetime) -> bool: ...  # True the first time only

    def pulled_unasked(self, after: str, limit: int) -> Sequence[tuple[str, str, str, int, dt.datetime]]: ...


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless committed."""

    citizens: CitizenRepository
    documents: DocumentRepository
    replay: ReplayGuard
    signing_keys: SigningKeyRepository
    agencies: AgencyRepository
    credentials: CredentialRepository
    status_lists: StatusListRepository
    idempotency: IdempotencyRepository
    trust_roots: TrustRootRepository
    presentation_refs: PresentationRefRepository
    consents: ConsentRepository
    restrictions: RestrictionRepository
    incidents: IncidentRepository
    rate_counters: RateCounterRepository
    erasures: ErasureRepository
    key_epochs: KeyEpochRepository
    devices: DeviceRepository
    pairings: PairingRepository
    recoveries: RecoveryRepository
    reissues: ReissueRepository
    mandates: MandateRepository
    assist: AssistRepository
    rights_requests: RightsRequestRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def log_store(self) -> LogTransaction: ...

    # the access logs inside this transaction: an append commits or rolls back with it


class MandateAct(Protocol):
    """An act under a mandate's open write transaction (``Metadata.mandate_act``)."""

    is_open: bool  # the mandate had not ended, read (FOR SHARE on PostgreSQL) in this transaction
    # with ``spend``: whether the proof was new (and its holder there), and the document read
    spent: tuple[bool, tuple[DocumentRecord, bytes] | None] | None

    def log_store(self) -> LogTransaction: ...

    # the access logs inside this transaction, the heads named when it opened already locked

    def commit(self) -> None: ...


class HotReads(Protocol):
    """The request path's one-row reads, each a single statement outside any unit of work."""

    def document_with_owner_key(self, citizen_id: str, document_id: str) -> tuple[DocumentRecord, bytes]: ...

    # the citizen's document and their wrapped key; NotFound when either is missing or not theirs


class HotCounters(Protocol):
    """The rate limiter's shared counters, each update a single statement outside any unit of work."""

    def hit(self, bucket: str, window_start: int, count: int = 1) -> int: ...

    # as ``RateCounterRepository.hit``, committed on its own: the window's count after ``count``


class Metadata(Protocol):
    """A metadata backend."""

    def unit_of_work(self, *, readonly: bool = False) -> UnitOfWork: ...

    # readonly: the caller promises not to write; backends may then skip write locks

    def replay_guard(self) -> RequestReplayGuard: ...

    def hot_reads(self) -> HotReads: ...

    def hot_counters(self) -> HotCounters: ...

    def mandate_act(
        self, mandate_id: str, log_ids: Sequence[str], *, spend: ProofSpend | None = None
    ) -> AbstractContextManager[MandateAct]: ...

    # an act under a mandate: one write transaction that has read whether the mandate is still
    # open and read and locked the heads of ``log_ids`` (sorted), on the request path's own
    # connections; rolled back on leaving unless committed (``storage.sql_acts``). ``spend``: first
    # spend a delegate's proof and read the represented citizen's document, as
    # ``RequestReplayGuard.remember_then_read`` does (committed on its own; on PostgreSQL in the
    # same round trip): the caller serves nothing unless ``spent`` says the proof was new

    @property
    def one_statement_acts(self) -> bool: ...

    # whether ``mandate_append`` is there (PostgreSQL; SQLite's ``mandate_act`` has no round trip)

    def mandate_append(
        self, mandate_id: str, appends: Sequence[LogAppend], roots: Mapping[str, bytes]
    ) -> Literal["appended", "ended", "moved"]: ...

    # an act's append computed ahead from remembered frontiers (``AccessLog.prepare_remembered``;
    # ``roots``: the head each extends) in one statement that also re-reads the mandate's liveness:
    # all or none; ``ended`` or ``moved`` (a head was not the one extended): nothing written

    def mandate_read(
        self,
        spend: ProofSpend,
        doc_type: str,
        mandate_id: str,
        appends: Sequence[LogAppend],
        roots: Mapping[str, bytes],
    ) -> tuple[bool, tuple[DocumentRecord, bytes] | None, Literal["appended", "moved", "not"]] | None: ...

    # a delegate's read in one statement (where ``one_statement_acts``): ``spend`` spent and its
    # document read as ``RequestReplayGuard.remember_then_read`` does (committed whatever else
    # happens), and ``mandate_append``'s append, made only if the proof was new and the document
    # is of ``doc_type``. (proof new, document read, appended / moved (a head) / not (the rest));
    # None: the statement failed whole, nothing spent or written

    def bulk_add(self, citizens: Sequence[CitizenRecord], documents: Sequence[DocumentRecord]) -> None: ...

    # many citizens (with their enrolment devices) and documents in one transaction: seeding only

    # a guard outside any unit of work: each ``remember`` commits on its own

    # readonly: the caller promises not to write; backends may then skip write locks

    def migrate(self) -> None: ...

    def close(self) -> None: ...
