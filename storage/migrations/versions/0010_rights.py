"""The citizen's rights: pauses on new consent requests, breach notices and whom they were told to.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "restrictions",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column(
            "citizen_id",
            sa.String(),
            sa.ForeignKey("citizens.id", ondelete="CASCADE", name="fk_restrictions_citizen_id"),
            nullable=False,
        ),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("procedure_code", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_restrictions_citizen_id", "restrictions", ["citizen_id", "lifted_at"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("title_vi", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("detail_vi", sa.Text(), nullable=False),
        sa.Column("detail_en", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "incident_citizens",
        sa.Column(
            "incident_id",
            sa.String(),
            sa.ForeignKey("incidents.id", ondelete="CASCADE", name="fk_incident_citizens_incident_id"),
            primary_key=True,
        ),
        sa.Column(
            "citizen_id",
            sa.String(),
            sa.ForeignKey("citizens.id", ondelete="CASCADE", name="fk_incident_citizens_citizen_id"),
            primary_key=True,
        ),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incident_citizens_citizen_id", "incident_citizens", ["citizen_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_citizens_citizen_id", table_name="incident_citizens")
    op.drop_table("incident_citizens")
    op.drop_table("incidents")
    op.drop_index("ix_restrictions_citizen_id", table_name="restrictions")
    op.drop_table("restrictions")
