"""At most one current service signing key: two nodes racing their very first start cannot both add one.

Every rotation retires the keys before it (``retired_at`` set) and adds one with none, so a database
holds one row with ``retired_at IS NULL``: this unique partial index makes that a rule the database
keeps across nodes (the later of two racing first starts fails, re-reads, and uses the other's key).
Duplicates an earlier race may have left are retired first, at the newest one's start, as a rotation
without overlap would have done.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEWEST_CURRENT = (
    "SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC LIMIT 1"
)


def upgrade() -> None:
    op.execute(
        "UPDATE signing_keys SET retired_at = (SELECT max(created_at) FROM signing_keys)"
        f" WHERE retired_at IS NULL AND kid <> ({_NEWEST_CURRENT})"  # noqa: S608  # constants only
    )
    # Both dialects: an index on an expression, partial; every row it holds has the same value.
    op.execute(
        "CREATE UNIQUE INDEX ux_signing_keys_one_current ON signing_keys ((retired_at IS NULL))"
        " WHERE retired_at IS NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ux_signing_keys_one_current")
