"""Alembic environment: migrates the connection that ``storage.sql.alembic_config`` carries.

There is no alembic.ini. To write a new revision, autogenerate it against a
database at head, then review it (it must run on SQLite and PostgreSQL)::

    from alembic import command
    from storage.sql import SqlMetadata, alembic_config

    metadata = SqlMetadata("sqlite:////tmp/head.db")
    metadata.migrate()
    with metadata.engine.begin() as connection:
        command.revision(alembic_config(connection), "what changed", autogenerate=True)
"""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported")

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying tables
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
