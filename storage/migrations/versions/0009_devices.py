"""Several devices per citizen: ``devices`` (every device key, revocable) and ``pairings``.

Each existing citizen's enrolment key becomes their first device, with the id
``storage.sql_devices.enrolment_device`` derives (uuid5 of citizen id and key
thumbprint, written out here so the migration never changes with the code).
``citizens.device_jwk`` / ``device_jkt`` stay: the enrolment key, which issued
credentials' ``cnf`` still names until re-issuance exists.

Revision ID: 0009
Revises: 0010 (re-chained at merge)
Create Date: 2026-11-29
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DEVICE_IDS = uuid.UUID("6f1b1c8e-3b0e-4f43-9d55-7c1d2b0c9a11")
_ENROLMENT_NAME = "Thiết bị đăng ký / Enrolment device"
_BATCH = 1000


def _devices() -> sa.Table:
    table = op.create_table(
        "devices",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("jwk", sa.Text(), nullable=False),
        sa.Column("jkt", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("how_added", sa.String(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_devices_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_devices_citizen_id_jkt", "devices", ["citizen_id", "jkt"], unique=True)
    assert table is not None  # create_table returns the Table it made
    return table


def _pairings() -> None:
    op.create_table(
        "pairings",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("code_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.String(), nullable=False),
        sa.Column("jwk", sa.Text(), nullable=False),
        sa.Column("jkt", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=True),
        sa.Column("approver_jkt", sa.String(), nullable=True),
        sa.Column("approval", sa.Text(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_pairings_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pairings_code_sha256", "pairings", ["code_sha256"], unique=True)
    op.create_index("ix_pairings_citizen_id_approver_jkt", "pairings", ["citizen_id", "approver_jkt"])


def _move_enrolment_keys(devices: sa.Table) -> None:
    """Every citizen's enrolment key becomes their first device (in batches: bounded memory)."""
    bind = op.get_bind()
    citizens = sa.table(
        "citizens",
        sa.column("id", sa.String()),
        sa.column("device_jwk", sa.Text()),
        sa.column("device_jkt", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    query = sa.select(citizens.c.id, citizens.c.device_jwk, citizens.c.device_jkt, citizens.c.created_at)
    last = ""
    while True:
        rows = bind.execute(query.where(citizens.c.id > last).order_by(citizens.c.id).limit(_BATCH)).all()
        if not rows:
            return
        bind.execute(
            devices.insert(),
            [
                {
                    "id": str(uuid.uuid5(_DEVICE_IDS, f"{row.id}:{row.device_jkt}")),
                    "citizen_id": row.id,
                    "jwk": row.device_jwk,
                    "jkt": row.device_jkt,
                    "name": _ENROLMENT_NAME,
                    "added_at": row.created_at,
                    "last_used_at": None,
                    "how_added": "enrolment",
                    "revoked_at": None,
                }
                for row in rows
            ],
        )
        last = rows[-1].id


def upgrade() -> None:
    _move_enrolment_keys(_devices())
    _pairings()


def downgrade() -> None:
    op.drop_index("ix_pairings_citizen_id_approver_jkt", table_name="pairings")
    op.drop_index("ix_pairings_code_sha256", table_name="pairings")
    op.drop_table("pairings")
    op.drop_index("ix_devices_citizen_id_jkt", table_name="devices")
    op.drop_table("devices")
