"""The app in-process (litestar's TestClient) on a clock the test moves, over either backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import scaled_env
from wallet_api.settings import Settings

BASE = "http://testserver.local"
BACKENDS = ["embedded", pytest.param("scaled", marks=pytest.mark.scaled)]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Embedded settings in ``tmp_path``, or a fresh PostgreSQL database and bucket (``request.param``)."""
    if request.param == "embedded":  # abuse limits off: tests/e2e/test_rate_limits.py turns them on
        return Settings.for_data_dir(tmp_path / "data", public_url=BASE, rate_limits="off")
    env = scaled_env(
        request.getfixturevalue("scaled_database_url"), request.getfixturevalue("scaled_blob_url")
    )
    return Settings.for_data_dir(
        tmp_path / "data",
        database_url=env["WALLET_DATABASE_URL"],
        blob_url=env["WALLET_BLOB_URL"],
        public_url=BASE,  # the in-process client's base URL: DPoP proofs name it
        rate_limits="off",
    )
