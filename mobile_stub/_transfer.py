"""Streaming bodies both ways, and turning server answers into SDK values or errors.

Uploads are read in ``CHUNK_SIZE`` pieces and never held whole; downloads go
to a private temp file beside the destination and are renamed into place only
once every announced byte arrived.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from mobile_stub.errors import NetworkError, TransferIntegrityError, WalletError

CHUNK_SIZE = 64 * 1024
_PROBLEM_LIMIT = 64 * 1024  # an error body bigger than this is not a problem document

Progress = Callable[[int, int | None], None]
"""Called with (bytes done so far, total bytes or None when unknown)."""

JsonObject = dict[str, Any]

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".json": "application/json",
}


def guess_content_type(name: str) -> str | None:
    """The wallet's content type for a file name's extension, or None."""
    return CONTENT_TYPES.get(Path(name).suffix.lower())


class UploadBody:
    """A binary stream sent in chunks; rewindable for one retry when seekable."""

    def __init__(self, stream: BinaryIO, progress: Progress | None = None) -> None:
        self._stream = stream
        self._progress = progress
        self._start: int | None = stream.tell() if _seekable(stream) else None
        self.size = self._remaining_size()

    def _remaining_size(self) -> int | None:
        if self._start is None:
            return None
        end = self._stream.seek(0, os.SEEK_END)
        self._stream.seek(self._start)
        return end - self._start

    def chunks(self) -> Iterator[bytes]:
        done = 0
        while chunk := self._stream.read(CHUNK_SIZE):
            done += len(chunk)
            yield chunk
            if self._progress is not None:
                self._progress(done, self.size)

    def rewind(self) -> bool:
        """Go back to where the body started; False when the stream cannot."""
        if self._start is None:
            return False
        self._stream.seek(self._start)
        return True


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


def save_response(
    response: httpx.Response,
    dest: Path,
    *,
    progress: Progress | None = None,
    require_length: bool = True,
    check: Callable[[Path], None] | None = None,
) -> int:
    """Stream ``response`` to ``dest`` atomically; return the bytes received.

    Raises ``TransferIntegrityError`` and leaves no file if the body aborts,
    ends short or long of ``Content-Length``, or ``check`` rejects it.
    """
    expected = _content_length(response)
    if require_length and expected is None:
        raise TransferIntegrityError("the server sent no Content-Length", subject=str(dest))
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        # We ask for identity, so that Content-Length counts the very bytes we keep.
        raise TransferIntegrityError("unexpected Content-Encoding", subject=str(dest))
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            received = _copy_body(response, out, expected, progress, dest)
            out.flush()
            os.fsync(out.fileno())
        if expected is not None and received != expected:
            raise TransferIntegrityError(f"received {received} of {expected} bytes", subject=str(dest))
        if check is not None:
            check(tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return received


def _copy_body(
    response: httpx.Response,
    out: BinaryIO,
    expected: int | None,
    progress: Progress | None,
    dest: Path,
) -> int:
    received = 0
    try:
        for chunk in response.iter_bytes(CHUNK_SIZE):
            out.write(chunk)
            received += len(chunk)
            if progress is not None:
                progress(received, expected)
    except httpx.HTTPError as exc:
        raise TransferIntegrityError("the transfer was cut off", subject=str(dest)) from exc
    return received


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("Content-Length")
    if value is None or not value.isdigit():
        return None
    return int(value)


def problem_from(response: httpx.Response) -> WalletError:
    """The server's problem details (RFC 9457) as a ``WalletError``; closes ``response``."""
    body = _bounded_body(response)
    media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    data: Any = None
    if media in ("application/problem+json", "application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
    if not isinstance(data, dict):
        text = body.decode("utf-8", "replace").strip()[:200]
        return WalletError(response.status_code, "http_error", response.reason_phrase, text)
    return WalletError(
        response.status_code,
        _text(data.get("code")) or _code_from_type(data.get("type")) or "http_error",
        _text(data.get("title")) or response.reason_phrase,
        _text(data.get("detail")),
    )


def _bounded_body(response: httpx.Response) -> bytes:
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > _PROBLEM_LIMIT:
                break
    except httpx.HTTPError:
        pass  # a cut-off error body still tells us the status
    finally:
        response.close()
    return bytes(body[:_PROBLEM_LIMIT])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _code_from_type(value: Any) -> str:
    """``https://wallet.example/problems/<code>`` → ``<code>``."""
    if not isinstance(value, str) or "/problems/" not in value:
        return ""
    return value.rsplit("/", 1)[-1]


def json_object(response: httpx.Response) -> JsonObject:
    """The response body as a JSON object, or a ``WalletError`` saying it is not one."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise WalletError(response.status_code, "bad_response", "Unexpected response", "not a JSON object")
    return data


def send(client: httpx.Client, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
    """Send ``request``, turning any httpx failure into a ``NetworkError``."""
    try:
        return client.send(request, stream=stream)
    except httpx.HTTPError as exc:
        raise NetworkError(f"{type(exc).__name__}: {exc}", subject=str(request.url)) from exc
