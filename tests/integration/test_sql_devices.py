"""The devices and pairings contract of tests/unit/storage/test_sql_devices_contract.py, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.test_sql_metadata import database_url as postgresql_schema
from tests.unit.storage.test_sql_devices_contract import *  # noqa: F403  (the shared contract, collected again here)

pytestmark = pytest.mark.scaled
database_url = postgresql_schema  # after the star import: a fresh PostgreSQL schema per test


def test_it_runs_on_postgresql(metadata: SqlMetadata) -> None:  # noqa: F405  (from the contract)
    assert metadata.engine.dialect.name == "postgresql"
