"""Blobs as files under one root directory (the embedded default)."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from storage.errors import Conflict, InsufficientStorage, NotFound, StorageError, Unavailable
from storage.records import BlobInfo
from storage.reserve import SpaceReserve

__all__ = ["FileBlobStore", "check_key", "check_prefix"]

READ_SIZE = 256 * 1024
TEMP_PREFIX = ".part-"
MAX_KEY_LENGTH = 1024

# A segment starts with a letter, digit, "_" or "-": so no ".", "..", hidden
# names, temp files (".part-*") or a backend's own folders (SeaweedFS ".uploads").
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid blob key (shared by every blob adapter), else raise."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise StorageError("invalid blob key: empty or too long")
    if not all(_SEGMENT.fullmatch(segment) for segment in key.split("/")):
        raise StorageError("invalid blob key: use segments of [A-Za-z0-9._-] joined by '/'")
    return key


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is empty or a key, optionally ending with ``/``, else raise."""
    if prefix:
        check_key(prefix.removesuffix("/"))
    return prefix


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents, making each new entry durable."""
    if path.is_dir():
        return
    _make_dirs(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        return  # a concurrent writer made it
    _fsync_dir(path.parent)


def _translate(exc: OSError) -> StorageError:
    """A full disk (or quota) is ``InsufficientStorage``; any other I/O failure ``Unavailable``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return InsufficientStorage("no space left for the blob")
    return Unavailable(f"blob file I/O failed: {errno.errorcode.get(exc.errno or 0, 'unknown')}")


def _remove_unless_held(path: Path) -> int:
    """Delete a temp file unless an upload still holds its lock (whatever its age); 1 if deleted."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return 0
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # an upload in progress: never collected
        # Locked by us: its writer is gone (the lock went with it) or renamed it into place.
        try:
            if not os.path.samestat(os.fstat(fd), os.stat(path)):
                return 0
        except FileNotFoundError:
            return 0
        path.unlink(missing_ok=True)
        return 1
    finally:
        os.close(fd)


def _read_chunks(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(READ_SIZE):
            yield chunk


def _write_all(fd: int, chunks: Iterable[bytes]) -> int:
    size = 0
    with os.fdopen(fd, "wb", closefd=False) as file:
        for chunk in chunks:
            file.write(chunk)
            size += len(chunk)
        file.flush()
        os.fsync(file.fileno())
    return size


class FileBlobStore:
    """A ``BlobStore`` on a local directory: temp file, fsync, atomic rename."""

    def __init__(self, root: Path, *, reserve: SpaceReserve | None = None) -> None:
        self._root = root
        self._reserve = reserve

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the whole blob or nothing; returns the number of bytes written."""
        target = self._path(key)
        if self._reserve is not None and not self._reserve.ensure():
            raise InsufficientStorage("the disk cannot keep the metadata reserve: no blob is written")
        try:
            _make_dirs(target.parent)
            temp = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # held while writing: the collector skips a held temp file
        except (NotADirectoryError, FileExistsError):
            raise Conflict("blob key collides with an existing blob") from None
        except OSError as exc:
            raise _translate(exc) from exc
        try:
            try:
                size = _write_all(fd, chunks)
            finally:
                os.close(fd)
            os.replace(temp, target)
        except IsADirectoryError:
            temp.unlink(missing_ok=True)
            raise Conflict("blob key collides with existing blobs below it") from None
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise _translate(exc) from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return size

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the blob in 256 KiB reads; ``NotFound`` if it does not exist."""
        try:
            file = self._path(key).open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound("blob not found") from None
        return _read_chunks(file)

    def delete(self, key: str) -> None:
        """Remove the blob if present (empty directories are left in place)."""
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            self._path(key).unlink()

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Blobs whose key starts with ``prefix``; temp files are skipped."""
        check_prefix(prefix)
        start = prefix.rpartition("/")[0]
        for key, stat in self._walk(self._root / start if start else self._root, start):
            if key.startswith(prefix) and not key.rpartition("/")[2].startswith(TEMP_PREFIX):
                yield BlobInfo(key=key, size=stat.st_size, modified=_utc(stat.st_mtime))

    def collect_incomplete(self, older_than: dt.datetime) -> int:
        """Delete temp files last modified before ``older_than``; returns how many."""
        cutoff = older_than.timestamp()
        removed = 0
        for key, stat in self._walk(self._root, ""):
            if key.rpartition("/")[2].startswith(TEMP_PREFIX) and stat.st_mtime < cutoff:
                removed += _remove_unless_held(self._root / key)
        return removed

    def _walk(self, directory: Path, relative: str) -> Iterator[tuple[str, os.stat_result]]:
        """Every regular file below ``directory`` as (key, stat), in name order."""
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            key = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), key)
            elif entry.is_file(follow_symlinks=False):
                try:
                    yield key, entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # deleted while we walked
