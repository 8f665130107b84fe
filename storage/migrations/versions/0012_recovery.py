"""Wallet recovery and credential re-issuance: ``recovery_nonces``, ``recoveries``,
``recovery_codes`` (dev mode, slow hashes only) and ``reissues`` (the issuers' queue).

Revision ID: 0012
Revises: 0011 (re-chained at merge)
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _citizen_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["citizen_id"], ["citizens.id"], name=f"fk_{table}_citizen_id", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "recovery_nonces",
        sa.Column("nonce_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("blind_index", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce_sha256"),
    )
    op.create_index("ix_recovery_nonces_expires_at", "recovery_nonces", ["expires_at"])
    op.create_table(
        "recoveries",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("jwk", sa.Text(), nullable=False),
        sa.Column("jkt", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("assurance", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.Column("open_citizen", sa.String(), nullable=True),
        _citizen_fk("recoveries"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_recoveries_open_citizen", "recoveries", ["open_citizen"], unique=True)
    op.create_index("ix_recoveries_citizen_id", "recoveries", ["citizen_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _citizen_fk("recovery_codes"),
        sa.PrimaryKeyConstraint("citizen_id"),
    )
    op.create_table(
        "reissues",
        sa.Column("credential_id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("old_jkt", sa.String(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_credential_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_reissues_credential_id", ondelete="CASCADE"
        ),
        _citizen_fk("reissues"),
        sa.PrimaryKeyConstraint("credential_id"),
    )
    op.create_index("ix_reissues_agency_id_done_at", "reissues", ["agency_id", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_reissues_agency_id_done_at", table_name="reissues")
    op.drop_table("reissues")
    op.drop_table("recovery_codes")
    op.drop_index("ix_recoveries_citizen_id", table_name="recoveries")
    op.drop_index("ix_recoveries_open_citizen", table_name="recoveries")
    op.drop_table("recoveries")
    op.drop_index("ix_recovery_nonces_expires_at", table_name="recovery_nonces")
    op.drop_table("recovery_nonces")
