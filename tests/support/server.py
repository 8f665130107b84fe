"""A real ``wallet serve`` subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WalletServer:
    """Start, stop, kill and restart the service with one data directory and backend."""

    data_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    workers: int = 1
    server: str = "granian"
    proc: subprocess.Popen[bytes] | None = None
    source: Path | None = None  # another checkout's code to run (benchmarks: main vs a branch)
    module: str = "wallet_api"  # what ``python -m`` runs: a benchmark's own app takes ``serve`` too

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WALLET_")}
        for key in ("WALLET_S3_ACCESS_KEY", "WALLET_S3_SECRET_KEY"):
            if key in os.environ:
                env[key] = os.environ[key]
        # The suite enrols thousands of citizens from one address: limits off unless a test sets them
        # (tests/e2e/test_rate_limits.py runs with them on).
        env["WALLET_RATE_LIMITS"] = "off"
        env.update(self.env)
        env["WALLET_DATA_DIR"] = str(self.data_dir)
        if self.source is not None:  # ``python -m`` puts the working directory first on the path
            env["PYTHONPATH"] = str(self.source)
        return env

    def wallet(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a ``wallet`` CLI command against this server's configuration."""
        result = subprocess.run(
            [sys.executable, "-m", "wallet_api", *args],
            env=self.command_env(),
            cwd=self.source,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"wallet {' '.join(args)} failed ({result.returncode}): {result.stderr[-3000:]}"
            )
        return result

    def start(self, timeout: float = 60) -> None:
        log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115  # kept open for the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                self.module,
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--server",
                self.server,
            ],
            env=self.command_env(),
            cwd=self.source,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {log.name}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole process group: no clean-up runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None


def scaled_env(database_url: str, blob_url: str) -> dict[str, str]:
    """Backend variables for a fresh database and bucket on the shared PostgreSQL and S3 servers."""
    import psycopg

    name = "w" + uuid.uuid4().hex[:16]
    admin = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = database_url.rpartition("/")
    bucket_url = blob_url.replace("s3://", "", 1)
    _bucket, _, query = bucket_url.partition("?")
    return {
        "WALLET_DATABASE_URL": f"{base}/{name}",
        "WALLET_BLOB_URL": f"s3://{name}?{query}",
    }
