"""Known-answer and negative vectors (tests/vectors/qr), made without the code under test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto import load_private_key_pem, public_key_from_jwk
from qr import (
    IdentityClaims,
    Presentation,
    QrError,
    QrKeySet,
    Reference,
    decode_any,
    encode_identity,
    qr_key_id,
    verify_identity,
)

VECTOR_DIR = Path(__file__).resolve().parents[2] / "vectors" / "qr"


def _load(name: str) -> dict[str, Any]:
    with (VECTOR_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


IDENTITY = _load("identity.json")
ENVELOPES = _load("envelopes.json")
PUBLIC = public_key_from_jwk(IDENTITY["public_jwk"])
KEYS = QrKeySet({IDENTITY["kid"]: PUBLIC})
NOW: int = IDENTITY["now"]


@pytest.mark.parametrize("case", IDENTITY["valid"], ids=lambda c: c["name"])
def test_valid_identity_vectors_verify(case: dict[str, Any]) -> None:
    identity = verify_identity(bytes.fromhex(case["payload_hex"]), KEYS, now=NOW)
    assert identity.claims.disclosed() == case["claims"]
    assert (identity.not_before, identity.expires) == (IDENTITY["not_before"], IDENTITY["expires"])
    assert identity.nonce == bytes(range(16)) and identity.kid == IDENTITY["kid"]


@pytest.mark.parametrize("case", IDENTITY["invalid"], ids=lambda c: c["name"])
def test_invalid_identity_vectors_fail_with_their_reason(case: dict[str, Any]) -> None:
    with pytest.raises(QrError) as caught:
        verify_identity(bytes.fromhex(case["payload_hex"]), KEYS, now=NOW)
    assert caught.value.reason == case["reason"]


@pytest.mark.parametrize("case", IDENTITY["valid_v1"], ids=lambda c: c["name"])
def test_first_format_identity_vectors_still_verify(case: dict[str, Any]) -> None:
    """WI1 (the name as UTF-8 text): batches a phone fetched before the upgrade stay readable."""
    identity = verify_identity(bytes.fromhex(case["payload_hex"]), KEYS, now=NOW)
    assert identity.claims.disclosed() == case["claims"]


def test_key_id_matches_the_vector() -> None:
    assert qr_key_id(PUBLIC).hex() == IDENTITY["key_id_hex"]


@pytest.mark.parametrize("case", IDENTITY["valid"], ids=lambda c: c["name"])
def test_encoder_gives_the_vector_bytes_but_the_signature(case: dict[str, Any]) -> None:
    private = load_private_key_pem(IDENTITY["private_key_pem"].encode())
    expected = bytes.fromhex(case["payload_hex"])
    payload = encode_identity(
        private,
        IdentityClaims(**case["claims"]),
        not_before=IDENTITY["not_before"],
        random=lambda size: bytes(range(size)),
    )
    assert payload[:-64] == expected[:-64]  # ECDSA signatures are randomised
    verify_identity(payload, KEYS, now=NOW)


@pytest.mark.parametrize("case", ENVELOPES["valid"], ids=lambda c: c["name"])
def test_valid_envelope_vectors_decode(case: dict[str, Any]) -> None:
    decoded = decode_any(bytes.fromhex(case["payload_hex"]), keys=KEYS, now=NOW)
    if case["kind"] == "presentation":
        assert decoded == Presentation(case["text"])
    else:
        assert decoded == Reference(case["text"])


@pytest.mark.parametrize("case", ENVELOPES["invalid"], ids=lambda c: c["name"])
def test_invalid_envelope_vectors_fail_with_their_reason(case: dict[str, Any]) -> None:
    with pytest.raises(QrError) as caught:
        decode_any(bytes.fromhex(case["payload_hex"]), keys=KEYS, now=NOW)
    assert caught.value.reason == case["reason"]
