"""The SQL metadata contract against a real PostgreSQL, one fresh schema per test.

The test bodies are those of ``tests/unit/storage/test_sql_contract.py``
(imported below, so pytest collects them here as well); only ``database_url``
changes. PostgreSQL-only behaviour follows them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.sql import SqlMetadata
from storage.tables import TABLE_NAMES
from tests.unit.storage.test_sql_contract import *  # noqa: F403  (the shared contract, collected again here)
from tests.unit.storage.test_sql_contract import citizen, store

pytestmark = pytest.mark.scaled


@pytest.fixture
def database_url(scaled_database_url: str) -> Iterator[str]:
    """``scaled_database_url`` with ``search_path`` set to a schema of this test's own."""
    schema = f"test_{uuid.uuid4().hex}"
    admin = SqlMetadata(scaled_database_url)
    with admin.engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(scaled_database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.close()


def test_the_tables_live_in_the_test_schema(metadata: SqlMetadata) -> None:
    with metadata.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
        ).scalars()
        assert set(tables) == {"alembic_version", *TABLE_NAMES}


def test_datetimes_are_stored_as_timestamptz(metadata: SqlMetadata) -> None:
    store(metadata, citizen(1))
    with metadata.engine.connect() as connection:
        kind = connection.execute(
            text("SELECT pg_typeof(created_at)::text FROM citizens LIMIT 1")
        ).scalar_one()
    assert kind == "timestamp with time zone"
