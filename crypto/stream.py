"""Streaming AEAD: AES-256-GCM over fixed-size segments (a STREAM construction).

Wire format::

    header   = b"CWS1" ‖ segment_size u32 BE (65536) ‖ salt (16 random bytes)
    segment  = AES-256-GCM(subkey, nonce, plaintext_i, aad ‖ header)   # ciphertext ‖ tag
    subkey   = HKDF-SHA256(ikm=key, salt=salt, info=b"CWS1 segment key")
    nonce    = salt[:7] ‖ i u32 BE ‖ last (0x00, or 0x01 for the final segment)

Every segment but the last carries exactly ``SEGMENT_SIZE`` plaintext bytes;
the last carries fewer (0 to ``SEGMENT_SIZE - 1``), so an input that is an
exact multiple of the segment size, or empty, ends with an empty final segment.
A reader therefore knows from the length alone that a full segment is not the
last, and never has to look ahead.

The whole salt feeds HKDF, so even a data key mistakenly reused for a second
stream gets a fresh subkey; its first 7 bytes are also the nonce prefix (the
layout the design names). The counter and last flag in the nonce catch
reordering, truncation (a missing final segment, including a cut exactly at a
segment boundary) and trailing data; the header in every segment's AAD and the
per-stream subkey catch splicing between streams and a changed header; the
caller's ``aad`` (owner, document id, version) catches a ciphertext moved to
another record.

Memory is bounded: one plaintext and one ciphertext segment buffer per stream,
reused; each yielded chunk is a fresh ``bytes`` the caller may keep.
"""

import itertools
import secrets
import struct
from collections.abc import Generator, Iterable, Iterator

from crypto._hazmat import KEY_SIZE, NONCE_SIZE, TAG_SIZE, Aead, hkdf_sha256
from crypto.errors import CryptoError, IntegrityError, KeyError_

__all__ = ["HEADER_SIZE", "SEGMENT_SIZE", "ciphertext_size", "decrypt_stream", "encrypt_stream"]

SEGMENT_SIZE = 65536
"""Plaintext bytes per segment (the last segment holds fewer)."""

_MAGIC = b"CWS1"
_SALT_SIZE = 16
_PREFIX_SIZE = 7
_SUBKEY_INFO = b"CWS1 segment key"
_HEADER_PREFIX = _MAGIC + struct.pack(">I", SEGMENT_SIZE)
HEADER_SIZE = len(_HEADER_PREFIX) + _SALT_SIZE
"""Length of the stream header (24 bytes)."""
_CIPHER_SEGMENT = SEGMENT_SIZE + TAG_SIZE
_MAX_SEGMENTS = 1 << 32
_COUNTER = struct.Struct(">IB")


def ciphertext_size(plaintext_size: int) -> int:
    """Exact length of ``encrypt_stream`` output for ``plaintext_size`` bytes of input."""
    if plaintext_size < 0:
        raise CryptoError("plaintext size must not be negative")
    full, rest = divmod(plaintext_size, SEGMENT_SIZE)
    return HEADER_SIZE + full * _CIPHER_SEGMENT + rest + TAG_SIZE


def encrypt_stream(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Generator[bytes, None, None]:
    """Encrypt ``chunks`` (any sizes) under a 32-byte key: yields the header, then segments."""
    _check_arguments(key, aad)
    return _encrypt_with_salt(key, aad, chunks, secrets.token_bytes(_SALT_SIZE))


def decrypt_stream(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Generator[bytes, None, None]:
    """Decrypt a stream split anyhow into ``chunks``; yields each segment once authenticated.

    Raises ``IntegrityError`` (possibly after earlier segments were yielded) on a
    wrong key or aad, tampering, truncation, reordering, splicing or trailing data.
    """
    _check_arguments(key, aad)
    return _decrypt(key, aad, chunks)


def _check_arguments(key: bytes, aad: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise KeyError_("stream key must be 32 bytes")
    if not isinstance(aad, bytes):
        raise CryptoError("associated data must be bytes")


class _SegmentCipher:
    """The per-stream subkey, nonce and counter shared by both directions."""

    __slots__ = ("_aad", "_aead", "_counter", "_nonce")

    def __init__(self, key: bytes, aad: bytes, header: bytes) -> None:
        salt = header[len(_HEADER_PREFIX) :]
        self._aead = Aead(hkdf_sha256(key, salt=salt, info=_SUBKEY_INFO))
        self._aad = aad + header
        self._nonce = bytearray(NONCE_SIZE)
        self._nonce[:_PREFIX_SIZE] = salt[:_PREFIX_SIZE]
        self._counter = 0

    def _next_nonce(self, last: bool) -> bytearray:
        if self._counter >= _MAX_SEGMENTS:
            raise IntegrityError("stream exceeds 2**32 segments")
        _COUNTER.pack_into(self._nonce, _PREFIX_SIZE, self._counter, last)
        self._counter += 1
        return self._nonce

    def seal(self, plaintext: memoryview, out: memoryview, last: bool) -> None:
        """Encrypt the next segment into ``out``."""
        self._aead.encrypt_into(self._next_nonce(last), plaintext, self._aad, out)

    def open(self, ciphertext: memoryview, out: memoryview, last: bool) -> None:
        """Decrypt the next segment into ``out`` or raise ``IntegrityError``."""
        self._aead.decrypt_into(self._next_nonce(last), ciphertext, self._aad, out)


def _reblock(chunks: Iterable[bytes | memoryview], size: int) -> Iterator[memoryview]:
    """Regroup ``chunks`` into views of exactly ``size`` bytes, then one shorter final view.

    A full block is a slice of the caller's chunk when it lies inside one (no
    copy), else the reused internal buffer; a view is valid until the next step.
    """
    pending = memoryview(bytearray(size))
    fill = 0
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        pos, end = 0, len(view)
        while pos < end:
            if fill == 0 and end - pos >= size:
                yield view[pos : pos + size]
                pos += size
                continue
            take = min(end - pos, size - fill)
            pending[fill : fill + take] = view[pos : pos + take]
            fill += take
            pos += take
            if fill == size:
                yield pending
                fill = 0
    yield pending[:fill]


def _encrypt_with_salt(
    key: bytes, aad: bytes, chunks: Iterable[bytes], salt: bytes
) -> Generator[bytes, None, None]:
    """``encrypt_stream`` with a chosen salt: for known-answer tests only, never reuse a salt."""
    if len(salt) != _SALT_SIZE:
        raise CryptoError("stream salt must be 16 bytes")
    header = _HEADER_PREFIX + salt
    cipher = _SegmentCipher(key, aad, header)
    source = iter(chunks)
    try:
        yield header
        out = memoryview(bytearray(_CIPHER_SEGMENT))
        for block in _reblock(source, SEGMENT_SIZE):
            size = len(block) + TAG_SIZE
            cipher.seal(block, out[:size], last=size < _CIPHER_SEGMENT)
            yield bytes(out[:size])
    finally:
        _close(source)


def _close(source: Iterator[bytes]) -> None:
    """Close a generator source at once (e.g. a blob reader) when we stop, normally or not."""
    close = getattr(source, "close", None)
    if close is not None:
        close()


def _split_header(chunks: Iterator[bytes]) -> tuple[bytes, memoryview]:
    """Read the header off the front of ``chunks``; returns it and the rest of its chunk."""
    head = bytearray()
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        need = HEADER_SIZE - len(head)
        head += view[:need]
        if len(head) == HEADER_SIZE:
            if not head.startswith(_HEADER_PREFIX):
                raise IntegrityError()
            return bytes(head), view[need:]
    raise IntegrityError()


def _decrypt(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Generator[bytes, None, None]:
    source = iter(chunks)
    try:
        header, rest = _split_header(source)
        cipher = _SegmentCipher(key, aad, header)
        out = memoryview(bytearray(SEGMENT_SIZE))
        for block in _reblock(itertools.chain((rest,), source), _CIPHER_SEGMENT):
            if len(block) < TAG_SIZE:  # includes a stream cut at a segment boundary
                raise IntegrityError()
            size = len(block) - TAG_SIZE
            cipher.open(block, out[:size], last=size < SEGMENT_SIZE)
            if size:
                yield bytes(out[:size])
    finally:
        _close(source)
