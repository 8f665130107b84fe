"""The status-list contract of tests.unit.storage.test_sql_status_contract.py, on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.test_sql_metadata import database_url  # noqa: F401  (a fresh schema per test)
from tests.unit.storage.test_sql_status_contract import *  # noqa: F403  (the shared contract, collected again here)

pytestmark = pytest.mark.scaled
