"""The deadline settings: read from WALLET_* variables, validated, and handed to the adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.sql import postgres_connect_args
from wallet_api.errors import ConfigError
from wallet_api.settings import Settings


def test_defaults_answer_a_phone_within_ten_seconds(tmp_path: Path) -> None:
    settings = Settings.from_env({"WALLET_DATA_DIR": str(tmp_path)})
    assert settings.deadline_seconds + 2 <= 10
    assert settings.connect_timeout_seconds <= settings.deadline_seconds
    assert settings.read_timeout_seconds <= settings.deadline_seconds


def test_variables_are_read_and_round_trip(tmp_path: Path) -> None:
    env = {
        "WALLET_DATA_DIR": str(tmp_path),
        "WALLET_CONNECT_TIMEOUT_SECONDS": "1.5",
        "WALLET_READ_TIMEOUT_SECONDS": "2",
        "WALLET_DEADLINE_SECONDS": "3",
        "WALLET_BLOB_CONCURRENCY": "4",
        "WALLET_MAX_UPLOAD_SECONDS": "60",
    }
    settings = Settings.from_env(env)
    assert settings.timeouts.connect == 1.5 and settings.timeouts.read == 2
    assert (settings.deadline_seconds, settings.blob_concurrency, settings.max_upload_seconds) == (3, 4, 60)
    assert Settings.from_env(settings.as_env()) == settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WALLET_DEADLINE_SECONDS", "0"),
        ("WALLET_DEADLINE_SECONDS", "nan"),
        ("WALLET_DEADLINE_SECONDS", "soon"),
        ("WALLET_READ_TIMEOUT_SECONDS", "20"),  # longer than the deadline
        ("WALLET_CONNECT_TIMEOUT_SECONDS", "-1"),
        ("WALLET_BLOB_CONCURRENCY", "0"),
        ("WALLET_MAX_UPLOAD_SECONDS", "0"),
    ],
)
def test_values_that_cannot_work_are_refused_at_start(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env({"WALLET_DATA_DIR": str(tmp_path), name: value})


def test_postgresql_gets_every_bound_and_keeps_the_urls_options() -> None:
    settings = Settings.for_data_dir(Path("/tmp/x"), connect_timeout_seconds=1.0, read_timeout_seconds=2.5)
    args = postgres_connect_args(settings.timeouts, "-csearch_path=mine")
    assert args["connect_timeout"] == 2  # libpq's minimum
    assert args["tcp_user_timeout"] == 2500 and args["keepalives"] == 1
    assert args["options"].startswith("-csearch_path=mine ")
    for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"):
        assert f"-c {name}=2500" in args["options"]
