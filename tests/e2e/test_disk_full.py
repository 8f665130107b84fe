"""The embedded default on a full disk: uploads answer 507 and leave nothing; reads and deletes work.

The data directory lives on a small tmpfs mounted for the test (root only, as
``scripts/test.sh`` runs), filled to the last byte by a filler file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

pytestmark = pytest.mark.slow
SIZE_MB = 24


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (scripts/test.sh runs as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(path: Path) -> None:
    """Write until the filesystem refuses a single byte more."""
    with path.open("wb", buffering=0) as filler:
        block = b"\0" * (1024 * 1024)
        for size in (1024 * 1024, 4096, 1):
            try:
                while True:
                    filler.write(block[:size])
            except OSError:
                continue


def _parts(root: Path) -> list[Path]:
    return list((root / "blobs").rglob(".part-*"))


def test_full_disk_refuses_uploads_but_reads_and_deletes_work(small_disk: Path) -> None:
    server = WalletServer(small_disk / "data")
    server.wallet("init")
    server.start()
    try:
        citizen = RawCitizen(server.url)
        assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
        bodies = {}
        for _ in range(3):
            body = b"%PDF-1.7\n" + os.urandom(300_000)
            response = citizen.upload(body)
            assert response.status_code == 201, response.text
            bodies[response.json()["id"]] = body
        filler = small_disk / "filler"
        _fill(filler)

        refused = citizen.upload(b"%PDF-1.7\n" + os.urandom(2_000_000))
        assert refused.status_code == 507, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "insufficient_storage"
        assert _parts(small_disk / "data") == []

        listed = citizen.request("GET", "/v1/me/documents")
        assert listed.status_code == 200 and len(listed.json()["items"]) == 3
        first, *_ = bodies
        assert citizen.request("GET", f"/v1/me/documents/{first}").status_code == 200
        for document_id, body in bodies.items():
            content = citizen.request("GET", f"/v1/me/documents/{document_id}/content")
            assert content.status_code == 200 and content.content == body
        assert citizen.request("DELETE", f"/v1/me/documents/{first}").status_code == 200

        filler.unlink()
        again = citizen.upload(b"%PDF-1.7\n" + os.urandom(2_000_000))
        assert again.status_code == 201, again.text
        assert len(citizen.request("GET", "/v1/me/documents").json()["items"]) == 3
        assert _parts(small_disk / "data") == []
    finally:
        server.stop()
