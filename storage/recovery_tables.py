"""Tables of wallet recovery and credential re-issuance, on the MetaData of ``storage.tables``.

* ``recovery_nonces``: a nonce the wallet handed out for one CCCD (kept as its blind index),
  found by the nonce's SHA-256, spent once by the recovery it starts, alive ten minutes.
* ``recoveries``: a started recovery: the new device's key and name, how the citizen proved who
  they are (an ``idp`` agency's assertion or, in dev mode, a recovery code), when it completes
  unless a device still held cancels it. ``open_citizen`` holds the citizen's id while it is
  pending and ``NULL`` after: its unique index lets one recovery per citizen be pending.
* ``recovery_codes``: the dev-mode recovery code of a citizen, only as a slow (scrypt) hash,
  with the run of wrong tries and the lock-out they caused.
* ``reissues``: the re-issuance queue: a credential whose ``cnf`` names a key the citizen no
  longer holds, for its issuer to re-issue; done once the new credential is stored.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

from storage.tables import CITIZENS, UtcDateTime

__all__ = ["RECOVERIES", "RECOVERY_CODES", "RECOVERY_NONCES", "RECOVERY_TABLES", "REISSUES", "metadata"]

metadata: MetaData = CITIZENS.metadata


def _citizen(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name=f"fk_{name}_citizen_id"),
        nullable=nullable,
    )


RECOVERY_NONCES = Table(
    "recovery_nonces",
    metadata,
    Column("nonce_sha256", LargeBinary, primary_key=True),
    Column("blind_index", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Index("ix_recovery_nonces_expires_at", "expires_at"),
)

RECOVERIES = Table(
    "recoveries",
    metadata,
    Column("id", String, primary_key=True),
    _citizen("recoveries"),
    Column("jwk", Text, nullable=False),
    Column("jkt", String, nullable=False),
    Column("name", String, nullable=False),
    Column("method", String, nullable=False),
    Column("agency_id", String, nullable=True),
    Column("assurance", String, nullable=True),
    Column("status", String, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("completes_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("ended_by", String, nullable=True),
    Column("device_id", String, nullable=True),
    Column("open_citizen", String, nullable=True),
    Index("ix_recoveries_open_citizen", "open_citizen", unique=True),
    Index("ix_recoveries_citizen_id", "citizen_id"),
)

RECOVERY_CODES = Table(
    "recovery_codes",
    metadata,
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_recovery_codes_citizen_id"),
        primary_key=True,
    ),
    Column("code_hash", LargeBinary, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

REISSUES = Table(
    "reissues",
    metadata,
    Column(
        "credential_id",
        String,
        ForeignKey("credentials.id", ondelete="CASCADE", name="fk_reissues_credential_id"),
        primary_key=True,
    ),
    _citizen("reissues"),
    Column("agency_id", String, nullable=False),
    Column("old_jkt", String, nullable=False),
    Column("queued_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime, nullable=True),
    Column("new_credential_id", String, nullable=True),
    Index("ix_reissues_agency_id_done_at", "agency_id", "done_at"),
)

RECOVERY_TABLES = (RECOVERY_NONCES, RECOVERIES, RECOVERY_CODES, REISSUES)
