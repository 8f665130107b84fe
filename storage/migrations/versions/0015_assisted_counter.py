"""The assisted route at the counter: consents answered in a visit, and the purge of old visits.

Issue 11 item 7 (assisted enrolment, consents at the counter, card rotation, visit purge):
``visits.consents`` holds the JSON list of the consent ids the citizen answered with the PIN in
the visit (``NULL``: none); ``ix_visits_expires_at`` serves ``wallet collect``'s bounded purge of
visits past their retention.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("visits", sa.Column("consents", sa.Text(), nullable=True))
    op.create_index("ix_visits_expires_at", "visits", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_expires_at", table_name="visits")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("consents")
