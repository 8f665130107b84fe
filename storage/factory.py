"""Adapters chosen by URL scheme: the only place that knows which backends exist."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error
from urllib3.exceptions import HTTPError

from storage.errors import StorageError, Unavailable
from storage.fs import FileBlobStore
from storage.limits import Timeouts
from storage.ports import BlobStore, Metadata
from storage.reserve import SpaceReserve
from storage.s3 import S3BlobStore

__all__ = ["open_blob_store", "open_metadata"]

ACCESS_KEY_ENV = "WALLET_S3_ACCESS_KEY"
SECRET_KEY_ENV = "WALLET_S3_SECRET_KEY"  # noqa: S105  # the variable's name, not a secret
_S3_PARAMS = frozenset({"endpoint", "secure", "region", "access_key", "secret_key", "prefix"})
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

# Metadata backends: scheme -> module holding ``SqlMetadata``, imported only when used.
_METADATA_MODULES = {
    "sqlite": "storage.sql",
    "postgresql": "storage.sql",
    "postgresql+psycopg": "storage.sql",
}


def _scheme(url: str) -> SplitResult:
    """Split ``url``; messages name the scheme at most, never the rest (it may hold secrets)."""
    try:
        return urlsplit(url)
    except ValueError:
        raise StorageError("malformed storage URL") from None


def _open_file(parts: SplitResult, _timeouts: Timeouts, reserve: SpaceReserve | None) -> BlobStore:
    if parts.netloc not in ("", "localhost") or parts.query or not parts.path.startswith("/"):
        raise StorageError("file blob URL must look like file:///absolute/dir")
    root = Path(unquote(parts.path))
    root.mkdir(parents=True, exist_ok=True)
    return FileBlobStore(root, reserve=reserve)


def _s3_params(query: str) -> dict[str, str]:
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise StorageError("malformed s3 URL query") from None
    unknown = sorted(set(params) - _S3_PARAMS)
    if unknown:
        raise StorageError(f"unknown s3 URL parameter(s): {', '.join(unknown)}")
    return params


def _credentials(params: Mapping[str, str]) -> tuple[str, str]:
    access = params.get("access_key") or os.environ.get(ACCESS_KEY_ENV, "")
    secret = params.get("secret_key") or os.environ.get(SECRET_KEY_ENV, "")
    if not access or not secret:
        raise StorageError(
            f"S3 credentials missing: give access_key and secret_key in the URL "
            f"or set {ACCESS_KEY_ENV} and {SECRET_KEY_ENV}"
        )
    return access, secret


def _http_pool(timeouts: Timeouts) -> urllib3.PoolManager:
    """minio's own pool settings, but bounded timeouts and retries: outages surface fast.

    A timed-out connect or read is not retried (it already used its whole bound);
    one retry covers a refused connection or a 5xx answer, with a short backoff,
    so a call stays within about ``connect + read`` seconds.
    """
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=timeouts.connect, read=timeouts.read),
        maxsize=10,
        block=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(
            total=1,
            connect=1,
            read=0,
            backoff_factor=0.1,
            status_forcelist=[500, 502, 503, 504],
        ),
    )


def _client(params: Mapping[str, str], timeouts: Timeouts) -> Minio:
    endpoint = params.get("endpoint", "")
    if not endpoint:
        raise StorageError("s3 URL needs endpoint=host:port")
    secure = _BOOLEANS.get(params.get("secure", "true").lower())
    if secure is None:
        raise StorageError("s3 URL parameter secure must be true or false")
    access, secret = _credentials(params)
    return Minio(
        endpoint,
        access_key=access,
        secret_key=secret,
        secure=secure,
        region=params.get("region") or None,
        http_client=_http_pool(timeouts),
    )


def _ensure_bucket(client: Minio, bucket: str, region: str | None) -> None:
    try:
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket, location=region)
    except S3Error as exc:
        if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):  # a racing worker
            raise StorageError(f"S3 bucket check refused: {exc.code}") from exc
    except (MinioException, HTTPError) as exc:
        raise Unavailable(f"S3 endpoint unreachable: {type(exc).__name__}") from exc
    except ValueError:  # minio validates bucket names locally
        raise StorageError("invalid S3 bucket name") from None


def _open_s3(parts: SplitResult, timeouts: Timeouts, _reserve: SpaceReserve | None) -> BlobStore:
    bucket = parts.netloc
    if not bucket or "@" in bucket or ":" in bucket or parts.path not in ("", "/"):
        raise StorageError("s3 blob URL must look like s3://bucket?endpoint=host:port&...")
    params = _s3_params(parts.query)
    client = _client(params, timeouts)
    _ensure_bucket(client, bucket, params.get("region") or None)
    return S3BlobStore(client, bucket, prefix=params.get("prefix", ""))


_BLOB_STORES: dict[str, Callable[[SplitResult, Timeouts, SpaceReserve | None], BlobStore]] = {
    "file": _open_file,
    "s3": _open_s3,
}


def open_blob_store(
    url: str, *, timeouts: Timeouts | None = None, reserve: SpaceReserve | None = None
) -> BlobStore:
    """The blob store for ``file:///dir`` or ``s3://bucket?endpoint=...`` (creates dir/bucket);
    a file store keeps ``reserve`` in place before each write."""
    parts = _scheme(url)
    opener = _BLOB_STORES.get(parts.scheme)
    if opener is None:
        raise StorageError(
            f"unsupported blob store scheme {parts.scheme!r}; use one of {sorted(_BLOB_STORES)}"
        )
    return opener(parts, timeouts or Timeouts(), reserve)


def open_metadata(url: str, **kwargs: Any) -> Metadata:
    """The metadata backend for a ``sqlite:///`` or ``postgresql+psycopg://`` URL."""
    scheme = _scheme(url).scheme
    module_name = _METADATA_MODULES.get(scheme)
    if module_name is None:
        raise StorageError(f"unsupported metadata scheme {scheme!r}; use one of {sorted(_METADATA_MODULES)}")
    module = importlib.import_module(module_name)
    return cast(Metadata, module.SqlMetadata(url, **kwargs))
