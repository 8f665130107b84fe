"""Agencies, credentials, status lists, idempotency, PDF trust roots; issuance data on documents.

Plain SQLAlchemy types, written by hand after the models (see 0001). Runs on
SQLite (batch mode for the column added to ``documents``) and PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("issuance", sa.Text(), nullable=True))
    op.create_table(
        "agencies",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("doc_types", sa.String(), nullable=False),
        sa.Column("jwks", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("successor_id", sa.String(), nullable=True),
        sa.Column("dissolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("doc_type", sa.String(), nullable=False),
        sa.Column("vct", sa.String(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_dek", sa.LargeBinary(), nullable=False),
        sa.Column("status_list_id", sa.String(), nullable=False),
        sa.Column("status_idx", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_credentials_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credentials_citizen_id_doc_type", "credentials", ["citizen_id", "doc_type"])
    op.create_index("ix_credentials_status", "credentials", ["status_list_id", "status_idx"], unique=True)
    op.create_table(
        "status_lists",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_status_lists_agency_id", "status_lists", ["agency_id"])
    op.create_table(
        "status_allocations",
        sa.Column("status_list_id", sa.String(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("status_list_id", "idx"),
    )
    op.create_table(
        "idempotency",
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("request_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "key"),
    )
    op.create_table(
        "trust_roots",
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )


def downgrade() -> None:
    op.drop_table("trust_roots")
    op.drop_table("idempotency")
    op.drop_table("status_allocations")
    op.drop_index("ix_status_lists_agency_id", table_name="status_lists")
    op.drop_table("status_lists")
    op.drop_index("ix_credentials_status", table_name="credentials")
    op.drop_index("ix_credentials_citizen_id_doc_type", table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("agencies")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("issuance")
