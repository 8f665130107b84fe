"""SQLModel tables behind ``storage.sql``; only that module and the migrations use them.

Rows never leave ``storage.sql``: repositories convert them to the frozen
records of ``storage.records``. Every ``datetime`` column is a ``UtcDateTime``:
bound values must be timezone-aware, and values read back are always
timezone-aware UTC, on SQLite (stored as naive UTC text, which sorts and
compares correctly) and on PostgreSQL (``timestamptz``) alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Dialect, ForeignKey, Index, Table, Text, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored as UTC and read back as UTC on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: records carry timezone-aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        # SQLite has no timezone type: keep naive UTC text there so comparisons work.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class CitizenRow(SQLModel, table=True):
    """A row of ``citizens``; see ``storage.records.CitizenRecord``."""

    __tablename__ = "citizens"

    id: str = Field(primary_key=True)
    blind_index: str = Field(unique=True, index=True)
    wrapped_kek: bytes
    national_id_sealed: bytes
    full_name_sealed: bytes
    date_of_birth_sealed: bytes
    device_jwk: str = Field(sa_type=Text)
    device_jkt: str
    created_at: dt.datetime = Field(sa_type=UtcDateTime)


class DocumentRow(SQLModel, table=True):
    """A row of ``documents``; see ``storage.records.DocumentRecord``."""

    __tablename__ = "documents"
    # Serves lookups by citizen (leftmost prefix), by citizen and type, and the
    # cascade from citizens; a separate citizen_id index would only cost writes.
    __table_args__ = (
        Index("ix_documents_citizen_id_doc_type", "citizen_id", "doc_type"),
        Index("ix_documents_page", "citizen_id", "created_at", "id"),
        Index("ix_documents_page_of_type", "citizen_id", "doc_type", "created_at", "id"),
    )

    id: str = Field(primary_key=True)
    citizen_id: str = Field(
        sa_column_args=[ForeignKey("citizens.id", ondelete="CASCADE", name="fk_documents_citizen_id")]
    )
    version: int
    doc_type: str
    provenance: str
    content_type: str
    size: int = Field(sa_type=BigInteger)
    wrapped_dek: bytes
    blob_key: str
    filename_sealed: bytes
    created_at: dt.datetime = Field(sa_type=UtcDateTime)
    issuance: str | None = Field(default=None, sa_type=Text)  # JSON: issuer, number, signature evidence


class ReplayRow(SQLModel, table=True):
    """A row of ``replay``: a one-time identifier, kept as a SHA-256 digest until it expires."""

    __tablename__ = "replay"

    scope: str = Field(primary_key=True)
    jti_sha256: bytes = Field(primary_key=True)
    expires_at: dt.datetime = Field(sa_type=UtcDateTime, index=True)


class SigningKeyRow(SQLModel, table=True):
    """A row of ``signing_keys``; see ``storage.records.SigningKeyRecord``."""

    __tablename__ = "signing_keys"
    # At most one row with ``retired_at IS NULL`` (the key every rotation adds): migration 0016's
    # unique partial index keeps it across nodes (two nodes racing their first start).
    __table_args__ = (
        Index(
            "ux_signing_keys_one_current",
            text("(retired_at IS NULL)"),
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    kid: str = Field(primary_key=True)
    wrapped_private: bytes
    created_at: dt.datetime = Field(sa_type=UtcDateTime)
    retired_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)


class AgencyRow(SQLModel, table=True):
    """A row of ``agencies``; see ``storage.records.AgencyRecord``."""

    __tablename__ = "agencies"

    id: str = Field(primary_key=True)
    display_name: str
    roles: str  # space-separated
    doc_types: str  # space-separated: what an issuer may issue
    jwks: str = Field(sa_type=Text)
    valid_from: dt.datetime = Field(sa_type=UtcDateTime)
    valid_until: dt.datetime = Field(sa_type=UtcDateTime)
    successor_id: str | None = Field(default=None)
    dissolved_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: dt.datetime = Field(sa_type=UtcDateTime)


class CredentialRow(SQLModel, table=True):
    """A row of ``credentials``; see ``storage.records.CredentialRecord``."""

    __tablename__ = "credentials"
    __table_args__ = (
        Index("ix_credentials_citizen_id_doc_type", "citizen_id", "doc_type"),
        Index("ix_credentials_status", "status_list_id", "status_idx", unique=True),
        Index("ix_credentials_jwt_sha256", "jwt_sha256", unique=True),
        Index("ix_credentials_page", "citizen_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True)
    citizen_id: str = Field(
        sa_column_args=[ForeignKey("citizens.id", ondelete="CASCADE", name="fk_credentials_citizen_id")]
    )
    agency_id: str
    doc_type: str
    vct: str
    sealed: bytes  # the SD-JWT, sealed under a data key
    wrapped_dek: bytes
    status_list_id: str
    status_idx: int
    issued_at: dt.datetime = Field(sa_type=UtcDateTime)
    expires_at: dt.datetime = Field(sa_type=UtcDateTime)
    created_at: dt.datetime = Field(sa_type=UtcDateTime)
    jwt_sha256: bytes | None = None  # what online verifiers ask: did the service register it?


class StatusListRow(SQLModel, table=True):
    """A row of ``status_lists``: 2 bits per credential (IETF Token Status List)."""

    __tablename__ = "status_lists"

    id: str = Field(primary_key=True)
    agency_id: str = Field(index=True)
    size: int  # entries in the list (random indexes are handed out; the rest are decoys)
    bits: bytes
    updated_at: dt.datetime = Field(sa_type=UtcDateTime)


class StatusAllocationRow(SQLModel, table=True):
    """A row of ``status_allocations``: an index handed to an issuer, used by at most one credential."""

    __tablename__ = "status_allocations"

    status_list_id: str = Field(primary_key=True)
    idx: int = Field(primary_key=True)
    agency_id: str
    used: bool = False
    created_at: dt.datetime = Field(sa_type=UtcDateTime)


class IdempotencyRow(SQLModel, table=True):
    """A row of ``idempotency``: what an agency request with an ``Idempotency-Key`` produced."""

    __tablename__ = "idempotency"

    agency_id: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_sha256: bytes
    response: str = Field(sa_type=Text)
    created_at: dt.datetime = Field(sa_type=UtcDateTime)


class TrustRootRow(SQLModel, table=True):
    """A row of ``trust_roots``: a root certificate for signed PDFs."""

    __tablename__ = "trust_roots"

    fingerprint: str = Field(primary_key=True)
    label: str
    pem: str = Field(sa_type=Text)
    created_at: dt.datetime = Field(sa_type=UtcDateTime)


class PresentationRefRow(SQLModel, table=True):
    """A row of ``presentation_refs``: a presentation too big for a QR code, resolvable once, briefly."""

    __tablename__ = "presentation_refs"

    ref_sha256: bytes = Field(primary_key=True)  # the reference itself is a bearer secret: stored hashed
    citizen_id: str = Field(
        sa_column_args=[ForeignKey("citizens.id", ondelete="CASCADE", name="fk_presentation_refs_citizen_id")]
    )
    presentation: str = Field(sa_type=Text)
    expires_at: dt.datetime = Field(sa_type=UtcDateTime, index=True)
    used: bool = False


class ConsentRow(SQLModel, table=True):
    """A row of ``consents``; see ``storage.records.ConsentRecord``."""

    __tablename__ = "consents"
    __table_args__ = (
        Index("ix_consents_citizen_id_status", "citizen_id", "status"),
        Index("ix_consents_page", "citizen_id", "created_at", "id"),
        Index("ix_consents_agency_id_procedure_code", "agency_id", "procedure_code"),
    )

    id: str = Field(primary_key=True)
    citizen_id: str = Field(
        sa_column_args=[ForeignKey("citizens.id", ondelete="CASCADE", name="fk_consents_citizen_id")]
    )
    agency_id: str
    procedure_code: str
    case_number: str
    purpose: str = Field(sa_type=Text)
    items: str = Field(sa_type=Text)  # JSON: the requested items
    status: str
    max_uses: int
    uses: int
    retention_days: int
    created_at: dt.datetime = Field(sa_type=UtcDateTime)
    valid_until: dt.datetime = Field(sa_type=UtcDateTime)
    approved: str | None = Field(default=None, sa_type=Text)  # JSON: the approved items
    decision: str | None = Field(default=None, sa_type=Text)  # the device-signed JWS
    device_jkt: str | None = None
    decided_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)


class ConsentPullRow(SQLModel, table=True):
    """A row of ``consent_pulls``: one use of a consent (reuse statistics)."""

    __tablename__ = "consent_pulls"
    __table_args__ = (Index("ix_consent_pulls_citizen_id", "citizen_id"),)

    consent_id: str = Field(
        primary_key=True,
        sa_column_args=[ForeignKey("consents.id", ondelete="CASCADE", name="fk_consent_pulls_consent_id")],
    )
    use_no: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    citizen_id: str
    agency_id: str
    procedure_code: str
    resource_kind: str
    resource_type: str
    resource_id: str
    served_at: dt.datetime = Field(sa_type=UtcDateTime)


class RestrictionRow(SQLModel, table=True):
    """A row of ``restrictions``; see ``storage.records.RestrictionRecord``."""

    __tablename__ = "restrictions"
    __table_args__ = (Index("ix_restrictions_citizen_id", "citizen_id", "lifted_at"),)

    id: str = Field(primary_key=True)
    citizen_id: str = Field(
        sa_column_args=[ForeignKey("citizens.id", ondelete="CASCADE", name="fk_restrictions_citizen_id")]
    )
    agency_id: str | None = None
    procedure_code: str | None = None
    created_at: dt.datetime = Field(sa_type=UtcDateTime)
    lifted_at: dt.datetime | None = Field(default=None, sa_type=UtcDateTime)


class IncidentRow(SQLModel, table=True):
    """A row of ``incidents``; see ``storage.records.IncidentRecord``."""

    __tablename__ = "incidents"

    id: str = Field(primary_key=True)
    title_vi: str = Field(sa_type=Text)
    title_en: str = Field(sa_type=Text)
    detail_vi: str = Field(sa_type=Text)
    detail_en: str = Field(sa_type=Text)
    occurred_at: dt.datetime = Field(sa_type=UtcDateTime)
    recorded_at: dt.datetime = Field(sa_type=UtcDateTime)


class IncidentCitizenRow(SQLModel, table=True):
    """A row of ``incident_citizens``: an incident told to one affected citizen."""

    __tablename__ = "incident_citizens"
    __table_args__ = (Index("ix_incident_citizens_citizen_id", "citizen_id"),)

    incident_id: str = Field(
        primary_key=True,
        sa_column_args=[
            ForeignKey("incidents.id", ondelete="CASCADE", name="fk_incident_citizens_incident_id")
        ],
    )
    citizen_id: str = Field(
        primary_key=True,
        sa_column_args=[
            ForeignKey("citizens.id", ondelete="CASCADE", name="fk_incident_citizens_citizen_id")
        ],
    )
    notified_at: dt.datetime = Field(sa_type=UtcDateTime)


class RateCounterRow(SQLModel, table=True):
    """A row of ``rate_counters``: calls of one kind by one (hashed) caller in one window."""

    __tablename__ = "rate_counters"
    __table_args__ = (Index("ix_rate_counters_window_start", "window_start"),)

    bucket: str = Field(primary_key=True)
    window_start: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    hits: int


# Typed handles on the Core tables (SQLModel does not declare ``__table__``).
class ErasureRow(SQLModel, table=True):
    """A row of ``erasures``; see ``storage.records.ErasureRecord`` (no personal data)."""

    __tablename__ = "erasures"

    id: str = Field(primary_key=True)  # opaque, random: links to nothing else stored
    kind: str  # "account" or "document"
    erased_at: dt.datetime = Field(sa_type=UtcDateTime, index=True)
    master_version: int  # the newest master-key version when it was erased


CITIZENS: Table = SQLModel.metadata.tables["citizens"]
DOCUMENTS: Table = SQLModel.metadata.tables["documents"]
REPLAY: Table = SQLModel.metadata.tables["replay"]
SIGNING_KEYS: Table = SQLModel.metadata.tables["signing_keys"]
AGENCIES: Table = SQLModel.metadata.tables["agencies"]
CREDENTIALS: Table = SQLModel.metadata.tables["credentials"]
STATUS_LISTS: Table = SQLModel.metadata.tables["status_lists"]
STATUS_ALLOCATIONS: Table = SQLModel.metadata.tables["status_allocations"]
IDEMPOTENCY: Table = SQLModel.metadata.tables["idempotency"]
TRUST_ROOTS: Table = SQLModel.metadata.tables["trust_roots"]
PRESENTATION_REFS: Table = SQLModel.metadata.tables["presentation_refs"]
CONSENTS: Table = SQLModel.metadata.tables["consents"]
CONSENT_PULLS: Table = SQLModel.metadata.tables["consent_pulls"]
RESTRICTIONS: Table = SQLModel.metadata.tables["restrictions"]
INCIDENTS: Table = SQLModel.metadata.tables["incidents"]
INCIDENT_CITIZENS: Table = SQLModel.metadata.tables["incident_citizens"]
RATE_COUNTERS: Table = SQLModel.metadata.tables["rate_counters"]
ERASURES: Table = SQLModel.metadata.tables["erasures"]
TABLE_NAMES = frozenset(
    {
        "citizens",
        "documents",
        "replay",
        "signing_keys",
        "agencies",
        "credentials",
        "status_lists",
        "status_allocations",
        "idempotency",
        "trust_roots",
        "presentation_refs",
        "consents",
        "consent_pulls",
        "restrictions",
        "incidents",
        "incident_citizens",
        "rate_counters",
        "erasures",
        "log_heads",  # storage.log_tables (registered on the same MetaData by ``storage``'s facade)
        "log_entries",
        "log_nodes",
        "devices",  # storage.device_tables (registered the same way)
        "pairings",
        "recovery_nonces",  # storage.recovery_tables (registered the same way)
        "recoveries",
        "recovery_codes",
        "reissues",
        "mandates",  # storage.mandate_tables (registered the same way)
        "assist_cards",
        "visits",
        "rights_requests",  # storage.rights_tables (registered the same way)
    }
)
