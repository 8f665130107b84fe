"""Core tables of a citizen's devices and pending pairings, on the MetaData of ``storage.tables``.

* ``devices``: every device key a citizen holds or held: its public JWK and
  RFC 7638 thumbprint, the name the citizen gave it, when and how it was added
  (``enrolment`` or ``pairing``), when it was last used to log in, and when it
  was revoked (``NULL`` while it counts). One key is one device per citizen.
* ``pairings``: a new device's request to join a wallet, found by the SHA-256
  of its short code (the code itself is a bearer secret for five minutes), with
  the one-time nonce the approving device signs; it names the citizen and the
  approving device's key once that device has been shown it.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, MetaData, String, Table, Text

from storage.tables import CITIZENS, UtcDateTime

__all__ = ["DEVICES", "DEVICE_TABLES", "PAIRINGS", "metadata"]

metadata: MetaData = CITIZENS.metadata

DEVICES = Table(
    "devices",
    metadata,
    Column("id", String, primary_key=True),
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_devices_citizen_id"),
        nullable=False,
    ),
    Column("jwk", Text, nullable=False),
    Column("jkt", String, nullable=False),
    Column("name", String, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("how_added", String, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # Serves the per-request holder check (citizen, key) and the list of a citizen's devices.
    Index("ix_devices_citizen_id_jkt", "citizen_id", "jkt", unique=True),
)

PAIRINGS = Table(
    "pairings",
    metadata,
    Column("id", String, primary_key=True),
    Column("code_sha256", LargeBinary, nullable=False),
    Column("nonce", String, nullable=False),
    Column("jwk", Text, nullable=False),
    Column("jkt", String, nullable=False),
    Column("name", String, nullable=False),
    Column("status", String, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column(
        "citizen_id",
        String,
        ForeignKey("citizens.id", ondelete="CASCADE", name="fk_pairings_citizen_id"),
        nullable=True,
    ),
    Column("approver_jkt", String, nullable=True),
    Column("approval", Text, nullable=True),
    Column("device_id", String, nullable=True),
    Index("ix_pairings_code_sha256", "code_sha256", unique=True),
    Index("ix_pairings_citizen_id_approver_jkt", "citizen_id", "approver_jkt"),
)

DEVICE_TABLES = (DEVICES, PAIRINGS)
