"""Credential digests: online verifiers refuse a credential the service never registered.

A dissolved agency's key that still signs can backdate ``iat`` and reuse a status index; the
SHA-256 of every issuer-signed JWT the wallet accepted lets ``POST /v1/verify`` refuse anything
else. Rows stored before this revision keep NULL and are recognised by their status entry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("jwt_sha256", sa.LargeBinary(), nullable=True))
    op.create_index("ix_credentials_jwt_sha256", "credentials", ["jwt_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_credentials_jwt_sha256", table_name="credentials")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("jwt_sha256")
