"""Metadata on SQL through SQLAlchemy Core over the SQLModel tables: SQLite or PostgreSQL.

``SqlMetadata(url)`` picks the dialect from the URL. Repositories run one
pre-built statement per call and return frozen records, never rows. Driver
errors are translated here, at the boundary: ``IntegrityError`` becomes
``Conflict`` and a backend that cannot be reached or is locked becomes
``Unavailable``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.sql import Executable

from storage.device_tables import DEVICES
from storage.errors import NotFound
from storage.limits import ReplayPurge, Timeouts
from storage.records import (
    NO_DEVICE,
    AgencyHolder,
    CitizenRecord,
    DocumentRecord,
    Holder,
    PageWindow,
    ProofSpend,
    SigningKeyRecord,
)
from storage.reserve import SpaceReserve
from storage.sql_acts import act_append, mandate_act, read_act
from storage.sql_assisted import SqlAssistRepository
from storage.sql_base import READONLY, Repository, Transaction, columns, keyset_page, translated, values
from storage.sql_consent import SqlConsentRepository
from storage.sql_devices import SqlDeviceRepository, SqlPairingRepository, enrolment_device
from storage.sql_epochs import SqlErasureRepository, SqlKeyEpochRepository
from storage.sql_hot import DbapiReads, close_kept, close_pinned
from storage.sql_issuance import (
    SqlAgencyRepository,
    SqlCredentialRepository,
    SqlIdempotencyRepository,
    SqlPresentationRefRepository,
    SqlStatusListRepository,
    SqlTrustRootRepository,
)
from storage.sql_log import SqlLogStore
from storage.sql_mandates import SqlMandateRepository
from storage.sql_recovery import SqlRecoveryRepository, SqlReissueRepository
from storage.sql_replay import DbapiReplayGuard
from storage.sql_rights import (
    DbapiCounters,
    SqlIncidentRepository,
    SqlRateCounterRepository,
    SqlRestrictionRepository,
)
from storage.sql_rights_requests import SqlRightsRequestRepository
from storage.tables import AGENCIES, CITIZENS, DOCUMENTS, REPLAY, SIGNING_KEYS

if TYPE_CHECKING:
    import datetime as dt

    from consent.log_store import LogAppend, LogTransaction
    from storage.ports import (
        AgencyRepository,
        AssistRepository,
        CitizenRepository,
        ConsentRepository,
        CredentialRepository,
        DeviceRepository,
        DocumentRepository,
        ErasureRepository,
        HotCounters,
        HotReads,
        IdempotencyRepository,
        IncidentRepository,
        KeyEpochRepository,
        MandateAct,
        MandateRepository,
        Metadata,
        PairingRepository,
        PresentationRefRepository,
        RateCounterRepository,
        RecoveryRepository,
        ReissueRepository,
        ReplayGuard,
        RequestReplayGuard,
        RestrictionRepository,
        RightsRequestRepository,
        SigningKeyRepository,
        StatusListRepository,
        TrustRootRepository,
        UnitOfWork,
    )

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_R = TypeVar("_R")

_MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATION_LOCK = 0x77616C6C6574  # pg_advisory_xact_lock key: b"wallet"
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",  # deleted rows (wrapped keys) are zeroed, not left in free pages
)


_CITIZEN = columns(CITIZENS, CitizenRecord)
_DOCUMENT = columns(DOCUMENTS, DocumentRecord)
_SIGNING_KEY = columns(SIGNING_KEYS, SigningKeyRecord)
_OWNED_DOCUMENT = (DOCUMENTS.c.citizen_id == bindparam("citizen_id")) & (
    DOCUMENTS.c.id == bindparam("document_id")
)
_CITIZEN_DOCUMENTS = DOCUMENTS.c.citizen_id == bindparam("citizen_id")

_GET_CITIZEN = select(*_CITIZEN).where(CITIZENS.c.id == bindparam("citizen_id"))
_FIND_CITIZEN = select(*_CITIZEN).where(CITIZENS.c.blind_index == bindparam("blind_index"))
_DELETE_CITIZEN = delete(CITIZENS).where(CITIZENS.c.id == bindparam("citizen_id"))
_GET_DOCUMENT = select(*_DOCUMENT).where(_OWNED_DOCUMENT)
# The request path's one read: the document and its owner's wrapped key, joined on the primary key.
_GET_OWNED = (
    select(*_DOCUMENT, CITIZENS.c.wrapped_kek)
    .join(CITIZENS, CITIZENS.c.id == DOCUMENTS.c.citizen_id)
    .where(_OWNED_DOCUMENT)
)
_LIST_DOCUMENTS = (
    select(*_DOCUMENT).where(_CITIZEN_DOCUMENTS).order_by(DOCUMENTS.c.created_at, DOCUMENTS.c.id)
)
_LIST_DOCUMENTS_OF_TYPE = _LIST_DOCUMENTS.where(DOCUMENTS.c.doc_type == bindparam("doc_type"))
_DELETE_DOCUMENT = delete(DOCUMENTS).where(_OWNED_DOCUMENT).returning(*_DOCUMENT)
_DELETE_DOCUMENTS = delete(DOCUMENTS).where(_CITIZEN_DOCUMENTS).returning(*_DOCUMENT)
_BLOB_KEYS = select(DOCUMENTS.c.blob_key)
# INSERT ... ON CONFLICT DO NOTHING; its rowcount (kept for INSERTs only on request)
# is 1 for a new jti, 0 for a replay.
_REMEMBER = {
    "sqlite": sqlite.insert(REPLAY).on_conflict_do_nothing().execution_options(preserve_rowcount=True),
    "postgresql": postgresql.insert(REPLAY)
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True),
}
_PURGE = delete(REPLAY).where(REPLAY.c.expires_at < bindparam("now"))
_CITIZEN_HOLDS = select(literal(1)).where(
    DEVICES.c.citizen_id == bindparam("holder"),
    DEVICES.c.jkt == bindparam("jkt"),
    DEVICES.c.revoked_at.is_(None),
)
_AGENCY_ACTIVE = select(literal(1)).where(
    AGENCIES.c.id == bindparam("holder"),
    AGENCIES.c.valid_from <= bindparam("at"),
    AGENCIES.c.valid_until > bindparam("at"),
    or_(AGENCIES.c.dissolved_at.is_(None), AGENCIES.c.dissolved_at > bindparam("at")),
)
_ALL_KEYS = select(*_SIGNING_KEY).order_by(SIGNING_KEYS.c.created_at, SIGNING_KEYS.c.kid)
_RETIRE_KEY = (
    update(SIGNING_KEYS)
    .where(SIGNING_KEYS.c.kid == bindparam("key_id"))
    .values(retired_at=bindparam("retired_at"))
)


class SqlCitizenRepository(Repository):
    """Citizens on SQL."""

    __slots__ = ()

    @translated
    def add(self, citizen: CitizenRecord) -> None:
        """The account and its enrolment key as its first device, in one transaction (a wallet
        enrolled at a one-stop office has no device key: ``NO_DEVICE``, and no device row)."""
        self.insert(CITIZENS, citizen)
        if citizen.device_jkt != NO_DEVICE:
            self.insert(DEVICES, enrolment_device(citizen))

    @translated
    def get(self, citizen_id: str) -> CitizenRecord:
        row = self.execute(_GET_CITIZEN, {"citizen_id": citizen_id}).first()
        if row is None:
            raise NotFound("no such citizen")
        return CitizenRecord(*row)

    @translated
    def find_by_index(self, blind_index: str) -> CitizenRecord | None:
        row = self.execute(_FIND_CITIZEN, {"blind_index": blind_index}).first()
        return None if row is None else CitizenRecord(*row)

    @translated
    def delete(self, citizen_id: str) -> None:
        """Delete the citizen; their documents' rows go with them (ON DELETE CASCADE)."""
        if self.execute(_DELETE_CITIZEN, {"citizen_id": citizen_id}).rowcount == 0:
            raise NotFound("no such citizen")
        self._tx.erased = True


class SqlDocumentRepository(Repository):
    """Documents on SQL, every lookup scoped by the owner's id."""

    __slots__ = ()

    @translated
    def add(self, document: DocumentRecord) -> None:
        self.insert(DOCUMENTS, document)

    @translated
    def get(self, citizen_id: str, document_id: str) -> DocumentRecord:
        params = {"citizen_id": citizen_id, "document_id": document_id}
        row = self.execute(_GET_DOCUMENT, params).first()
        if row is None:
            raise NotFound("no such document")
        return DocumentRecord(*row)

    @translated
    def list(self, citizen_id: str, doc_type: str | None = None) -> Sequence[DocumentRecord]:
        if doc_type is None:
            result = self.execute(_LIST_DOCUMENTS, {"citizen_id": citizen_id})
        else:
            params = {"citizen_id": citizen_id, "doc_type": doc_type}
            result = self.execute(_LIST_DOCUMENTS_OF_TYPE, params)
        return [DocumentRecord(*row) for row in result]

    @translated
    def page(
        self, citizen_id: str, window: PageWindow, doc_type: str | None = None
    ) -> Sequence[DocumentRecord]:
        statement = select(*_DOCUMENT).where(DOCUMENTS.c.citizen_id == citizen_id)
        if doc_type is not None:
            statement = statement.where(DOCUMENTS.c.doc_type == doc_type)
        return [DocumentRecord(*row) for row in self.execute(keyset_page(statement, DOCUMENTS, window))]

    @translated
    def get_with_owner_key(self, citizen_id: str, document_id: str) -> tuple[DocumentRecord, bytes]:
        params = {"citizen_id": citizen_id, "document_id": document_id}
        row = self.execute(_GET_OWNED, params).first()
        if row is None:
            raise NotFound("no such document")
        return DocumentRecord(*row[:-1]), bytes(row[-1])

    @translated
    def delete(self, citizen_id: str, document_id: str) -> DocumentRecord:
        params = {"citizen_id": citizen_id, "document_id": document_id}
        row = self.execute(_DELETE_DOCUMENT, params).first()
        if row is None:
            raise NotFound("no such document")
        self._tx.erased = True  # its wrapped key must not linger in SQLite's WAL either
        return DocumentRecord(*row)

    @translated
    def delete_all(self, citizen_id: str) -> Sequence[DocumentRecord]:
        result = self.execute(_DELETE_DOCUMENTS, {"citizen_id": citizen_id})
        records = [DocumentRecord(*row) for row in result]
        records.sort(key=lambda record: (record.created_at, record.id))
        return records

    @translated
    def all_blob_keys(self) -> set[str]:
        return set(self.execute(_BLOB_KEYS).scalars())


class SqlReplayGuard(Repository):
    """One-time identifiers on SQL; only a SHA-256 of each ``jti`` is stored."""

    __slots__ = ("_remember",)

    def __init__(self, tx: Transaction, dialect: str) -> None:
        super().__init__(tx)
        self._remember = _REMEMBER[dialect]

    @translated
    def remember(self, scope: str, jti: str, expires_at: dt.datetime, holder: Holder | None = None) -> bool:
        """Race-free across processes: the primary key decides, one INSERT ... ON CONFLICT."""
        if holder is not None and self.execute(*_holder_query(holder)).first() is None:
            return False  # inside this transaction: the holder's row cannot vanish before commit
        digest = hashlib.sha256(jti.encode()).digest()
        params = {"scope": scope, "jti_sha256": digest, "expires_at": expires_at}
        return self.execute(self._remember, params).rowcount == 1

    @translated
    def purge(self, now: dt.datetime) -> int:
        return self.execute(_PURGE, {"now": now}).rowcount


def _holder_query(holder: Holder) -> tuple[Executable, dict[str, object]]:
    if isinstance(holder, AgencyHolder):
        return _AGENCY_ACTIVE, {"holder": holder.agency_id, "at": holder.at}
    return _CITIZEN_HOLDS, {"holder": holder.citizen_id, "jkt": holder.device_jkt}


class SqlSigningKeyRepository(Repository):
    """Service signing keys on SQL."""

    __slots__ = ()

    @translated
    def add(self, key: SigningKeyRecord) -> None:
        self.insert(SIGNING_KEYS, key)

    @translated
    def all(self) -> Sequence[SigningKeyRecord]:
        return [SigningKeyRecord(*row) for row in self.execute(_ALL_KEYS)]

    @translated
    def retire(self, kid: str, at: dt.datetime) -> None:
        params = {"key_id": kid, "retired_at": at}
        if self.execute(_RETIRE_KEY, params).rowcount == 0:
            raise NotFound("no such signing key")


class SqlUnitOfWork:
    """One transaction shared by every repository; rolls back unless committed."""

    def __init__(
        self, engine: Engine, after_erasure: Callable[[], None], lock: threading.Lock | None, readonly: bool
    ) -> None:
        self._tx = tx = Transaction(engine, lock, readonly)
        self._after_erasure = after_erasure
        self.citizens: CitizenRepository = SqlCitizenRepository(tx)
        self.documents: DocumentRepository = SqlDocumentRepository(tx)
        self.replay: ReplayGuard = SqlReplayGuard(tx, engine.dialect.name)
        self.signing_keys: SigningKeyRepository = SqlSigningKeyRepository(tx)
        self.agencies: AgencyRepository = SqlAgencyRepository(tx)
        self.credentials: CredentialRepository = SqlCredentialRepository(tx)
        self.status_lists: StatusListRepository = SqlStatusListRepository(tx)
        self.idempotency: IdempotencyRepository = SqlIdempotencyRepository(tx)
        self.trust_roots: TrustRootRepository = SqlTrustRootRepository(tx)
        self.presentation_refs: PresentationRefRepository = SqlPresentationRefRepository(tx)
        self.consents: ConsentRepository = SqlConsentRepository(tx)
        self.restrictions: RestrictionRepository = SqlRestrictionRepository(tx)
        self.incidents: IncidentRepository = SqlIncidentRepository(tx)
        self.rate_counters: RateCounterRepository = SqlRateCounterRepository(tx)
        self.erasures: ErasureRepository = SqlErasureRepository(tx)
        self.key_epochs: KeyEpochRepository = SqlKeyEpochRepository(tx)
        self.devices: DeviceRepository = SqlDeviceRepository(tx)
        self.pairings: PairingRepository = SqlPairingRepository(tx)
        self.recoveries: RecoveryRepository = SqlRecoveryRepository(tx)
        self.reissues: ReissueRepository = SqlReissueRepository(tx)
        self.mandates: MandateRepository = SqlMandateRepository(tx)
        self.assist: AssistRepository = SqlAssistRepository(tx)
        self.rights_requests: RightsRequestRepository = SqlRightsRequestRepository(tx)

    def __enter__(self) -> SqlUnitOfWork:
        return self

    @translated
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing ends the transaction: whatever was not committed is rolled back.
        self._tx.close()

    def log_store(self) -> LogTransaction:
        """The access logs on this unit of work's connection (``SqlLogStore.within``)."""
        return SqlLogStore(self._tx.engine).within(self._tx.connection())

    @translated
    def commit(self) -> None:
        self._tx.commit()
        if self._tx.erased:
            self._tx.erased = False
            self._after_erasure()


class SqlMetadata:
    """Metadata on SQLite (WAL, shared by worker processes) or PostgreSQL, chosen by URL."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        timeouts: Timeouts | None = None,
        reserve: SpaceReserve | None = None,
        replay_purge: ReplayPurge | None = None,
    ) -> None:
        self._engine = _create_engine(make_url(url), echo, timeouts or Timeouts())
        self._reserve = reserve
        # Expired replay ids go while serving, a bounded batch every so many new ones (per process).
        self._replay_purge = replay_purge or ReplayPurge()
        # SQLite has one writer at a time; PostgreSQL's row locks need no help.
        self._write_lock = threading.Lock() if self._engine.dialect.name == "sqlite" else None
        self._hot_reads = DbapiReads(self._engine)
        self._hot_counters = DbapiCounters(self._engine, self._write_lock)
        self._replay_guard = DbapiReplayGuard(self._engine, self._write_lock, reserve, self._replay_purge)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (health checks, pool metrics)."""
        return self._engine

    def replay_guard(self) -> RequestReplayGuard:
        """The standalone replay guard of the request path (each call commits on its own)."""
        return self._replay_guard  # stateless but for the purge count: one per process

    @translated
    def bulk_add(self, citizens: Sequence[CitizenRecord], documents: Sequence[DocumentRecord]) -> None:
        """Insert many citizens (each with its enrolment device) and documents in one transaction,
        one multi-row statement per table (``wallet dev seed``); a conflict fails the whole batch."""
        with self._write_lock or contextlib.nullcontext(), self._engine.begin() as connection:
            if citizens:
                connection.execute(insert(CITIZENS), [values(c) for c in citizens])
                connection.execute(insert(DEVICES), [values(enrolment_device(c)) for c in citizens])
            if documents:
                connection.execute(insert(DOCUMENTS), [values(d) for d in documents])

    def hot_reads(self) -> HotReads:
        """The request path's one-row reads over DB-API (``storage.sql_hot``)."""
        return self._hot_reads

    def hot_counters(self) -> HotCounters:
        """The rate limiter's counter upsert over DB-API, one statement (``storage.sql_rights``)."""
        return self._hot_counters

    def mandate_act(
        self, mandate_id: str, log_ids: Sequence[str], *, spend: ProofSpend | None = None
    ) -> AbstractContextManager[MandateAct]:
        """An act under a mandate's write transaction (``storage.sql_acts``)."""
        return mandate_act(self._engine, self._write_lock, self._replay_guard, mandate_id, log_ids, spend)

    @property
    def one_statement_acts(self) -> bool:
        """Whether ``mandate_append`` is there (PostgreSQL): an act's append in one round trip."""
        return self._engine.dialect.name == "postgresql"

    def mandate_append(
        self, mandate_id: str, appends: Sequence[LogAppend], roots: Mapping[str, bytes]
    ) -> Literal["appended", "ended", "moved"]:
        """An act's append computed ahead, in one statement (PostgreSQL, ``storage.sql_acts``)."""
        return act_append(self._engine, mandate_id, appends, roots)

    def mandate_read(
        self,
        spend: ProofSpend,
        doc_type: str,
        mandate_id: str,
        appends: Sequence[LogAppend],
        roots: Mapping[str, bytes],
    ) -> tuple[bool, tuple[DocumentRecord, bytes] | None, Literal["appended", "moved", "not"]] | None:
        """A delegate's read and its act in one statement (PostgreSQL, ``storage.sql_acts``)."""
        return read_act(self._engine, self._replay_guard, spend, doc_type, mandate_id, appends, roots)

    def unit_of_work(self, *, readonly: bool = False) -> UnitOfWork:
        return SqlUnitOfWork(self._engine, self._after_erasure, self._write_lock, readonly)

    @translated
    def migrate(self) -> None:
        """Run alembic ``upgrade head`` in one transaction; concurrent callers take turns."""
        with self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _MIGRATION_LOCK})
            # SQLite needs no lock: the transaction began IMMEDIATE.
            command.upgrade(alembic_config(connection), "head")

    def close(self) -> None:
        close_pinned(self._engine)
        close_kept(self._engine)
        self._engine.dispose()

    def _after_erasure(self) -> None:
        """On SQLite, also empty the WAL, whose old frames still hold the erased citizen's key."""
        if self._engine.dialect.name != "sqlite":
            return  # PostgreSQL: dead tuples stay until VACUUM reuses their space
        connection = self._engine.raw_connection()  # outside any transaction, as a checkpoint needs
        try:
            busy, _, _ = connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                log.warning("WAL not emptied after an erasure: other connections were busy")
        except sqlite3.Error:  # the erasure is committed; only the clean-up failed
            log.warning("WAL checkpoint after an erasure failed", exc_info=True)
        finally:
            connection.close()


def alembic_config(connection: Connection) -> Config:
    """An alembic configuration over ``storage/migrations`` bound to ``connection`` (no .ini)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _create_engine(url: URL, echo: bool, timeouts: Timeouts) -> Engine:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, echo, timeouts)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(
            url,
            echo=echo,
            hide_parameters=True,  # keep blind indexes and sealed values out of errors and logs
            # No pre-ping: it costs a round trip per transaction. A connection found dead is
            # reported as Unavailable (503) once, and SQLAlchemy then drops the whole stale pool.
            pool_recycle=1800,
            pool_timeout=timeouts.connect,  # a request waiting for a pooled connection gives up
            connect_args=postgres_connect_args(timeouts, url.query.get("options")),
        )
    raise ValueError(f"unsupported metadata database {backend!r}: use sqlite or postgresql")


def postgres_connect_args(
    timeouts: Timeouts, url_options: str | tuple[str, ...] | None = None
) -> dict[str, Any]:
    """libpq options bounding every wait on the server.

    The server cancels a statement, a lock wait or an idle open transaction past
    ``read``; ``tcp_user_timeout`` and keepalives drop a connection whose peer
    stopped acknowledging (network loss, a dead host). A server process that is
    frozen while its kernel still acknowledges is caught by the HTTP layer's
    overall deadline instead, which no driver option can provide.
    """
    read_ms = timeouts.read_ms
    given = [url_options] if isinstance(url_options, str) else list(url_options or ())
    # The URL's own ``options`` (e.g. a search_path) come first: these would otherwise replace them.
    options = " ".join(
        [
            *given,
            *(
                f"-c {name}={read_ms}"
                for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
            ),
        ]
    )
    keepalive = max(1, round(timeouts.read / 3))
    return {
        "connect_timeout": timeouts.connect_whole_seconds,
        "options": options,
        "keepalives": 1,
        "keepalives_idle": keepalive,
        "keepalives_interval": keepalive,
        "keepalives_count": 3,
        "tcp_user_timeout": read_ms,
    }


def _sqlite_engine(url: URL, echo: bool, timeouts: Timeouts) -> Engine:
    engine = create_engine(url, echo=echo, hide_parameters=True)
    # Another process holding the write lock is waited for at most the read bound.
    busy = f"PRAGMA busy_timeout = {timeouts.read_ms}"
    event.listen(engine, "connect", lambda dbapi, record: _configure_sqlite_connection(dbapi, record, busy))
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any, busy: str) -> None:
    # Turn off pysqlite's own transaction handling so that SQLAlchemy's BEGIN
    # (below) and SAVEPOINTs are the ones that run, and PRAGMAs run outside any.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (busy, *_SQLITE_PRAGMAS):
        cursor.execute(pragma)
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    if connection.get_execution_options().get(READONLY):
        connection.exec_driver_sql("BEGIN")  # a reader never blocks the writer in WAL mode
        return
    # Take the write lock up front, waiting up to busy_timeout for it. A deferred
    # transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another process wrote in between (the busy handler cannot help there), and
    # every request writes (the replay guard), so nothing is lost by this.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


if TYPE_CHECKING:

    def _conforms(metadata: SqlMetadata) -> Metadata:  # mypy checks the adapter against its port
        return metadata
