"""Presentation and reference payloads: compression choice, limits, references, dispatch."""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest

from crypto import generate_private_key, public_jwk, sign_jws
from qr import (
    PRESENTATION_MAX_VERSION,
    Presentation,
    QrError,
    Reference,
    decode_any,
    decode_presentation,
    decode_reference,
    encode_presentation,
    encode_reference,
    qr_version,
)

KEYS = {"svc": generate_private_key().public_key()}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sd_jwt_presentation(disclosed: int = 3) -> str:
    """A realistic SD-JWT VC presentation: issuer JWT, disclosures, key-binding JWT."""
    issuer, device = generate_private_key(), generate_private_key()
    pairs = [("full_name", "Nguyễn Thị Phương Thảo"), ("date_of_birth", "1990-05-17"), ("sex", "Nữ")]
    pairs += [("nationality", "Việt Nam"), ("place_of_origin", "Hà Nội")]
    disclosures = [b64(json.dumps([b64(secrets.token_bytes(16)), k, v]).encode()) for k, v in pairs]
    digests = sorted(b64(secrets.token_bytes(32)) for _ in disclosures)
    claims = {
        "iss": "https://wallet.gov.vn",
        "iat": 1_767_225_600,
        "vct": "urn:vn:wallet:vct:citizen-id:1",
        "_sd_alg": "sha-256",
        "_sd": digests,
        "cnf": {"jwk": public_jwk(device)},
    }
    head = sign_jws(issuer, claims, typ="dc+sd-jwt") + "~" + "~".join(disclosures[:disclosed]) + "~"
    kb = {"iat": 1_767_225_610, "aud": "https://verifier.example", "nonce": b64(secrets.token_bytes(16))}
    return head + sign_jws(device, {**kb, "sd_hash": b64(secrets.token_bytes(32))}, typ="kb+jwt")


def test_sd_jwt_presentation_round_trips_packed_and_smaller() -> None:
    text = sd_jwt_presentation()
    payload = encode_presentation(text)
    assert payload[:4] == b"WP1\x02"  # base64url runs unpacked, then DEFLATE with the dictionary
    assert len(payload) < 0.7 * len(text)
    assert qr_version(payload) <= PRESENTATION_MAX_VERSION
    assert decode_any(payload, keys=KEYS, now=0) == Presentation(text)


def test_plain_text_round_trips_deflated_or_as_is() -> None:
    repetitive = "Kết quả thủ tục hành chính: đã duyệt. " * 10
    payload = encode_presentation(repetitive)
    assert payload[3:4] == b"\x01"
    assert decode_presentation(payload).unverified_text == repetitive
    short = "Xin chào"
    assert encode_presentation(short) == b"WP1\x00" + short.encode()
    assert decode_presentation(encode_presentation(short)).unverified_text == short


@pytest.mark.parametrize("text", ["a.b~c", "abcde.fg", "~~", "eyJ.e30.", "ab==.cd", "x" * 9])
def test_texts_near_the_packable_shape_round_trip(text: str) -> None:
    assert decode_presentation(encode_presentation(text)).unverified_text == text


def test_too_large_presentation_is_refused_so_the_caller_shows_a_reference() -> None:
    text = "".join(sd_jwt_presentation(5) for _ in range(3))
    with pytest.raises(QrError) as caught:
        encode_presentation(text)
    assert caught.value.reason == "too_large"
    with pytest.raises(QrError):
        encode_presentation(sd_jwt_presentation(), max_version=10)
    reference = encode_reference("https://wallet.example/v1/presentations/Zk3hQ9")
    assert decode_any(reference, keys=KEYS, now=0) == Reference(
        "https://wallet.example/v1/presentations/Zk3hQ9"
    )


def test_a_100_kb_payload_is_refused_at_once() -> None:
    start = time.perf_counter()
    for text in ("A" * 100_000, secrets.token_urlsafe(75_000)):
        with pytest.raises(QrError) as caught:
            encode_presentation(text)
        assert caught.value.reason == "too_large"
    with pytest.raises(QrError) as caught:
        decode_any(b"WP1\x00" + b"A" * 100_000, keys=KEYS, now=0)
    assert caught.value.reason == "too_large"
    assert time.perf_counter() - start < 5  # generous: only guards against a hang


def test_bad_presentation_arguments() -> None:
    for bad in ("", 42, "\ud800"):
        with pytest.raises(QrError) as caught:
            encode_presentation(bad)  # type: ignore[arg-type]
        assert caught.value.reason == "invalid_claims"
    with pytest.raises(QrError):
        encode_presentation("x", max_version=41)


@pytest.mark.parametrize(
    "value",
    [
        "https://wallet.example/p/1",
        "http://127.0.0.1:8000/v1/p/abc",
        "http://localhost/p",
        "AbC123",
        "k7-q_2" * 10,
    ],
)
def test_references_round_trip(value: str) -> None:
    assert decode_reference(encode_reference(value)) == Reference(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "http://wallet.example/p/1",
        "https://",
        "https://wallet.example/p 1",
        "https://wallet.example/\u00e9",
        "javascript:alert(1)",
        "https://x/" + "a" * 600,
        "x" * 65,
    ],
)
def test_bad_references_are_refused(value: str) -> None:
    with pytest.raises(QrError) as caught:
        encode_reference(value)
    assert caught.value.reason == "invalid_claims"


def test_dispatch_on_prefix() -> None:
    assert isinstance(decode_any(encode_presentation("xin chào"), keys=KEYS, now=0), Presentation)
    assert isinstance(decode_any(encode_reference("AbC123"), keys=KEYS, now=0), Reference)
    for payload, expected in (
        (b"", "malformed"),
        (b"W", "malformed"),
        (b"HC1:NCFOXN", "malformed"),
        (b"WR2https://x.example", "unsupported_version"),
        (b"WPx\x00abc", "malformed"),
    ):
        with pytest.raises(QrError) as caught:
            decode_any(payload, keys=KEYS, now=0)
        assert caught.value.reason == expected
    with pytest.raises(QrError):
        decode_any("WR1AbC123", keys=KEYS, now=0)  # type: ignore[arg-type]
