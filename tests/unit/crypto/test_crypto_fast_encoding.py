"""The fast readers of ``crypto._encoding`` against their definitions, on generated hostile input:
base64url is canonical iff it round-trips; a JSON object is what the strict stdlib reader reads."""

from __future__ import annotations

import base64
import binascii
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto._encoding import b64url_decode, b64url_encode, json_object

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _by_definition(text: str) -> bytes | None:
    """The round trip: decode leniently, accept only if encoding gives ``text`` back."""
    raw = text.encode("ascii")
    if len(raw) % 4 == 1:
        return None
    try:
        data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except binascii.Error:
        return None
    return data if b64url_encode(data) == text else None


def _fast(text: str) -> bytes | None:
    try:
        return b64url_decode(text)
    except ValueError:
        return None


def test_base64url_agrees_with_the_round_trip_on_every_kind_of_input() -> None:
    rng = random.Random(12)
    noise = ALPHABET + "+/=. \n\t\x00*"
    for _ in range(40_000):
        length = rng.randrange(0, 14)
        pool = ALPHABET if rng.random() < 0.7 else noise
        text = "".join(rng.choice(pool) for _ in range(length))
        assert _fast(text) == _by_definition(text), repr(text)
    for size in range(0, 40):  # every valid encoding, and its last character's every neighbour
        data = rng.randbytes(size)
        text = b64url_encode(data)
        assert b64url_decode(text) == data
        for last in ALPHABET + "=+/":
            mutated = text[:-1] + last if text else last
            assert _fast(mutated) == _by_definition(mutated), repr(mutated)
        assert _fast(text + "=" * (-len(text) % 4 or 4)) is None  # padded: refused


def _strict(text: bytes) -> dict[str, Any] | None:
    """The stdlib reader with the duplicate and constant refusals (the slow path on its own)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in items}) != len(items):
            raise ValueError("duplicate")
        return dict(items)

    def constant(name: str) -> Any:
        raise ValueError(name)

    try:
        value = json.loads(text.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _read(text: bytes) -> dict[str, Any] | None:
    try:
        return json_object(text)
    except ValueError:
        return None


@pytest.mark.parametrize(
    "text",
    [
        b'{"a":1,"a":2}',
        b'{"a":{"b":1,"b":1}}',
        b'{"a":[{"x":1,"x":1}]}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":-Infinity}',
        b'{"a":1e400}',
        b'{"a":-0}',
        b'{"a":1.0}',
        b'{"a":123456789012345678901234567890}',
        b'{"a":"\xff"}',
        b'{"a":"\\/"}',
        b'{"a":"\x01"}',
        b'{"a":1}x',
        b'{"a":1} ',
        b'\xef\xbb\xbf{"a":1}',
        b"[1]",
        b'"a"',
        b"{}",
        b'{"":null}',
        b'{"a":true,"b":false,"c":null,"d":[],"e":{}}',
        b'{"htm":"GET","iat":1700000000,"htu":"https://x/y","jti":"abc"}',
    ],
)
def test_json_objects_read_as_the_strict_reader_reads_them(text: bytes) -> None:
    assert _read(text) == _strict(text)
    if b'"a":1,"a"' in text or b'"b":1,"b"' in text or b'"x":1,"x"' in text:
        assert _read(text) is None  # duplicates: refused, whichever path read them


def test_generated_json_objects_read_as_the_strict_reader_reads_them() -> None:
    rng = random.Random(7)
    atoms = ['"a"', '"b"', "1", "-2.5", "true", "null", '"đ"', "0", "1e3", '"\\n"', "[]", "{}"]
    for _ in range(5_000):
        members = [f'"{rng.choice("abc")}":{rng.choice(atoms)}' for _ in range(rng.randrange(0, 4))]
        if rng.random() < 0.3:
            members.append('"n":{' + ",".join(members) + "}")
        text = ("{" + ",".join(members) + "}").encode()
        assert _read(text) == _strict(text), text


def test_compact_objects_take_the_fast_path_and_others_the_full_reader() -> None:
    from crypto._encoding import _canonical_object

    assert _canonical_object(b'{"alg":"ES256","jwk":{"crv":"P-256","kty":"EC"},"typ":"dpop+jwt"}') is not None
    assert _canonical_object(b'{"a": 1}') is None  # whitespace: not as msgspec writes it
    assert _canonical_object(b'{"a":1,"a":1}') is None
    assert _canonical_object(b'{"a":"\\ud800"}') is None


_REASONS = {
    "JSON text is not UTF-8",
    "malformed JSON",
    "JSON value is not an object",
    "JSON nested too deeply",
    "lone surrogate in JSON string",
}


_VALUES = st.one_of(st.integers(), st.text(max_size=4), st.none())
_CANONICAL = st.dictionaries(st.text(max_size=4), _VALUES, max_size=3).map(
    lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode()
)
_SPLICED = _CANONICAL.flatmap(
    lambda b: st.tuples(st.just(b), st.integers(0, len(b)), st.binary(max_size=3))
).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :])


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.binary(max_size=64), _SPLICED))
def test_any_bytes_read_as_the_strict_reader_reads_them_and_refused_for_a_stated_reason(text: bytes) -> None:
    """Arbitrary bytes and canonical objects with bytes spliced in (invalid UTF-8 among them, which
    the fast reader raises as UnicodeDecodeError): the same value, or a refusal naming its reason."""
    assert _read(text) == _strict(text), text
    try:
        json_object(text)
    except ValueError as refused:
        assert str(refused) in _REASONS, (text, str(refused))
