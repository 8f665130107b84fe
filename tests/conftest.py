"""Fixtures shared by every test layer: embedded and scaled backend URLs.

The scaled backends (PostgreSQL, SeaweedFS S3) are started by
``scripts/test.sh`` through ``scripts/services.sh``, which exports
``WALLET_TEST_DATABASE_URL`` and ``WALLET_TEST_BLOB_URL``. Without them the
scaled fixtures skip, unless ``WALLET_REQUIRE_SCALED=1`` (set by
``scripts/test.sh``, hence CI): then they fail, so the real engines are never
skipped silently.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

DATABASE_URL_ENV = "WALLET_TEST_DATABASE_URL"
BLOB_URL_ENV = "WALLET_TEST_BLOB_URL"
REQUIRE_SCALED_ENV = "WALLET_REQUIRE_SCALED"


def _scaled_url(variable: str) -> str:
    url = os.environ.get(variable, "")
    if url:
        return url
    reason = f"{variable} is not set (scripts/test.sh starts the real engines and sets it)"
    if os.environ.get(REQUIRE_SCALED_ENV) == "1":
        pytest.fail(f"{reason}; {REQUIRE_SCALED_ENV}=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


def unique_prefix(label: str = "t") -> str:
    """A key prefix no other test (nor xdist worker) uses: ``<label>/<worker>/<random>/``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{label}/{worker}/{uuid.uuid4().hex}/"


def blob_url_with_prefix(url: str, prefix: str) -> str:
    """``url`` (an ``s3://`` blob URL) rooted at ``prefix``: the store sees only its own keys."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != "prefix"]
    query.append(("prefix", prefix))
    return urlunsplit(parts._replace(query=urlencode(query, safe=":/")))


@pytest.fixture
def blob_url_embedded(tmp_path: Path) -> str:
    """A ``file:///`` blob URL in the test's own temporary directory."""
    return (tmp_path / "blobs").as_uri()


@pytest.fixture(scope="session")
def scaled_database_url() -> str:
    """The PostgreSQL URL (``postgresql+psycopg://``) of the test services."""
    return _scaled_url(DATABASE_URL_ENV)


@pytest.fixture(scope="session")
def scaled_blob_url() -> str:
    """The SeaweedFS ``s3://`` URL of the test services (one bucket shared by all tests)."""
    return _scaled_url(BLOB_URL_ENV)


@pytest.fixture
def scaled_blob_url_isolated(scaled_blob_url: str) -> str:
    """The shared bucket's URL rooted at a prefix of this test's own (listing, collection)."""
    return blob_url_with_prefix(scaled_blob_url, unique_prefix())
