"""Presentation references: presentations too big for a QR code, resolved once within minutes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presentation_refs",
        sa.Column("ref_sha256", sa.LargeBinary(), nullable=False),
        sa.Column("citizen_id", sa.String(), nullable=False),
        sa.Column("presentation", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"], ["citizens.id"], name="fk_presentation_refs_citizen_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ref_sha256"),
    )
    op.create_index("ix_presentation_refs_expires_at", "presentation_refs", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_presentation_refs_expires_at", table_name="presentation_refs")
    op.drop_table("presentation_refs")
