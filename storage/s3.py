"""Blobs in an S3-compatible object store (SeaweedFS, Ceph RGW, MinIO, AWS) via ``minio``."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

import urllib3.exceptions
from minio import Minio
from minio.datatypes import ListMultipartUploadsResult, Upload
from minio.error import MinioException, S3Error
from urllib3 import BaseHTTPResponse

from storage.errors import NotFound, StorageError, Unavailable
from storage.fs import check_key, check_prefix
from storage.records import BlobInfo

__all__ = ["S3BlobStore"]

PART_SIZE = 5 * 1024 * 1024  # the S3 minimum; at most about three parts are in memory at once
READ_SIZE = 256 * 1024
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MISSING = frozenset({"NoSuchKey", "NoSuchUpload"})
_CLIENT_ERRORS = (MinioException, urllib3.exceptions.HTTPError)


def _translate(exc: Exception, action: str) -> Exception:
    """The storage error for a minio / urllib3 failure; any other exception unchanged."""
    if isinstance(exc, S3Error):
        if exc.code in _MISSING:
            return NotFound("blob not found")
        return StorageError(f"S3 {action} refused: {exc.code}")
    if isinstance(exc, _CLIENT_ERRORS):  # 5xx, non-XML answers, connection and timeout errors
        return Unavailable(f"S3 {action} failed: {type(exc).__name__}")
    return exc


@contextlib.contextmanager
def _boundary(action: str) -> Iterator[None]:
    """Translate minio and urllib3 exceptions raised inside the block."""
    try:
        yield
    except _CLIENT_ERRORS as exc:
        raise _translate(exc, action) from exc


# --- minio private API --------------------------------------------------------
# minio 7.2 has no public call to list or abort multipart uploads. put_object
# aborts its own upload when it sees an Exception, but not on a BaseException
# (KeyboardInterrupt, GeneratorExit) nor when that abort request fails itself,
# and collect_incomplete must find uploads left by a crashed process. These two
# wrappers are the only places that touch minio's underscore methods.


def _list_uploads(
    client: Minio, bucket: str, prefix: str, marker: tuple[str, str] | None
) -> ListMultipartUploadsResult:
    key_marker, upload_id_marker = marker or (None, None)
    return client._list_multipart_uploads(
        bucket,
        prefix=prefix,
        key_marker=key_marker,
        upload_id_marker=upload_id_marker,
        max_uploads=1000,
    )


def _abort_upload(client: Minio, bucket: str, upload: Upload) -> None:
    if upload.upload_id:
        client._abort_multipart_upload(bucket, upload.object_name, upload.upload_id)


# ------------------------------------------------------------------------------


class _ChunkReader:
    """A file-like ``read(n)`` over an iterable of chunks, for ``put_object``."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self.consumed = 0
        self.error: BaseException | None = None  # what the iterable raised, kept untranslated

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (everything when negative); ``b""`` at the end."""
        try:
            data = self._take(size)
        except BaseException as exc:
            self.error = exc
            raise
        self.consumed += len(data)
        return data

    def _take(self, size: int) -> bytes:
        pieces: list[memoryview] = []
        wanted = size if size >= 0 else None
        while wanted is None or wanted > 0:
            if not self._pending:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._pending = memoryview(chunk).cast("B")
                continue
            piece = self._pending[:wanted]
            self._pending = self._pending[len(piece) :]
            pieces.append(piece)
            if wanted is not None:
                wanted -= len(piece)
        return b"".join(pieces)


def _stream(response: BaseHTTPResponse) -> Iterator[bytes]:
    try:
        with _boundary("read"):
            yield from response.stream(READ_SIZE)
    finally:
        response.close()
        response.release_conn()


def _initiated_before(upload: Upload, cutoff: dt.datetime) -> bool:
    return upload.initiated_time is not None and upload.initiated_time < cutoff


class S3BlobStore:
    """A ``BlobStore`` on one bucket, optionally under a key prefix (``"tenant/"``)."""

    def __init__(self, client: Minio, bucket: str, *, prefix: str = "") -> None:
        if prefix and not prefix.endswith("/"):
            raise StorageError("S3 key prefix must end with '/'")
        self._client = client
        self._bucket = bucket
        self._prefix = check_prefix(prefix)

    def _name(self, key: str) -> str:
        return self._prefix + check_key(key)

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Stream the chunks in 5 MiB parts; all or nothing. Returns the bytes written."""
        name = self._name(key)
        reader = _ChunkReader(chunks)
        try:
            self._client.put_object(
                self._bucket,
                name,
                cast(BinaryIO, reader),  # minio only calls read(n)
                length=-1,
                part_size=PART_SIZE,
                num_parallel_uploads=1,  # sequential parts: no worker threads left behind on error
            )
        except BaseException as exc:
            if not isinstance(exc, urllib3.exceptions.HTTPError):  # else listing fails as well
                self._abort_leftovers(name)
            if exc is reader.error or not isinstance(exc, Exception):
                raise
            raise _translate(exc, "put") from exc
        return reader.consumed

    def _abort_leftovers(self, name: str) -> None:
        """Best effort: abort incomplete uploads of ``name`` (keys are written once)."""
        with contextlib.suppress(*_CLIENT_ERRORS):  # collect_incomplete gets the rest
            for upload in _list_uploads(self._client, self._bucket, name, None).uploads:
                if upload.object_name == name:
                    _abort_upload(self._client, self._bucket, upload)

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the object in 256 KiB chunks; ``NotFound`` if it does not exist."""
        name = self._name(key)
        with _boundary("get"):
            response = self._client.get_object(self._bucket, name)
        return _stream(response)

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens if it is absent."""
        name = self._name(key)
        with contextlib.suppress(NotFound), _boundary("delete"):
            self._client.remove_object(self._bucket, name)

    def list(self, prefix: str = "") -> Iterator[BlobInfo]:
        """Objects whose key starts with ``prefix``, in key order."""
        full = self._prefix + check_prefix(prefix)
        with _boundary("list"):
            objects: Iterator[Any] = self._client.list_objects(self._bucket, prefix=full, recursive=True)
            for obj in objects:
                if obj.object_name and not obj.is_dir:
                    yield BlobInfo(
                        key=obj.object_name[len(self._prefix) :],
                        size=obj.size or 0,
                        modified=obj.last_modified or _EPOCH,
                    )

    def collect_incomplete(self, older_than: dt.datetime) -> int:
        """Abort multipart uploads under this store's prefix started before ``older_than``."""
        if older_than.tzinfo is None:
            raise StorageError("older_than must be timezone-aware")
        aborted = 0
        marker: tuple[str, str] | None = None
        with _boundary("collect"):
            while True:
                page = _list_uploads(self._client, self._bucket, self._prefix, marker)
                old = [upload for upload in page.uploads if _initiated_before(upload, older_than)]
                for upload in old:
                    _abort_upload(self._client, self._bucket, upload)
                aborted += len(old)
                previous, marker = marker, _next_marker(page, restart=bool(old))
                if not page.is_truncated or not page.uploads or (marker and marker == previous):
                    return aborted


def _next_marker(page: ListMultipartUploadsResult, *, restart: bool) -> tuple[str, str] | None:
    """Where the next listing starts.

    SeaweedFS 4.x pages multipart uploads unreliably after a marker, so after
    aborting some we list again from the start (the aborted ones are gone);
    minio also drops ``NextUploadIdMarker``, so the last entry is the marker.
    """
    if restart or not page.uploads:
        return None
    last = page.uploads[-1]
    return (last.object_name, last.upload_id or "")
