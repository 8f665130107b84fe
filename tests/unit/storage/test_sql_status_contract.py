"""Status lists on SQL (SQLite here; tests/integration/test_sql_status_lists.py reruns them on
PostgreSQL): random indexes among decoys, claims, registered credentials, parked presentations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.errors import NotFound
from storage.records import AgencyRecord
from storage.sql import SqlMetadata
from storage.sql_issuance import MIN_STATUS_ENTRIES

T0 = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wallet.db'}"


@pytest.fixture
def metadata(database_url: str) -> Iterator[SqlMetadata]:
    backend = SqlMetadata(database_url)
    backend.migrate()
    yield backend
    backend.close()


def _agency(metadata: SqlMetadata, agency_id: str = "so-tu-phap") -> None:
    record = AgencyRecord(
        id=agency_id,
        display_name="Sở Tư pháp",
        roles="issuer",
        doc_types="birth-certificate",
        jwks='{"keys": []}',
        valid_from=T0,
        valid_until=T0 + dt.timedelta(days=3650),
        successor_id=None,
        dissolved_at=None,
        created_at=T0,
    )
    with metadata.unit_of_work() as uow:
        uow.agencies.add(record)
        uow.commit()


def _allocate(metadata: SqlMetadata, n: int) -> list[int]:
    with metadata.unit_of_work() as uow:
        taken = [uow.status_lists.allocate("so-tu-phap", "so-tu-phap", T0) for _ in range(n)]
        uow.commit()
    return taken


def test_indexes_are_random_distinct_and_hide_the_count(metadata: SqlMetadata) -> None:
    _agency(metadata)
    taken = _allocate(metadata, 200)
    assert len(set(taken)) == 200
    assert max(taken) > 1000 and taken != sorted(taken)  # not 0, 1, 2, ...
    with metadata.unit_of_work(readonly=True) as uow:
        record = uow.status_lists.get("so-tu-phap")
    assert record.size == MIN_STATUS_ENTRIES  # the same size after 1 or 200 credentials
    assert all(0 <= idx < record.size for idx in taken)


def test_a_list_grows_before_it_fills(metadata: SqlMetadata) -> None:
    _agency(metadata)
    taken = _allocate(metadata, MIN_STATUS_ENTRIES)  # as many as the first size holds
    assert len(set(taken)) == len(taken)
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.status_lists.get("so-tu-phap").size >= 2 * MIN_STATUS_ENTRIES


def test_claims_are_single_and_listed(metadata: SqlMetadata) -> None:
    _agency(metadata)
    first, second = _allocate(metadata, 2)
    with metadata.unit_of_work() as uow:
        assert uow.status_lists.claim("so-tu-phap", first, "so-tu-phap")
        assert not uow.status_lists.claim("so-tu-phap", first, "so-tu-phap")  # once
        assert not uow.status_lists.claim("so-tu-phap", second, "another-agency")
        assert not uow.status_lists.claim("so-tu-phap", first + second + 1, "so-tu-phap")
        uow.commit()
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.status_lists.claimed("so-tu-phap") == {first}
        assert uow.status_lists.claimed("nobody") == frozenset()
        with pytest.raises(NotFound):
            uow.status_lists.get("nobody")
