"""The raw ES256 functions ``qr`` signs with, added to ``crypto``: r ‖ s over bytes, as JWS and COSE."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from crypto import (
    ES256_SIGNATURE_SIZE,
    InvalidSignature,
    KeyError_,
    es256_sign_raw,
    es256_verify_raw,
    generate_private_key,
    sign_jws,
)

KEY = generate_private_key()


def test_round_trip_and_size() -> None:
    signature = es256_sign_raw(KEY, b"message")
    assert len(signature) == ES256_SIGNATURE_SIZE == 64
    es256_verify_raw(KEY.public_key(), b"message", signature)


def test_signature_is_r_and_s_as_cryptography_sees_them() -> None:
    signature = es256_sign_raw(KEY, b"message")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    KEY.public_key().verify(utils.encode_dss_signature(r, s), b"message", ec.ECDSA(hashes.SHA256()))


def test_a_jws_signature_verifies_raw_over_its_signing_input() -> None:
    token = sign_jws(KEY, {"sub": "x"}, typ="test+jwt")
    header, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    es256_verify_raw(KEY.public_key(), f"{header}.{payload}".encode(), raw)


@pytest.mark.parametrize(
    "signature",
    [b"", b"\x00" * 64, b"\xff" * 64, b"\x01" * 63, b"\x01" * 65, "not bytes"],
)
def test_bad_signatures(signature: bytes) -> None:
    with pytest.raises(InvalidSignature):
        es256_verify_raw(KEY.public_key(), b"message", signature)


def test_wrong_message_or_key() -> None:
    signature = es256_sign_raw(KEY, b"message")
    with pytest.raises(InvalidSignature):
        es256_verify_raw(KEY.public_key(), b"messagE", signature)
    with pytest.raises(InvalidSignature):
        es256_verify_raw(generate_private_key().public_key(), b"message", signature)


def test_other_curves_are_key_errors() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(KeyError_):
        es256_sign_raw(p384, b"message")
    with pytest.raises(KeyError_):
        es256_verify_raw(p384.public_key(), b"message", bytes(64))
    with pytest.raises(KeyError_):
        es256_verify_raw(KEY, b"message", bytes(64))  # type: ignore[arg-type]
