"""Both blob adapters against the same contract: the filesystem and a real SeaweedFS S3."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import tracemalloc
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from minio import Minio

from storage import BlobStore, NotFound, StorageError, Unavailable, open_blob_store, open_metadata
from storage.fs import TEMP_PREFIX

MIB = 1024 * 1024


class Boom(Exception):
    """What a failing upload stream raises."""


class Crash(BaseException):
    """A BaseException (like KeyboardInterrupt) in the middle of an upload."""


def _random_chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, size, chunk):
        yield os.urandom(min(chunk, size - start))


def _failing(good_bytes: int, error: BaseException) -> Iterator[bytes]:
    yield from _random_chunks(good_bytes)
    raise error


def _digest(chunks: Iterator[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _minio_for(url: str) -> tuple[Minio, str, str]:
    """A raw client on the store's bucket, to play a crashed writer; (client, bucket, prefix)."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    client = Minio(
        params["endpoint"],
        access_key=os.environ["WALLET_S3_ACCESS_KEY"],
        secret_key=os.environ["WALLET_S3_SECRET_KEY"],
        secure=params.get("secure") == "true",
        region=params.get("region"),
    )
    return client, parts.netloc, params.get("prefix", "")


def _crash_fs(url: str, key: str) -> None:
    """A writer died mid-put: its temp file stays next to where the blob would be."""
    directory = Path(urlsplit(url).path) / key.rpartition("/")[0]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{TEMP_PREFIX}crashed").write_bytes(b"partial")


def _crash_s3(url: str, key: str) -> None:
    """A writer died mid-put: a multipart upload with one part was never completed."""
    client, bucket, prefix = _minio_for(url)
    name = prefix + key
    upload_id = client._create_multipart_upload(bucket, name, {})
    client._upload_part(bucket, name, os.urandom(5 * MIB), None, upload_id, 1)


CRASHES: dict[str, Callable[[str, str], None]] = {"fs": _crash_fs, "s3": _crash_s3}


@pytest.fixture(params=["fs", pytest.param("s3", marks=pytest.mark.scaled)])
def backend(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(kind, URL) of a fresh store: a temp directory, or a prefix of its own in the bucket."""
    fixture = "blob_url_embedded" if request.param == "fs" else "scaled_blob_url_isolated"
    return request.param, request.getfixturevalue(fixture)


@pytest.fixture
def store(backend: tuple[str, str]) -> BlobStore:
    return open_blob_store(backend[1])


@pytest.mark.parametrize("size", [0, 1, 12 * MIB + 3])
def test_round_trip(store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    chunks = (data[start : start + 65536] for start in range(0, size, 65536))
    assert store.put("c/1/doc/1", chunks) == size
    assert _digest(store.open("c/1/doc/1")) == _digest(iter([data]))
    assert [(info.key, info.size) for info in store.list()] == [("c/1/doc/1", size)]


def test_open_streams_in_bounded_chunks(store: BlobStore) -> None:
    store.put("k", _random_chunks(3 * MIB))
    assert max(len(chunk) for chunk in store.open("k")) <= 256 * 1024


def test_put_replaces_existing_blob(store: BlobStore) -> None:
    store.put("k", [b"old"])
    store.put("k", [b"new"])
    assert b"".join(store.open("k")) == b"new"


def test_failed_overwrite_keeps_previous_blob(store: BlobStore) -> None:
    store.put("k", [b"whole"])
    with pytest.raises(Boom):
        store.put("k", _failing(6 * MIB, Boom("midway")))
    assert b"".join(store.open("k")) == b"whole"


def test_put_memory_stays_bounded(store: BlobStore) -> None:
    block = os.urandom(64 * 1024)
    tracemalloc.start()
    try:
        assert store.put("big", itertools.repeat(block, 32 * MIB // len(block))) == 32 * MIB
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MIB  # S3: about three copies of one 5 MiB part, whatever the size


@pytest.mark.parametrize(
    ("good_bytes", "error"),
    [
        (1000, Boom("before the first part")),
        (7 * MIB, Boom("after the first 5 MiB part was uploaded")),
        (11 * MIB, Crash("interrupted after two parts")),
    ],
    ids=["small", "multipart", "base-exception"],
)
def test_failing_stream_leaves_nothing(store: BlobStore, good_bytes: int, error: BaseException) -> None:
    with pytest.raises(type(error)) as caught:
        store.put("c/1/doc/1", _failing(good_bytes, error))
    assert caught.value is error  # the stream's own exception, untranslated
    assert list(store.list()) == []
    with pytest.raises(NotFound):
        store.open("c/1/doc/1")
    far_future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert store.collect_incomplete(far_future) == 0  # no temp file, no open multipart upload


def test_open_missing_raises_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        store.open("c/none/doc/1")


def test_delete_is_idempotent(store: BlobStore) -> None:
    store.delete("never/written")
    store.put("c/1", [b"x"])
    store.delete("c/1")
    store.delete("c/1")
    with pytest.raises(NotFound):
        store.open("c/1")
    assert list(store.list()) == []


def test_list_by_prefix(store: BlobStore) -> None:
    for key in ["c/1/a", "c/1/b", "c/10/a", "c/2/a", "d"]:
        store.put(key, [key.encode()])
    assert sorted(info.key for info in store.list("c/1/")) == ["c/1/a", "c/1/b"]
    assert sorted(info.key for info in store.list("c/1")) == ["c/1/a", "c/1/b", "c/10/a"]
    assert sorted(info.key for info in store.list()) == ["c/1/a", "c/1/b", "c/10/a", "c/2/a", "d"]
    assert list(store.list("nothing/")) == []
    assert all(info.modified.tzinfo is not None for info in store.list())


def test_collect_incomplete(store: BlobStore, backend: tuple[str, str]) -> None:
    kind, url = backend
    store.put("c/1/doc/1", [b"complete"])
    CRASHES[kind](url, "c/1/doc/2")
    assert [info.key for info in store.list()] == ["c/1/doc/1"]

    now = dt.datetime.now(dt.UTC)
    assert store.collect_incomplete(now - dt.timedelta(hours=1)) == 0  # still young
    later = now + dt.timedelta(seconds=5)
    assert store.collect_incomplete(later) == 1
    assert store.collect_incomplete(later) == 0
    assert b"".join(store.open("c/1/doc/1")) == b"complete"


@pytest.mark.parametrize("key", ["", "/abs", "../up", "a/../b", "a//b", "a/", ".uploads/x", "a b"])
def test_bad_keys_are_refused(store: BlobStore, key: str) -> None:
    with pytest.raises(StorageError):
        store.put(key, [b"x"])
    with pytest.raises(StorageError):
        store.open(key)
    with pytest.raises(StorageError):
        store.delete(key)
    assert list(store.list()) == []


def test_stream_of_a_big_object_is_not_buffered(store: BlobStore) -> None:
    store.put("big", _random_chunks(6 * MIB))
    stream = store.open("big")
    assert 0 < len(next(stream)) <= 256 * 1024
    assert isinstance(stream, Generator)
    stream.close()  # stopping early releases the file / connection
    assert _digest(store.open("big"))[0] == 6 * MIB


# --- opening URLs (no server needed: refused before any request) ---------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://bucket?endpoint=127.0.0.1:1&secure=false", "credentials missing"),
        ("s3://bucket?endpoint=127.0.0.1:1&access_key=a", "credentials missing"),
        ("s3://bucket?secure=false&access_key=a&secret_key=s3cr3t", "endpoint"),
        ("s3://bucket?endpoint=h:1&secure=maybe&access_key=a&secret_key=s3cr3t", "secure"),
        ("s3://bucket?endpoint=h:1&color=red&access_key=a&secret_key=s3cr3t", "unknown s3 URL"),
        ("s3://user:hunter2@bucket?endpoint=h:1&access_key=a&secret_key=s3cr3t", "s3://bucket"),
        ("s3://?endpoint=h:1&access_key=a&secret_key=s3cr3t", "s3://bucket"),
    ],
)
def test_factory_refuses_bad_s3_urls(url: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLET_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("WALLET_S3_SECRET_KEY", raising=False)
    with pytest.raises(StorageError, match=message) as caught:
        open_blob_store(url)
    assert "hunter2" not in str(caught.value) and "s3cr3t" not in str(caught.value)


@pytest.mark.scaled
def test_factory_refuses_wrong_credentials(scaled_blob_url: str) -> None:
    url = scaled_blob_url + "&access_key=nobody&secret_key=wrong-secret"
    with pytest.raises(StorageError) as caught:
        open_blob_store(url)
    assert "wrong-secret" not in str(caught.value)


def test_factory_reports_unreachable_endpoint() -> None:
    closed_port = "127.0.0.1:9"  # discard port: nothing listens on loopback
    with pytest.raises(Unavailable):
        open_blob_store(f"s3://bucket?endpoint={closed_port}&secure=false&access_key=a&secret_key=s3cr3t")


def test_open_metadata_refuses_unknown_scheme_without_echoing_url() -> None:
    with pytest.raises(StorageError, match="unsupported metadata scheme 'mysql'") as caught:
        open_metadata("mysql://wallet:hunter2@db.example/wallet")
    assert "hunter2" not in str(caught.value)
