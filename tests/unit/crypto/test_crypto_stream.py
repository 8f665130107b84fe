"""Streaming AEAD: known answers, negative vectors, boundaries and properties."""

import hashlib
import itertools
from collections.abc import Iterable
from typing import Any

import pytest
from crypto_testkit import (
    CIPHER_SEGMENT,
    HEADER,
    apply_op,
    load_vectors,
    pattern,
    reference_encrypt,
    split_every,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import (
    SEGMENT_SIZE,
    CryptoError,
    IntegrityError,
    KeyError_,
    ciphertext_size,
    decrypt_stream,
    encrypt_stream,
)
from crypto.stream import HEADER_SIZE, _encrypt_with_salt

VECTORS = load_vectors("stream.json")
KEY = bytes.fromhex(VECTORS["key"])
AAD = bytes.fromhex(VECTORS["aad"])
SALT = bytes.fromhex(VECTORS["salt"])
VALID = {entry["name"]: entry for entry in VECTORS["valid"]}
SPLITS = [1 << 30, SEGMENT_SIZE, CIPHER_SEGMENT, 1000, 65537, 7]


def encrypt(plaintext: bytes, chunk: int = 1 << 30, key: bytes = KEY, aad: bytes = AAD) -> bytes:
    return b"".join(encrypt_stream(key, aad, split_every(plaintext, chunk)))


def decrypt(stream: bytes, chunk: int = 1 << 30, key: bytes = KEY, aad: bytes = AAD) -> bytes:
    return b"".join(decrypt_stream(key, aad, split_every(stream, chunk)))


def vector_stream(entry: dict[str, Any]) -> bytes:
    stream = b"".join(_encrypt_with_salt(KEY, AAD, [pattern(entry["length"])], SALT))
    assert hashlib.sha256(stream).hexdigest() == entry["ciphertext_sha256"]
    return stream


# --- known answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("entry", VECTORS["valid"], ids=lambda e: e["name"])
def test_known_answer_encrypts_to_the_vector(entry: dict[str, Any]) -> None:
    plaintext = pattern(entry["length"])
    for chunk in (1 << 30, 1000, SEGMENT_SIZE):
        stream = b"".join(_encrypt_with_salt(KEY, AAD, split_every(plaintext, chunk), SALT))
        assert hashlib.sha256(stream).hexdigest() == entry["ciphertext_sha256"]
    assert len(stream) == entry["ciphertext_length"] == ciphertext_size(entry["length"])
    assert stream == reference_encrypt(KEY, AAD, plaintext, SALT)
    if "ciphertext" in entry:
        assert stream.hex() == entry["ciphertext"]


@pytest.mark.parametrize("entry", VECTORS["valid"], ids=lambda e: e["name"])
@pytest.mark.parametrize("chunk", SPLITS)
def test_known_answer_decrypts_in_any_split(entry: dict[str, Any], chunk: int) -> None:
    stream = bytes.fromhex(entry["ciphertext"]) if "ciphertext" in entry else vector_stream(entry)
    if chunk == 7 and entry["length"] > 70000:
        chunk = 4093  # keep the smallest split affordable on the big vectors
    assert decrypt(stream, chunk) == pattern(entry["length"])


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
@pytest.mark.parametrize("chunk", [1 << 30, 1000, CIPHER_SEGMENT])
def test_negative_vectors_are_refused(case: dict[str, Any], chunk: int) -> None:
    base = VALID[case["base"]]
    stream, key, aad = vector_stream(base), KEY, AAD
    for op in case["ops"]:
        stream, key, aad = apply_op(stream, op, {**VECTORS, "length": base["length"]})
    with pytest.raises(IntegrityError):
        decrypt(stream, chunk, key=key, aad=aad)


@pytest.mark.parametrize("case", VECTORS["forged"], ids=lambda c: c["name"])
def test_forged_last_flags_are_refused(case: dict[str, Any]) -> None:
    stream = reference_encrypt(KEY, AAD, pattern(case["length"]), SALT, flags=case["flags"])
    if "ciphertext" in case:
        assert stream.hex() == case["ciphertext"]
    with pytest.raises(IntegrityError):
        decrypt(stream)


# --- shape of the output ---------------------------------------------------------------------


def test_empty_input_gives_header_and_one_empty_final_segment() -> None:
    chunks = list(encrypt_stream(KEY, AAD, []))
    assert [len(c) for c in chunks] == [HEADER_SIZE, 16]
    assert chunks[0][:8] == b"CWS1" + SEGMENT_SIZE.to_bytes(4, "big")
    assert decrypt(b"".join(chunks)) == b""
    assert list(decrypt_stream(KEY, AAD, chunks)) == []  # no empty chunk is yielded


@pytest.mark.parametrize("multiple", [1, 2, 3])
def test_exact_multiples_end_with_an_empty_final_segment(multiple: int) -> None:
    plaintext = pattern(multiple * SEGMENT_SIZE)
    chunks = list(encrypt_stream(KEY, AAD, [plaintext]))
    assert [len(c) for c in chunks] == [HEADER] + [CIPHER_SEGMENT] * multiple + [16]
    assert all(type(c) is bytes for c in chunks)
    assert decrypt(b"".join(chunks), 4096) == plaintext


def test_yielded_chunks_stay_valid_after_the_buffers_are_reused() -> None:
    plaintext = pattern(5 * SEGMENT_SIZE + 123)
    chunks = list(encrypt_stream(KEY, AAD, split_every(plaintext, 10_000)))
    assert len({id(c) for c in chunks}) == len(chunks)  # distinct objects, not one reused buffer
    plain_chunks = list(decrypt_stream(KEY, AAD, chunks))
    assert [len(c) for c in plain_chunks] == [SEGMENT_SIZE] * 5 + [123]
    assert all(type(c) is bytes for c in plain_chunks)
    assert b"".join(plain_chunks) == plaintext


def test_accepts_bytearray_memoryview_and_empty_chunks() -> None:
    plaintext = pattern(70_000)
    pieces: list[Any] = [b"", bytearray(plaintext[:10]), memoryview(plaintext)[10:], b""]
    stream = b"".join(encrypt_stream(KEY, AAD, pieces))
    body = stream[HEADER:]
    mixed: list[Any] = [stream[:5], b"", bytearray(stream[5:HEADER]), memoryview(body), b""]
    assert b"".join(decrypt_stream(KEY, AAD, mixed)) == plaintext


def test_each_stream_gets_a_fresh_salt() -> None:
    first, second = encrypt(b"same"), encrypt(b"same")
    assert first[:8] == second[:8]
    assert first[8:HEADER] != second[8:HEADER]
    assert first[HEADER:] != second[HEADER:]


def test_generic_iterables_are_consumed_lazily() -> None:
    seen: list[int] = []

    def source() -> Iterable[bytes]:
        for index in range(4):
            seen.append(index)
            yield pattern(SEGMENT_SIZE)

    chunks = encrypt_stream(KEY, AAD, source())
    assert len(next(chunks)) == HEADER
    assert len(next(chunks)) == CIPHER_SEGMENT
    assert seen == [0]


def test_decrypt_yields_nothing_of_a_bad_segment() -> None:
    stream = bytearray(encrypt(pattern(3 * SEGMENT_SIZE)))
    stream[HEADER + CIPHER_SEGMENT + 5] ^= 1  # the second segment
    received: list[bytes] = []
    with pytest.raises(IntegrityError):
        for chunk in decrypt_stream(KEY, AAD, [bytes(stream)]):
            received.append(chunk)
    assert received == [pattern(3 * SEGMENT_SIZE)[:SEGMENT_SIZE]]


# --- exhaustive small cases ------------------------------------------------------------------


def test_every_truncation_of_a_small_stream_fails() -> None:
    stream = encrypt(pattern(100))
    for length in range(len(stream)):
        with pytest.raises(IntegrityError):
            decrypt(stream[:length])


def test_every_byte_of_a_small_stream_is_authenticated() -> None:
    stream = encrypt(pattern(40))
    for offset in range(len(stream)):
        for bit in (0x01, 0x80):
            tampered = bytearray(stream)
            tampered[offset] ^= bit
            with pytest.raises(IntegrityError):
                decrypt(bytes(tampered))


def test_truncation_around_every_segment_boundary_fails() -> None:
    stream = encrypt(pattern(3 * SEGMENT_SIZE + 10))
    boundaries = [HEADER + k * CIPHER_SEGMENT for k in range(4)]
    for boundary in boundaries:
        for length in (boundary - 1, boundary, boundary + 1, boundary + 16):
            with pytest.raises(IntegrityError):
                decrypt(stream[:length], CIPHER_SEGMENT)


# --- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_key", [b"", bytes(16), bytes(31), bytes(33), "k" * 32])
def test_bad_keys_are_refused_when_called(bad_key: Any) -> None:
    with pytest.raises(KeyError_):
        encrypt_stream(bad_key, AAD, [])
    with pytest.raises(KeyError_):
        decrypt_stream(bad_key, AAD, [])


def test_aad_must_be_bytes() -> None:
    with pytest.raises(CryptoError):
        encrypt_stream(KEY, "text", [])  # type: ignore[arg-type]


def test_ciphertext_size() -> None:
    assert ciphertext_size(0) == HEADER + 16
    assert ciphertext_size(1) == HEADER + 17
    assert ciphertext_size(SEGMENT_SIZE) == HEADER + CIPHER_SEGMENT + 16
    assert ciphertext_size(SEGMENT_SIZE + 1) == HEADER + CIPHER_SEGMENT + 17
    with pytest.raises(CryptoError):
        ciphertext_size(-1)


def test_empty_aad_is_distinct_from_missing_header() -> None:
    stream = encrypt(b"hello", aad=b"")
    assert decrypt(stream, aad=b"") == b"hello"
    with pytest.raises(IntegrityError):
        decrypt(stream, aad=b"\x00")


# --- properties ------------------------------------------------------------------------------

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def splits(draw: st.DrawFn, data: bytes) -> list[bytes]:
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    edges = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@PROPERTY
@given(size=st.integers(0, 4 * SEGMENT_SIZE + 50), data=st.data())
def test_round_trip_any_size_any_split(size: int, data: st.DataObject) -> None:
    plaintext = pattern(size)
    stream = b"".join(_encrypt_with_salt(KEY, AAD, data.draw(splits(plaintext)), SALT))
    assert stream == reference_encrypt(KEY, AAD, plaintext, SALT)
    assert len(stream) == ciphertext_size(size)
    assert b"".join(decrypt_stream(KEY, AAD, data.draw(splits(stream)))) == plaintext


@PROPERTY
@given(size=st.integers(0, 3 * SEGMENT_SIZE + 50), data=st.data())
def test_any_single_flip_fails(size: int, data: st.DataObject) -> None:
    stream = bytearray(encrypt(pattern(size)))
    offset = data.draw(st.integers(0, len(stream) - 1))
    stream[offset] ^= data.draw(st.integers(1, 255))
    with pytest.raises(IntegrityError):
        decrypt(bytes(stream), data.draw(st.sampled_from([1 << 30, 999, CIPHER_SEGMENT])))


@PROPERTY
@given(size=st.integers(0, 3 * SEGMENT_SIZE + 50), data=st.data())
def test_any_truncation_or_extension_fails(size: int, data: st.DataObject) -> None:
    stream = encrypt(pattern(size))
    if data.draw(st.booleans()):
        altered = stream[: data.draw(st.integers(0, len(stream) - 1))]
    else:
        altered = stream + data.draw(st.binary(min_size=1, max_size=CIPHER_SEGMENT + 20))
    with pytest.raises(IntegrityError):
        decrypt(altered, 5000)


# --- resources -------------------------------------------------------------------------------


class _Source:
    """A generator-like source that records whether it was closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = iter(chunks)
        self.closed = False

    def __iter__(self) -> "_Source":
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        self.closed = True


def test_source_is_closed_after_a_failure_or_an_early_stop() -> None:
    stream = encrypt(pattern(3 * SEGMENT_SIZE))
    failing = _Source([stream[:-1]])
    with pytest.raises(IntegrityError):
        decrypt_stream_all(failing)
    assert failing.closed
    abandoned = _Source(split_every(stream, 1000))
    chunks = decrypt_stream(KEY, AAD, abandoned)
    next(chunks)
    chunks.close()
    assert abandoned.closed
    plain = _Source([b"x" * 10])
    assert len(b"".join(encrypt_stream(KEY, AAD, plain))) == ciphertext_size(10)
    assert plain.closed


def decrypt_stream_all(source: Iterable[bytes]) -> bytes:
    return b"".join(decrypt_stream(KEY, AAD, source))


@pytest.mark.parametrize("salt", [b"", bytes(15), bytes(17)])
def test_known_answer_helper_checks_the_salt(salt: bytes) -> None:
    with pytest.raises(CryptoError):
        list(_encrypt_with_salt(KEY, AAD, [b"x"], salt))


def test_segment_counter_cannot_wrap() -> None:
    from crypto.stream import _SegmentCipher

    cipher = _SegmentCipher(KEY, AAD, b"CWS1" + SEGMENT_SIZE.to_bytes(4, "big") + SALT)
    cipher._counter = 1 << 32  # as if 2**32 segments (256 TiB) had gone by
    with pytest.raises(IntegrityError):
        cipher.seal(memoryview(b""), memoryview(bytearray(16)), last=True)
