"""Mandates and the assisted route: one citizen acting for another; wallet cards, PINs, visits.

Issue 11 items 6 and 7.

Revision ID: 0013
Revises: 0011 (re-chained at merge)
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mandates",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("represented_id", sa.String(), nullable=False),
        sa.Column("delegate_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("basis", sa.String(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["represented_id"], ["citizens.id"], name="fk_mandates_represented_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["citizens.id"], name="fk_mandates_delegate_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mandates_represented_id", "mandates", ["represented_id"])
    op.create_index("ix_mandates_delegate_id", "mandates", ["delegate_id"])
    _assisted()


def _assisted() -> None:
    op.create_table(
        "assist_cards",
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("card_id", sa.String(), nullable=False),
        sa.Column("pin_hash", sa.LargeBinary(), nullable=True),
        sa.Column("pin_salt", sa.LargeBinary(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_assist_cards_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("citizen_id"),
    )
    op.create_index("ix_assist_cards_card_id", "assist_cards", ["card_id"], unique=True)
    op.create_table(
        "visits",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name="fk_visits_citizen_id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visits_citizen_id", "visits", ["citizen_id"])


def downgrade() -> None:
    op.drop_index("ix_visits_citizen_id", table_name="visits")
    op.drop_table("visits")
    op.drop_index("ix_assist_cards_card_id", table_name="assist_cards")
    op.drop_table("assist_cards")
    op.drop_index("ix_mandates_delegate_id", table_name="mandates")
    op.drop_index("ix_mandates_represented_id", table_name="mandates")
    op.drop_table("mandates")
