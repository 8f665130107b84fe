"""A PostgreSQL and a SeaweedFS of the fault suite's own: stopping or freezing them touches no other test.

``scripts/services.sh start`` runs into a temporary directory; the fixtures
below find the processes from the files it writes (``pg.bindir``, the data
directory's ``postmaster.pid``, ``weed.pid``) and always restore them.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.support.server import WalletServer, scaled_env

ROOT = Path(__file__).resolve().parents[2]
# Short bounds so the suite is quick; the promise checked is "deadline + 2 s".
DEADLINE = 3.0
FAULT_ENV = {
    "WALLET_CONNECT_TIMEOUT_SECONDS": "2",
    "WALLET_READ_TIMEOUT_SECONDS": "2",
    "WALLET_DEADLINE_SECONDS": str(DEADLINE),
    "WALLET_BLOB_CONCURRENCY": "4",
    "WALLET_MAX_UPLOAD_SECONDS": "1",  # the collector's floor: 1 s + the deadline
}


@dataclass
class Backends:
    """The suite's own PostgreSQL cluster and SeaweedFS server, and how to break and mend them."""

    directory: Path
    env: dict[str, str]

    def _pg_base(self) -> Path:
        outside = self.directory / "pg.base-outside"
        return Path(outside.read_text().strip()) if outside.exists() else self.directory / "pg"

    def _pg_ctl(self, *args: str) -> None:
        bindir = (self.directory / "pg.bindir").read_text().strip()
        base = self._pg_base()
        command = [f"{bindir}/pg_ctl", "-D", str(base / "data"), "-w", "-t", "60", *args]
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], cwd="/", check=True, capture_output=True
        )

    def durable_commits(self) -> None:
        """services.sh turns synchronous_commit off for speed; a crash (``-m immediate``, SIGKILL)
        would then lose acknowledged commits, which is the cluster's setting, not the service's."""
        conf = self._pg_base() / "data" / "postgresql.conf"
        line = "synchronous_commit = on\n"
        subprocess.run(
            ["runuser", "-u", "postgres", "--", "tee", "-a", str(conf)],
            input=line.encode(),
            check=True,
            capture_output=True,
        )
        self._pg_ctl("-l", str(self._pg_base() / "postgres.log"), "restart")

    def pg_processes(self) -> list[psutil.Process]:
        pid = int((self._pg_base() / "data" / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        return [postmaster, *postmaster.children(recursive=True)]

    def pg_stop(self, mode: str) -> None:
        self._pg_ctl("-m", mode, "stop")

    def pg_kill(self) -> None:
        for process in self.pg_processes():
            process.send_signal(signal.SIGKILL)

    def pg_start(self) -> None:
        if (self._pg_base() / "data" / "postmaster.pid").exists():
            try:
                if all(p.status() != psutil.STATUS_STOPPED for p in self.pg_processes()):
                    return  # running
            except (psutil.NoSuchProcess, ValueError):
                pass
        self._pg_ctl("-l", str(self._pg_base() / "postgres.log"), "start")

    def weed_kill(self) -> None:
        self.weed().send_signal(signal.SIGKILL)

    def weed_restart(self) -> None:
        """Start SeaweedFS again on the same ports and data (no-op if it still runs)."""
        try:
            if self.weed().status() not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
                return
        except psutil.NoSuchProcess:
            pass
        script = str(ROOT / "scripts" / "services.sh")
        subprocess.run(
            [script, "restart-weed", str(self.directory)], check=True, capture_output=True, timeout=180
        )

    def weed(self) -> psutil.Process:
        return psutil.Process(int((self.directory / "weed.pid").read_text()))

    def freeze(self, processes: list[psutil.Process]) -> None:
        for process in processes:
            process.send_signal(signal.SIGSTOP)

    def thaw(self, processes: list[psutil.Process]) -> None:
        for process in processes:
            try:
                process.send_signal(signal.SIGCONT)
            except psutil.NoSuchProcess:
                continue


def _read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value)[0]
    return env


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    """Start a dedicated PostgreSQL + SeaweedFS (needs root, as ``scripts/test.sh`` does)."""
    if os.geteuid() != 0:
        pytest.skip("the fault suite starts its own PostgreSQL as the postgres user: run as root")
    directory = tmp_path_factory.mktemp("fault-services") / "svc"
    script = str(ROOT / "scripts" / "services.sh")
    subprocess.run([script, "start", str(directory)], check=True, capture_output=True, timeout=300)
    try:
        found = Backends(directory, _read_env(directory / "env"))
        found.durable_commits()
        yield found
    finally:
        subprocess.run([script, "stop", str(directory)], check=False, capture_output=True, timeout=120)


@pytest.fixture
def fault_server(backends: Backends, tmp_path: Path) -> Iterator[WalletServer]:
    """A ``wallet serve`` over the suite's own backends, with short deadlines."""
    env = scaled_env(backends.env["WALLET_TEST_DATABASE_URL"], backends.env["WALLET_TEST_BLOB_URL"])
    env.update({k: v for k, v in backends.env.items() if k.startswith("WALLET_S3_")})
    env.update(FAULT_ENV)
    server = WalletServer(tmp_path / "data", env=env)
    server.wallet("init")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_ready(server: WalletServer, within: float = 60) -> None:
    """Until ``/ready`` answers 200: the service resumed on its own, without a restart."""
    import httpx

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/ready", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the service did not become ready again after the fault cleared")
