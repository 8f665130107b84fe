"""Issue 9's attack, exactly: erasure is final once the key epoch turns, on both backends.

A script holding only the master key file and raw bytes (the database's files and WAL, a copy
of them taken BEFORE the erasure, the object store's volume files) scans for wrapped-key
candidates and tries to unwrap them (``tests.support.attack``). Before the epoch turns it
recovers the erased citizen's key and the deleted documents' keys (so this test can fail);
after ``rotate-master --rewrap``, the retention window, and ``wallet keys epoch`` destroying the
old version, it recovers nothing of them, while a live document stays readable (through the
service, and by the same attack: the scan still works). On the embedded default the live files
alone never yield anything (secure_delete and the emptied SQLite WAL).

On PostgreSQL the cluster is shared with the rest of the suite: the scan covers this test's own
database directory and the WAL segments written since the test began (every byte this test's
rows can be in), not other tests' databases.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

import crypto
from tests.e2e.conftest import settings_of
from tests.support.attack import Loot, attack, decrypt_first_segment, files_under
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

RETENTION = 20  # seconds, for the test (ample for a CLI start on a loaded machine); the default is 30 days
SERVICES = Path(__file__).resolve().parents[2] / ".test-services"


def _body() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"  # more than one 64 KiB segment


@dataclass
class RawBytes:
    """Where a server's bytes lie on disk, as someone with the disks would find them."""

    database: list[Path]  # live database files or directories
    blobs: list[Path]  # the object store's files
    since: float
    wal: Path | None = None  # PostgreSQL's pg_wal, listed afresh at each look

    def files(self) -> list[Path]:
        found = files_under(*self.database)
        if self.wal is not None:
            for segment in sorted(self.wal.iterdir()):
                try:
                    if segment.is_file() and segment.stat().st_mtime >= self.since - 5:
                        found.append(segment)
                except FileNotFoundError:  # recycled meanwhile
                    pass
        return found

    def backup(self, into: Path) -> list[Path]:
        """A copy of the database's files now (a base backup taken before the erasure)."""
        copied = []
        for index, path in enumerate(self.files()):
            target = into / f"{index:05d}-{path.name}"
            try:
                shutil.copyfile(path, target)
            except FileNotFoundError:  # a WAL segment recycled meanwhile
                continue
            copied.append(target)
        return copied


def _pg_data() -> Path:
    outside = SERVICES / "pg.base-outside"
    base = Path(outside.read_text().strip()) if outside.exists() else SERVICES / "pg"
    return base / "data"


def _checkpoint(server: WalletServer) -> None:
    """``CHECKPOINT`` (as the cluster's superuser): the heap pages reach the data files on disk."""
    settings = settings_of(server)
    if settings.database_url.startswith("sqlite"):
        return
    port = str(make_url(settings.database_url).port)
    data = _pg_data()
    psql = Path((SERVICES / "pg.bindir").read_text().strip()) / "psql"
    command = ["runuser", "-u", "postgres", "--", str(psql), "-X", "-q", "-h", str(data.parent / "run")]
    subprocess.run(
        [*command, "-p", port, "-d", "postgres", "-c", "CHECKPOINT"], check=True, timeout=60, cwd="/"
    )


def _raw_bytes(server: WalletServer, since: float) -> RawBytes:
    settings = settings_of(server)
    if settings.database_url.startswith("sqlite"):
        return RawBytes(
            [p for p in server.data_dir.iterdir() if p.name.startswith("wallet.sqlite3")],
            [server.data_dir / "blobs"],
            since,
        )
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
    assert row is not None
    data = _pg_data()
    return RawBytes([data / "base" / str(row[0])], [SERVICES / "weed" / "data"], since, data / "pg_wal")


def _person(server: WalletServer) -> RawCitizen:
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    assert person.login().status_code == 200
    return person


def _verify_receipt(server: WalletServer, token: str) -> dict[str, object]:
    import httpx

    kid = crypto.unverified_header(token)["kid"]
    keys = httpx.get(server.url + "/.well-known/jwks.json").json()["keys"]
    jwk = next(k for k in keys if k["kid"] == kid)
    return crypto.verify_jws(token, crypto.public_key_from_jwk(jwk), typ="erasure-receipt+jwt")


def test_erasure_is_final_once_the_epoch_turns(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    since = time.time()
    server = make_server(env={"WALLET_KEY_RETENTION_SECONDS": str(RETENTION)})
    embedded = settings_of(server).database_url.startswith("sqlite")
    key_file = server.data_dir / "master.key"
    gone, kept = _person(server), _person(server)
    gone_body, deleted_body, live_body = _body(), _body(), _body()
    gone_doc = gone.upload(gone_body).json()["id"]
    deleted_doc = kept.upload(deleted_body).json()["id"]
    live_doc = kept.upload(live_body).json()["id"]
    time.sleep(1.5)  # the WAL writer flushes (synchronous_commit = off in the test cluster)
    raw = _raw_bytes(server, since)
    (tmp_path / "backup").mkdir()
    backup = raw.backup(tmp_path / "backup")  # BEFORE the erasure

    # Erase an account and one document of another: the answers say when it becomes final.
    erased = gone.request("DELETE", "/v1/me", headers={"Erase-Confirm": gone.citizen_id})
    assert erased.status_code == 200, erased.text
    account = erased.json()
    deleted = kept.request("DELETE", f"/v1/me/documents/{deleted_doc}")
    assert deleted.status_code == 200, deleted.text
    document = deleted.json()
    for answer, kind in ((account, "account"), (document, "document")):
        assert answer["kind"] == kind
        erased_at = dt.datetime.fromisoformat(answer["erased_at"])
        final_by = dt.datetime.fromisoformat(answer["final_by"])
        assert final_by >= erased_at + dt.timedelta(seconds=RETENTION)
        claims = _verify_receipt(server, answer["receipt_jws"])
        assert claims["sub"] == answer["erasure_id"] and claims["kind"] == kind
        assert claims["final_by"] == int(final_by.timestamp())
        assert gone.citizen_id not in answer["receipt_jws"] and gone.citizen_id not in str(claims)
    assert kept.request("GET", f"/v1/me/documents/{deleted_doc}").status_code == 404
    listed = server.wallet("erasures").stdout
    assert account["erasure_id"] in listed and document["erasure_id"] in listed
    assert gone.citizen_id not in listed and kept.citizen_id not in listed and deleted_doc not in listed
    time.sleep(1.5)

    citizens = [gone.citizen_id, kept.citizen_id]
    documents = [(gone.citizen_id, gone_doc), (kept.citizen_id, deleted_doc), (kept.citizen_id, live_doc)]

    def hunt(files: list[Path]) -> Loot:
        _checkpoint(server)
        return attack(key_file, files + files_under(*raw.blobs), citizens, documents)

    live_only = hunt(raw.files())
    if embedded:  # the embedded default: the live files never hold an erased key
        assert gone.citizen_id not in live_only.citizen_keys
        assert gone_doc not in live_only.document_keys and deleted_doc not in live_only.document_keys
    else:  # PostgreSQL keeps them in its WAL: issue 9, as reported
        assert gone.citizen_id in live_only.citizen_keys and deleted_doc in live_only.document_keys
    before = hunt(backup + raw.files())
    assert gone.citizen_id in before.citizen_keys, before.candidates  # the old backup holds it
    assert gone_doc in before.document_keys and deleted_doc in before.document_keys
    if not embedded:  # SeaweedFS still has the erased ciphertext in its volume files
        blobs = files_under(*raw.blobs)
        assert (
            decrypt_first_segment(blobs, kept.citizen_id, deleted_doc, before.document_keys[deleted_doc])
            == (deleted_body[: crypto.SEGMENT_SIZE])
        )

    # The epoch turns: re-wrap under a new version; the old one is destroyed after the retention.
    rotated = server.wallet("keys", "rotate-master", "--rewrap").stdout
    assert "Master key version: 2" in rotated and "Re-wrapped" in rotated
    refused = server.wallet("keys", "destroy-master", "1", check=False)
    assert refused.returncode != 0 and "retention" in refused.stderr, refused.stderr
    assert kept.request("GET", f"/v1/me/documents/{live_doc}/content").content == live_body
    drained = crypto.open_master_key(f"file:{key_file}").epoch(1).drained
    assert drained is not None
    time.sleep(max(0.0, drained + RETENTION + 1 - time.time()))
    turned = server.wallet("keys", "epoch").stdout
    assert "Destroyed version: 1" in turned, turned
    assert crypto.open_master_key(f"file:{key_file}").versions == (2,)
    assert kept.request("GET", f"/v1/me/documents/{live_doc}/content").content == live_body
    assert "Erasures not final yet: 0" in server.wallet("erasures").stdout
    time.sleep(1.5)

    after = hunt(backup + raw.files())
    assert gone.citizen_id not in after.citizen_keys
    assert gone_doc not in after.document_keys and deleted_doc not in after.document_keys
    # the scan still works: what is live opens, and its content decrypts from the raw store
    assert kept.citizen_id in after.citizen_keys and live_doc in after.document_keys
    if not embedded:
        blobs = files_under(*raw.blobs)
        assert (
            decrypt_first_segment(blobs, kept.citizen_id, live_doc, after.document_keys[live_doc])
            == (live_body[: crypto.SEGMENT_SIZE])
        )
