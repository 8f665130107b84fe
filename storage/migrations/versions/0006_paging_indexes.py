"""Paging indexes: every list is read one keyset page at a time, newest first.

``(owner, created_at, id)`` serves ``WHERE owner = ? AND (created_at, id) < (?, ?) ORDER BY
created_at DESC, id DESC LIMIT n`` at the same cost for a citizen with ten documents or ten
thousand; documents also by type.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_documents_page", "documents", ["citizen_id", "created_at", "id"]),
    ("ix_documents_page_of_type", "documents", ["citizen_id", "doc_type", "created_at", "id"]),
    ("ix_credentials_page", "credentials", ["citizen_id", "created_at", "id"]),
    ("ix_consents_page", "consents", ["citizen_id", "created_at", "id"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
