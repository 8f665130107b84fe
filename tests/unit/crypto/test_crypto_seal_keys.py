"""Small sealed values and key wrapping, driven by tests/vectors/crypto/seal.json."""

from typing import Any

import pytest
from crypto_testkit import load_vectors

from crypto import IntegrityError, KeyError_, new_key, open_sealed, seal, unwrap_key, wrap_key
from crypto.keys import WRAPPED_KEY_SIZE
from crypto.seal import SEALED_OVERHEAD

VECTORS = load_vectors("seal.json")
KEY = bytes.fromhex(VECTORS["key"])
AAD = bytes.fromhex(VECTORS["aad"])
VALID = {entry["name"]: entry for entry in VECTORS["valid"]}


@pytest.mark.parametrize("entry", VECTORS["valid"], ids=lambda e: e["name"])
def test_known_sealed_values_open(entry: dict[str, Any]) -> None:
    assert open_sealed(KEY, bytes.fromhex(entry["sealed"]), AAD) == bytes.fromhex(entry["plaintext"])


@pytest.mark.parametrize("case", VECTORS["invalid"], ids=lambda c: c["name"])
def test_negative_vectors_do_not_open(case: dict[str, Any]) -> None:
    sealed = bytearray.fromhex(VALID[case["base"]]["sealed"])
    key = bytes.fromhex(case.get("key", VECTORS["key"]))
    aad = bytes.fromhex(case.get("aad", VECTORS["aad"]))
    if "flip" in case:
        sealed[case["flip"]] ^= 0x01
    if "truncate" in case:
        del sealed[case["truncate"] :]
    sealed += bytes.fromhex(case.get("append_hex", ""))
    with pytest.raises(IntegrityError):
        open_sealed(key, bytes(sealed), aad)


def test_known_wrapped_key_unwraps() -> None:
    vector = VECTORS["wrapped_key"]
    wrapped = bytes.fromhex(vector["wrapped"])
    assert len(wrapped) == WRAPPED_KEY_SIZE
    assert unwrap_key(KEY, wrapped, AAD) == bytes.fromhex(vector["key"])
    with pytest.raises(IntegrityError):
        unwrap_key(KEY, wrapped, AAD + b"x")


@pytest.mark.parametrize("plaintext", [b"", b"x", bytes(range(256)) * 40])
def test_seal_round_trip_and_format(plaintext: bytes) -> None:
    sealed = seal(KEY, plaintext, AAD)
    assert len(sealed) == len(plaintext) + SEALED_OVERHEAD == len(plaintext) + 29
    assert sealed[0] == 1
    assert open_sealed(KEY, sealed, AAD) == plaintext
    assert seal(KEY, plaintext, AAD) != sealed  # fresh nonce every time


def test_every_byte_of_a_sealed_value_is_authenticated() -> None:
    sealed = seal(KEY, b"001099012345", AAD)
    for offset in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[offset] ^= 0x40
        with pytest.raises(IntegrityError):
            open_sealed(KEY, bytes(tampered), AAD)


def test_new_key_is_random_32_bytes() -> None:
    keys = {new_key() for _ in range(64)}
    assert len(keys) == 64
    assert all(len(key) == 32 for key in keys)


def test_wrap_round_trip_binds_aad() -> None:
    data_key = new_key()
    wrapped = wrap_key(KEY, data_key, b"doc/1/v1")
    assert len(wrapped) == WRAPPED_KEY_SIZE
    assert unwrap_key(KEY, wrapped, b"doc/1/v1") == data_key
    for aad in (b"doc/1/v2", b"doc/2/v1", b""):
        with pytest.raises(IntegrityError):
            unwrap_key(KEY, wrapped, aad)
    with pytest.raises(IntegrityError):
        unwrap_key(new_key(), wrapped, b"doc/1/v1")


@pytest.mark.parametrize("bad", [b"", bytes(16), bytes(33), "x" * 32, bytearray(32)])
def test_only_32_byte_keys_are_wrapped(bad: Any) -> None:
    with pytest.raises(KeyError_):
        wrap_key(KEY, bad, AAD)


@pytest.mark.parametrize("bad_kek", [b"", bytes(16), bytes(24), bytes(64), "x" * 32])
def test_key_encryption_key_must_be_32_bytes(bad_kek: Any) -> None:
    with pytest.raises(KeyError_):
        wrap_key(bad_kek, new_key(), AAD)
    with pytest.raises(KeyError_):
        unwrap_key(bad_kek, bytes(WRAPPED_KEY_SIZE), AAD)
    with pytest.raises(KeyError_):
        seal(bad_kek, b"x", AAD)


def test_unwrapping_a_sealed_non_key_is_a_key_error() -> None:
    sealed = seal(KEY, b"not a key", AAD)
    with pytest.raises(KeyError_):
        unwrap_key(KEY, sealed, AAD)


def test_error_messages_carry_no_secrets() -> None:
    secret = b"001099012345"
    sealed = seal(KEY, secret, AAD)
    with pytest.raises(IntegrityError) as caught:
        open_sealed(KEY, sealed[:-1], AAD)
    message = str(caught.value)
    assert caught.value.code == "integrity_error"
    for needle in (secret.hex(), KEY.hex(), sealed.hex(), "001099012345"):
        assert needle not in message
