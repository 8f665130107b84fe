"""End-to-end fixtures: a real ``wallet serve`` per backend, driven over HTTP on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import storage
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer, scaled_env
from wallet_api.settings import Settings

BACKENDS = ["embedded", pytest.param("scaled", marks=pytest.mark.scaled)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend_env(request: pytest.FixtureRequest) -> Callable[[], dict[str, str]]:
    """Variables selecting the backend: nothing for the embedded default, a fresh PostgreSQL
    database and bucket for each server otherwise (each server has its own master key)."""
    if request.param == "embedded":
        return dict
    database_url = request.getfixturevalue("scaled_database_url")
    blob_url = request.getfixturevalue("scaled_blob_url")
    return lambda: scaled_env(database_url, blob_url)


@pytest.fixture(scope="session")
def make_server(
    tmp_path_factory: pytest.TempPathFactory, backend_env: Callable[[], dict[str, str]]
) -> Iterator[Callable[..., WalletServer]]:
    """Start servers on the session's backend; each gets its own data directory unless one is given."""
    started: list[WalletServer] = []

    def make(
        data_dir: Path | None = None, env: dict[str, str] | None = None, **kwargs: object
    ) -> WalletServer:
        directory = data_dir or tmp_path_factory.mktemp("wallet") / "data"
        server = WalletServer(directory, env={**backend_env(), **(env or {})}, **kwargs)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def server(make_server: Callable[..., WalletServer]) -> WalletServer:
    """The shared server of this backend."""
    return make_server()


@pytest.fixture
def citizen(server: WalletServer) -> RawCitizen:
    """A freshly enrolled, logged-in citizen."""
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    assert person.login().status_code == 200
    return person


def settings_of(server: WalletServer) -> Settings:
    """The settings the server runs with, to reach its storage directly."""
    return Settings.from_env(server.command_env())


@pytest.fixture
def backend_of() -> Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]:
    """Open a server's metadata and blob store directly (as an attacker with disk access would)."""
    opened: list[storage.Metadata] = []

    def open_for(server: WalletServer) -> tuple[storage.Metadata, storage.BlobStore]:
        settings = settings_of(server)
        metadata = storage.open_metadata(settings.database_url)
        opened.append(metadata)
        return metadata, storage.open_blob_store(settings.blob_url)

    yield open_for  # type: ignore[misc]
    for metadata in opened:
        metadata.close()
