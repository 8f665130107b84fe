"""FileBlobStore: atomic writes, streaming reads, listing, temp-file collection, key rules."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import NotFound, StorageError, open_blob_store
from storage.errors import Conflict
from storage.fs import READ_SIZE, TEMP_PREFIX, FileBlobStore

BAD_KEYS = [
    "",
    "/abs/key",
    "../escape",
    "a/../b",
    "a/./b",
    "a//b",
    "a/",
    ".hidden",
    f"a/{TEMP_PREFIX}1234",
    "a b",
    "a\\b",
    "caf\u00e9",
    "a\x00b",
    "x" * 1025,
]


class Boom(Exception):
    """What a failing upload stream raises."""


def _chunks(size: int, chunk: int = 65536) -> Iterator[bytes]:
    data = os.urandom(size)
    for start in range(0, size, chunk):
        yield data[start : start + chunk]


def _failing(good_bytes: int) -> Iterator[bytes]:
    yield from _chunks(good_bytes)
    raise Boom("client went away")


def _temp_files(root: Path) -> list[Path]:
    return [path for path in root.rglob(f"{TEMP_PREFIX}*")]


@pytest.fixture
def store(tmp_path: Path) -> FileBlobStore:
    return FileBlobStore(tmp_path / "blobs")


@pytest.mark.parametrize("size", [0, 1, READ_SIZE, 3 * READ_SIZE + 5])
def test_round_trip(store: FileBlobStore, size: int) -> None:
    data = os.urandom(size)
    assert store.put("c/1/doc/1", [data[:7], data[7:]]) == size
    assert b"".join(store.open("c/1/doc/1")) == data


def test_open_streams_in_bounded_reads(store: FileBlobStore) -> None:
    store.put("k", [b"x" * (2 * READ_SIZE + 10)])
    assert [len(chunk) for chunk in store.open("k")] == [READ_SIZE, READ_SIZE, 10]


def test_put_replaces_existing_blob(store: FileBlobStore) -> None:
    store.put("k", [b"old"])
    store.put("k", [b"new"])
    assert b"".join(store.open("k")) == b"new"


def test_failing_stream_leaves_nothing(store: FileBlobStore, tmp_path: Path) -> None:
    with pytest.raises(Boom):
        store.put("c/1/doc/1", _failing(300_000))
    assert list(store.list()) == []
    with pytest.raises(NotFound):
        store.open("c/1/doc/1")
    assert _temp_files(tmp_path) == []


def test_failing_stream_keeps_previous_version(store: FileBlobStore) -> None:
    store.put("k", [b"whole"])
    with pytest.raises(Boom):
        store.put("k", _failing(100))
    assert b"".join(store.open("k")) == b"whole"


def test_put_fsyncs_file_and_directory(
    store: FileBlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    store.put("c/1", [b"data"])
    directory = str(tmp_path / "blobs" / "c")
    assert any(Path(path).name.startswith(TEMP_PREFIX) for path in synced)
    assert synced[-1] == directory


def test_open_missing_raises_not_found(store: FileBlobStore) -> None:
    with pytest.raises(NotFound):
        store.open("c/none")
    store.put("c/1/doc", [b"x"])
    with pytest.raises(NotFound):
        store.open("c/1")  # a directory, not a blob


def test_delete_is_idempotent(store: FileBlobStore) -> None:
    store.delete("never/written")
    store.put("c/1", [b"x"])
    store.delete("c/1")
    store.delete("c/1")
    with pytest.raises(NotFound):
        store.open("c/1")


def test_list_by_prefix(store: FileBlobStore) -> None:
    for key in ["c/1/a", "c/1/b", "c/10/a", "c/2/a", "d"]:
        store.put(key, [key.encode()])
    assert [info.key for info in store.list("c/1/")] == ["c/1/a", "c/1/b"]
    assert sorted(info.key for info in store.list("c/1")) == ["c/1/a", "c/1/b", "c/10/a"]
    assert sorted(info.key for info in store.list()) == ["c/1/a", "c/1/b", "c/10/a", "c/2/a", "d"]
    assert list(store.list("nothing/")) == []


def test_list_reports_size_and_aware_time(store: FileBlobStore) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    store.put("c/1", [b"12345"])
    (info,) = store.list()
    assert (info.key, info.size) == ("c/1", 5)
    assert info.modified.tzinfo is not None and info.modified > before


def test_collect_incomplete_removes_old_temp_files(store: FileBlobStore, tmp_path: Path) -> None:
    store.put("c/1/doc", [b"kept"])
    directory = tmp_path / "blobs" / "c" / "1"
    old, fresh = directory / f"{TEMP_PREFIX}old", directory / f"{TEMP_PREFIX}fresh"
    old.write_bytes(b"partial")
    fresh.write_bytes(b"in flight")
    hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp()
    os.utime(old, (hour_ago, hour_ago))
    assert [info.key for info in store.list()] == ["c/1/doc"]  # temp files never listed

    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    assert store.collect_incomplete(cutoff) == 1
    assert not old.exists() and fresh.exists()
    assert store.collect_incomplete(cutoff) == 0
    assert b"".join(store.open("c/1/doc")) == b"kept"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(store: FileBlobStore, tmp_path: Path, key: str) -> None:
    with pytest.raises(StorageError):
        store.put(key, [b"x"])
    with pytest.raises(StorageError):
        store.open(key)
    with pytest.raises(StorageError):
        store.delete(key)
    assert not (tmp_path / "blobs").exists()  # refused before touching the disk


@pytest.mark.parametrize("prefix", ["/", "../", "a//", ".hidden/"])
def test_bad_prefixes_are_refused(store: FileBlobStore, prefix: str) -> None:
    with pytest.raises(StorageError):
        list(store.list(prefix))


def test_key_colliding_with_a_directory_is_a_conflict(store: FileBlobStore) -> None:
    store.put("a/b", [b"file"])
    with pytest.raises(Conflict):
        store.put("a/b/c", [b"below a file"])
    store.put("x/y/z", [b"file"])
    with pytest.raises(Conflict):
        store.put("x/y", [b"over a directory"])
    assert sorted(info.key for info in store.list()) == ["a/b", "x/y/z"]


def test_factory_opens_file_url_and_creates_directory(tmp_path: Path) -> None:
    root = tmp_path / "new dir" / "blobs"
    store = open_blob_store(root.as_uri())
    assert root.is_dir()
    store.put("k", [b"v"])
    assert b"".join(store.open("k")) == b"v"


@pytest.mark.parametrize("url", ["file://host/dir", "file:relative/dir", "file:///dir?x=1"])
def test_factory_refuses_malformed_file_urls(url: str) -> None:
    with pytest.raises(StorageError):
        open_blob_store(url)


def test_factory_refuses_unknown_scheme_without_echoing_url() -> None:
    with pytest.raises(StorageError, match="unsupported blob store scheme 'ftp'") as caught:
        open_blob_store("ftp://user:hunter2@example.org/bucket")
    assert "hunter2" not in str(caught.value)


def test_collect_incomplete_never_takes_a_temp_file_an_upload_holds(store: FileBlobStore) -> None:
    far_future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)  # as if --grace were below zero
    collected: list[int] = []

    def body() -> Iterator[bytes]:
        yield b"first half, "
        collected.append(store.collect_incomplete(far_future))  # mid-write, from "another process"
        yield b"second half"

    store.put("c/1/live", body())
    assert collected == [0]
    assert b"".join(store.open("c/1/live")) == b"first half, second half"
