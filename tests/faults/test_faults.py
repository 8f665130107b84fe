"""Stop, freeze and kill each backend during a stream of uploads, downloads and listings.

Run alone: ``scripts/test.sh -m faults``. Every answer comes within the
deadline + 2 s, every failure is a 503 problem+json with ``Retry-After``,
every acknowledged document reads back byte-identical once the fault clears
(without a restart), and ``wallet collect --grace 0`` leaves no orphan.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest

import storage
from tests.e2e.conftest import settings_of
from tests.faults.conftest import DEADLINE, Backends, wait_ready
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.scaled]
FAULT_SECONDS = 6.0
BOUND = DEADLINE + 2


@dataclass
class Traffic:
    """Uploads, downloads and listings from a few threads; what came back and how fast."""

    citizen: RawCitizen
    stored: dict[str, bytes] = field(default_factory=dict)
    answers: list[tuple[str, int, float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _timed(self, kind: str, call: Callable[[], object]) -> object:
        start = time.monotonic()
        response = call()
        elapsed = time.monotonic() - start
        with self.lock:
            self.answers.append(
                (
                    kind,
                    response.status_code,  # type: ignore[attr-defined]
                    elapsed,
                    response.headers.get("content-type", ""),  # type: ignore[attr-defined]
                    response.headers.get("retry-after", ""),  # type: ignore[attr-defined]
                )
            )
        return response

    def upload(self) -> None:
        body = b"%PDF-1.7\n" + os.urandom(70_000)
        response = self._timed("upload", lambda: self.citizen.upload(body))
        if response.status_code == 201:  # type: ignore[attr-defined]
            with self.lock:
                self.stored[response.json()["id"]] = body  # type: ignore[attr-defined]

    def download(self) -> None:
        with self.lock:
            ids = list(self.stored)
        if ids:
            path = f"/v1/me/documents/{ids[len(self.answers) % len(ids)]}/content"
            self._timed("download", lambda: self.citizen.request("GET", path))

    def listing(self) -> None:
        self._timed("list", lambda: self.citizen.request("GET", "/v1/me/documents"))

    def run_for(self, seconds: float, workers: int = 4) -> None:
        stop = time.monotonic() + seconds

        def loop(offset: int) -> None:
            steps = [self.upload, self.download, self.listing]
            i = offset
            while time.monotonic() < stop:
                steps[i % 3]()
                i += 1

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(loop, range(workers)))


@pytest.fixture
def traffic(fault_server: WalletServer) -> Traffic:
    # A fresh connection per request: an upload refused before its body was read closes its
    # connection, and reusing that one is the client's problem, not the fault's.
    person = RawCitizen(
        fault_server.url, http=httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0))
    )
    assert person.enrol().status_code == 201
    assert person.login().status_code == 200
    load = Traffic(person)
    for _ in range(3):
        load.upload()
    assert len(load.stored) == 3
    return load


@contextmanager
def fault(break_it: Callable[[], None], mend: Callable[[], None]) -> Iterator[None]:
    """Break a backend and always mend it, even when the test fails (the module shares it)."""
    try:
        break_it()
        yield
    finally:
        mend()


def check_answers(traffic: Traffic, ok_during_fault: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    assert traffic.answers, "no request was made during the fault"
    for kind, status, elapsed, content_type, retry_after in traffic.answers:
        assert elapsed < BOUND, f"{kind} answered in {elapsed:.1f} s (bound {BOUND} s)"
        if kind in ok_during_fault:
            assert status == 200, f"{kind} failed with {status} although its backend was fine"
        elif status >= 400:
            assert status == 503, f"{kind} answered {status}"
            assert content_type.startswith("application/problem+json")
            assert retry_after


def check_probes(server: WalletServer, failed: str) -> None:
    """During the fault: ``/health`` stays live, ``/ready`` names the failed backend, both in time."""
    start = time.monotonic()
    assert httpx.get(server.url + "/health", timeout=BOUND).status_code == 200
    ready = httpx.get(server.url + "/ready", timeout=BOUND)
    assert time.monotonic() - start < BOUND
    assert ready.status_code == 503
    assert ready.headers["content-type"].startswith("application/problem+json")
    assert ready.json()["failed"] == failed


def check_afterwards(server: WalletServer, traffic: Traffic) -> None:
    wait_ready(server)
    # A restarted SeaweedFS lists before its volume server has registered again: reads may
    # need a few more seconds, without any restart of the service.
    settle = time.monotonic() + 60
    for document_id, body in traffic.stored.items():
        path = f"/v1/me/documents/{document_id}/content"
        response = traffic.citizen.request("GET", path)
        while response.status_code == 503 and time.monotonic() < settle:
            time.sleep(0.5)
            response = traffic.citizen.request("GET", path)
        assert response.status_code == 200, response.text
        assert response.content == body
    time.sleep(BOUND)  # threads abandoned during the fault finish their course
    server.wallet("collect", "--grace", "0")
    settings = settings_of(server)
    metadata = storage.open_metadata(settings.database_url)
    try:
        with metadata.unit_of_work(readonly=True) as uow:
            referenced = uow.documents.all_blob_keys()
    finally:
        metadata.close()
    keys = f"&access_key={server.env['WALLET_S3_ACCESS_KEY']}&secret_key={server.env['WALLET_S3_SECRET_KEY']}"
    blobs = {info.key for info in storage.open_blob_store(settings.blob_url + keys).list("c/")}
    assert blobs == referenced, "orphan blobs or records without content"
    assert set(traffic.stored) <= {key.split("/")[2] for key in referenced}


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_stopped(
    backends: Backends, fault_server: WalletServer, traffic: Traffic, mode: str
) -> None:
    with fault(lambda: backends.pg_stop(mode), backends.pg_start):
        traffic.run_for(FAULT_SECONDS)
        check_probes(fault_server, "database")
    check_answers(traffic)
    assert any(status == 503 for _, status, *_ in traffic.answers)
    check_afterwards(fault_server, traffic)


def test_postgresql_killed(backends: Backends, fault_server: WalletServer, traffic: Traffic) -> None:
    with fault(backends.pg_kill, backends.pg_start):
        traffic.run_for(FAULT_SECONDS)
    check_answers(traffic)
    check_afterwards(fault_server, traffic)


def test_postgresql_frozen(backends: Backends, fault_server: WalletServer, traffic: Traffic) -> None:
    processes = backends.pg_processes()
    with fault(lambda: backends.freeze(processes), lambda: backends.thaw(processes)):
        traffic.run_for(FAULT_SECONDS)
        check_probes(fault_server, "database")
    check_answers(traffic)
    assert any(status == 503 for _, status, *_ in traffic.answers)
    check_afterwards(fault_server, traffic)


def test_seaweedfs_frozen_leaves_listings_answering(
    backends: Backends, fault_server: WalletServer, traffic: Traffic
) -> None:
    weed = [backends.weed()]
    with fault(lambda: backends.freeze(weed), lambda: backends.thaw(weed)):
        traffic.run_for(FAULT_SECONDS, workers=8)  # more blob transfers than blob threads
        check_probes(fault_server, "blobs")
    check_answers(traffic, ok_during_fault={"list"})
    assert any(kind != "list" and status == 503 for kind, status, *_ in traffic.answers)
    check_afterwards(fault_server, traffic)


def test_seaweedfs_killed(backends: Backends, fault_server: WalletServer, traffic: Traffic) -> None:
    with fault(backends.weed_kill, backends.weed_restart):
        traffic.run_for(FAULT_SECONDS)
        check_probes(fault_server, "blobs")
    check_answers(traffic, ok_during_fault={"list"})
    assert any(kind != "list" and status == 503 for kind, status, *_ in traffic.answers)
    check_afterwards(fault_server, traffic)
