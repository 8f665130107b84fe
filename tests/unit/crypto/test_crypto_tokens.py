"""Access tokens (HMAC-SHA256 over a fixed header); vectors in tokens.json."""

import json
from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import CryptoError, InvalidToken, KeyError_, TokenMinter
from crypto.tokens import MAX_TOKEN_LENGTH

VECTORS = load_vectors("tokens.json")
MINTER = TokenMinter(bytes.fromhex(VECTORS["key"]))
NOW = VECTORS["now"]


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["name"])
def test_valid_vectors(case: dict[str, Any]) -> None:
    assert MINTER.check(case["token"], now=case["now"]) == case["claims"]


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_invalid_vectors(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        MINTER.check(case["token"], now=case["now"])


def test_mint_is_deterministic_and_matches_the_vector() -> None:
    case = VECTORS["valid"][0]
    assert MINTER.mint(case["claims"]) == case["token"]


def test_header_is_the_documented_one() -> None:
    import base64

    token = MINTER.mint({"exp": NOW + 1})
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == VECTORS["header"] == {"alg": "HS256", "typ": "at+jwt", "kid": "wallet-at-1"}


def test_round_trip_and_expiry() -> None:
    claims = {"sub": "citizen-9", "exp": NOW + 60, "cnf": {"jkt": "abc"}}
    token = MINTER.mint(claims)
    assert MINTER.check(token, now=NOW) == claims
    assert MINTER.check(token, now=NOW + 59) == claims
    with pytest.raises(InvalidToken):
        MINTER.check(token, now=NOW + 60)


def test_another_key_refuses() -> None:
    token = MINTER.mint({"exp": NOW + 60})
    with pytest.raises(InvalidToken):
        TokenMinter(bytes(32)).check(token, now=NOW)


def test_every_character_is_covered_by_the_mac() -> None:
    token = MINTER.mint({"sub": "x", "exp": NOW + 60})
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for index, char in enumerate(token):
        if char == ".":
            continue
        changed = token[:index] + alphabet[(alphabet.index(char) + 32) % 64] + token[index + 1 :]
        with pytest.raises(InvalidToken):
            MINTER.check(changed, now=NOW)


@pytest.mark.parametrize("claims", [{}, {"exp": "1"}, {"exp": True}, {"exp": 1.5}])
def test_mint_needs_an_integer_exp(claims: dict[str, Any]) -> None:
    with pytest.raises(CryptoError):
        MINTER.mint(claims)


def test_mint_refuses_unserialisable_claims() -> None:
    with pytest.raises(CryptoError):
        MINTER.mint({"exp": 1, "x": float("inf")})


def test_oversized_or_non_string_tokens() -> None:
    big = MINTER.mint({"exp": NOW + 60, "pad": "x" * MAX_TOKEN_LENGTH})
    for token in (big, None, b"bytes", 5):
        with pytest.raises(InvalidToken):
            MINTER.check(token, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(33), "x" * 32])
def test_key_must_be_32_bytes(key: Any) -> None:
    with pytest.raises(KeyError_):
        TokenMinter(key)


def test_error_does_not_echo_the_token() -> None:
    token = MINTER.mint({"exp": NOW})
    with pytest.raises(InvalidToken) as caught:
        MINTER.check(token, now=NOW)
    assert token not in str(caught.value) and caught.value.code == "invalid_token"
