"""Helpers for the crypto unit tests: vector files and an independent STREAM reference.

Imported by module name (pytest puts this folder on ``sys.path``); not a
conftest, so it cannot clash with the project-wide one.

The reference encryptor below is written straight from the format description
in ``crypto/stream.py`` on top of ``cryptography`` itself, so the known-answer
vectors are checked against two implementations.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors" / "crypto"
SEGMENT = 65536


def load_vectors(name: str) -> dict[str, Any]:
    """One JSON vector file from ``tests/vectors/crypto``."""
    with (VECTOR_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def pattern(length: int) -> bytes:
    """The plaintext the stream vectors use: byte ``i`` is ``i % 251``."""
    return bytes(i % 251 for i in range(length))


def reference_encrypt(
    key: bytes,
    aad: bytes,
    plaintext: bytes,
    salt: bytes,
    *,
    flags: Sequence[int] | None = None,
) -> bytes:
    """CWS1 by the book; ``flags`` overrides each segment's last flag to forge bad streams."""
    header = b"CWS1" + SEGMENT.to_bytes(4, "big") + salt
    subkey = HKDF(hashes.SHA256(), 32, salt=salt, info=b"CWS1 segment key").derive(key)
    cut = len(plaintext) - len(plaintext) % SEGMENT
    pieces = [plaintext[i : i + SEGMENT] for i in range(0, cut, SEGMENT)] + [plaintext[cut:]]
    aead = AESGCM(subkey)
    out = [header]
    for index, piece in enumerate(pieces):
        last = 1 if index == len(pieces) - 1 else 0
        flag = last if flags is None else flags[index]
        nonce = salt[:7] + index.to_bytes(4, "big") + bytes([flag])
        out.append(aead.encrypt(nonce, piece, aad + header))
    return b"".join(out)


def split_every(data: bytes, size: int) -> list[bytes]:
    """``data`` cut into ``size``-byte chunks (the last may be shorter)."""
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


HEADER = 24
CIPHER_SEGMENT = SEGMENT + 16


def segments_of(stream: bytes) -> tuple[bytes, list[bytes]]:
    """A stream's header and its ciphertext segments."""
    body = stream[HEADER:]
    return stream[:HEADER], [body[i : i + CIPHER_SEGMENT] for i in range(0, len(body), CIPHER_SEGMENT)]


def apply_op(stream: bytes, op: dict[str, Any], vector: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """Apply one negative-vector op; returns (stream, key, aad) to decrypt with."""
    key, aad = bytes.fromhex(vector["key"]), bytes.fromhex(vector["aad"])
    header, segments = segments_of(stream)
    if "flip" in op:
        data = bytearray(stream)
        data[op["flip"]] ^= 0x01
        return bytes(data), key, aad
    if "truncate" in op:
        return stream[: op["truncate"]], key, aad
    if "append_hex" in op:
        return stream + bytes.fromhex(op["append_hex"]), key, aad
    if "drop_segment" in op:
        del segments[op["drop_segment"]]
    elif "duplicate_segment" in op:
        segments.insert(op["duplicate_segment"], segments[op["duplicate_segment"]])
    elif "swap_segments" in op:
        i, j = op["swap_segments"]
        segments[i], segments[j] = segments[j], segments[i]
    elif "splice_segment" in op or "splice_header" in op:
        other = reference_encrypt(
            key,
            aad,
            pattern(vector["length"]),
            bytes.fromhex(op.get("salt") or op["splice_header"]),
        )
        other_header, other_segments = segments_of(other)
        if "splice_header" in op:
            header = other_header
        else:
            segments[op["splice_segment"]] = other_segments[op["splice_segment"]]
    elif "key" in op:
        key = bytes.fromhex(op["key"])
    elif "aad" in op:
        aad = bytes.fromhex(op["aad"])
    else:
        raise AssertionError(f"unknown op {op}")
    return header + b"".join(segments), key, aad
