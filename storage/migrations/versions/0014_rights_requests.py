"""The citizen's requests to agencies: deletion of what an agency pulled, correction of a credential.

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rights_requests",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column(
            "citizen_id",
            sa.String(),
            sa.ForeignKey("citizens.id", ondelete="CASCADE", name="fk_rights_requests_citizen_id"),
            nullable=False,
        ),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("consent_id", sa.String(), nullable=True),
        sa.Column("credential_id", sa.String(), nullable=True),
        sa.Column("claim", sa.String(), nullable=True),
        sa.Column("proposed", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_rights_requests_citizen_id", "rights_requests", ["citizen_id", "kind"])
    op.create_index("ix_rights_requests_agency_open", "rights_requests", ["agency_id", "kind", "status"])
    op.create_index("ix_rights_requests_status_due", "rights_requests", ["status", "due_at"])
    op.create_index(
        "ix_rights_requests_kind_consent", "rights_requests", ["kind", "consent_id"], unique=True
    )


def downgrade() -> None:
    for name in (
        "ix_rights_requests_kind_consent",
        "ix_rights_requests_status_due",
        "ix_rights_requests_agency_open",
        "ix_rights_requests_citizen_id",
    ):
        op.drop_index(name, table_name="rights_requests")
    op.drop_table("rights_requests")
