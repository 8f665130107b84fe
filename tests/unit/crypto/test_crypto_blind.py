"""Blind index, driven by tests/vectors/crypto/blind_index.json."""

import unicodedata
from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import KeyError_, blind_index

VECTORS = load_vectors("blind_index.json")
KEY = bytes.fromhex(VECTORS["key"])


@pytest.mark.parametrize("entry", VECTORS["vectors"], ids=lambda e: ascii(e["value"]))
def test_known_answers(entry: dict[str, str]) -> None:
    assert blind_index(KEY, entry["value"]) == entry["index"]


def test_composed_and_decomposed_vietnamese_give_one_index() -> None:
    composed = "Nguy\u1ec5n"  # ễ as one code point
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde
    assert composed != decomposed
    assert unicodedata.normalize("NFC", decomposed) == composed
    assert blind_index(KEY, composed) == blind_index(KEY, decomposed)


@pytest.mark.parametrize("group", VECTORS["same"], ids=lambda g: ascii(g[0]))
def test_equivalent_spellings_share_an_index(group: list[str]) -> None:
    assert len({blind_index(KEY, value) for value in group}) == 1


def test_different_values_differ() -> None:
    values = VECTORS["distinct"]
    assert len({blind_index(KEY, value) for value in values}) == len(values)


def test_index_depends_on_the_key() -> None:
    other = bytes(32)
    assert blind_index(KEY, "001099012345") != blind_index(other, "001099012345")


def test_index_is_lower_hex_sha256() -> None:
    index = blind_index(KEY, "x")
    assert len(index) == 64
    assert set(index) <= set("0123456789abcdef")


def test_lone_surrogates_are_indexed_not_raised() -> None:
    assert len(blind_index(KEY, "\ud800")) == 64


@pytest.mark.parametrize("bad", [b"", bytes(16), bytes(33), "k" * 32])
def test_key_must_be_32_bytes(bad: Any) -> None:
    with pytest.raises(KeyError_):
        blind_index(bad, "001099012345")
