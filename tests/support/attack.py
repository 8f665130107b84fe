"""The attack of issue 9, as a script would run it: only the master key file and raw bytes.

It scans files (a PostgreSQL data directory with ``pg_wal``, a copy taken earlier, SQLite files,
SeaweedFS volumes, blob directories) for wrapped-key candidates, 65-byte windows starting with a
master-key version (u32 big-endian) and the sealed format byte 0x01 (``crypto.masterkey``:
``version ‖ 0x01 ‖ nonce ‖ ciphertext ‖ tag``), and tries to unwrap each with every version the
key file holds, under the associated data of the keys it hunts for. It knows the ids (they sit
next to the keys in the clear): that only makes it stronger.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import crypto
from crypto.stream import HEADER_SIZE
from wallet_api.erasure.layout import MASTER_WRAP_SIZE
from wallet_api.services.citizens import kek_aad
from wallet_api.services.documents import blob_aad

WINDOW = MASTER_WRAP_SIZE  # 65
INNER = 1 + 12 + (1 + 12 + 32 + 16) + 16  # the sealed citizen-key wrap following a document's window


def files_under(*roots: Path) -> list[Path]:
    """Every regular file under ``roots``."""
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())
    return found


def _windows(path: Path, prefixes: Iterable[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """Each candidate window in ``path`` and the bytes after it."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size < WINDOW:
        return
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for prefix in prefixes:
            at = data.find(prefix)
            while at != -1:
                if at + WINDOW <= size:
                    yield bytes(data[at : at + WINDOW]), bytes(data[at + WINDOW : at + WINDOW + INNER])
                at = data.find(prefix, at + 1)


@dataclass
class Loot:
    """What the attack recovered."""

    citizen_keys: dict[str, bytes] = field(default_factory=dict)  # citizen id -> key
    document_keys: dict[str, bytes] = field(default_factory=dict)  # document id -> data key
    candidates: int = 0
    contents: dict[str, bytes] = field(default_factory=dict)  # document id -> first segment


def attack(
    master_key_file: Path,
    files: Iterable[Path],
    citizens: Iterable[str],
    documents: Iterable[tuple[str, str]],  # (owner, document id)
) -> Loot:
    """Hunt the citizen keys of ``citizens`` and the data keys of ``documents`` in ``files``."""
    ring = crypto.open_master_key(f"file:{master_key_file}")
    prefixes = [version.to_bytes(4, "big") + b"\x01" for version in ring.versions]
    citizens = list(citizens)
    documents = list(documents)
    loot = Loot()
    outer: dict[str, bytes] = {}  # document id -> its sealed inner layer, once the outer key opened
    for path in files:
        for window, after in _windows(path, prefixes):
            loot.candidates += 1
            for citizen in citizens:
                if citizen not in loot.citizen_keys:
                    with contextlib.suppress(crypto.CryptoError):
                        loot.citizen_keys[citizen] = ring.unwrap(window, kek_aad(citizen))
            for owner, document in documents:
                if document in outer:
                    continue
                aad = b"dek-epoch|" + blob_aad(owner, document, 1)
                try:
                    key = ring.unwrap(window, aad)
                    outer[document] = crypto.open_sealed(key, after, aad)
                except crypto.CryptoError:
                    pass
    for owner, document in documents:
        kek = loot.citizen_keys.get(owner)
        if document in outer and kek is not None:
            try:
                inner = outer[document]
                loot.document_keys[document] = crypto.unwrap_key(
                    kek, inner, b"dek|" + blob_aad(owner, document, 1)
                )
            except crypto.CryptoError:
                pass
    return loot


def decrypt_first_segment(files: Iterable[Path], owner: str, document: str, dek: bytes) -> bytes | None:
    """The first plaintext segment of the document, found as ``CWS1`` ciphertext in raw files."""
    aad = blob_aad(owner, document, 1)
    need = HEADER_SIZE + crypto.SEGMENT_SIZE + 16 + 1
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        at = data.find(b"CWS1")
        while at != -1:
            try:
                return next(itertools.islice(crypto.decrypt_stream(dek, aad, [data[at : at + need]]), 1))
            except (crypto.CryptoError, StopIteration):
                pass
            at = data.find(b"CWS1", at + 1)
    return None
