"""Consents and their uses; the per-citizen access log (Merkle tree: heads, entries, perfect subtrees).

Plain SQLAlchemy types, written by hand after ``storage.tables`` (consents,
consent_pulls) and ``storage.log_tables`` (log_heads, log_entries, log_nodes).
The two big log tables are ``WITHOUT ROWID`` on SQLite, as the models say.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _consents() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("procedure_code", sa.String(), nullable=False),
        sa.Column("case_number", sa.String(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved", sa.Text(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("device_jkt", sa.String(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_consents_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consents_citizen_id_status", "consents", ["citizen_id", "status"])
    op.create_index("ix_consents_agency_id_procedure_code", "consents", ["agency_id", "procedure_code"])
    op.create_table(
        "consent_pulls",
        sa.Column("consent_id", sa.String(), nullable=False),
        sa.Column("use_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("procedure_code", sa.String(), nullable=False),
        sa.Column("resource_kind", sa.String(), nullable=False),
        sa.Column("resource_type", sa.String(), nullable=False),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name="fk_consent_pulls_consent_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("consent_id", "use_no"),
    )
    op.create_index("ix_consent_pulls_citizen_id", "consent_pulls", ["citizen_id"])


def _access_log() -> None:
    op.create_table(
        "log_heads",
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id"),
    )
    op.create_table(
        "log_entries",
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", "idx"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "log_nodes",
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("citizen_id", "level", "idx"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    _consents()
    _access_log()


def downgrade() -> None:
    for table in ("log_nodes", "log_entries", "log_heads"):
        op.drop_table(table)
    op.drop_index("ix_consent_pulls_citizen_id", table_name="consent_pulls")
    op.drop_table("consent_pulls")
    op.drop_index("ix_consents_agency_id_procedure_code", table_name="consents")
    op.drop_index("ix_consents_citizen_id_status", table_name="consents")
    op.drop_table("consents")
