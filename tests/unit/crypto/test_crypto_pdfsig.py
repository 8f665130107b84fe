"""Signed PDF validation: real pyHanko signatures from a throwaway PKI, no mocks.

Every certificate and key is generated at run time by ``tests/support/pki.py``;
time is pinned (``NOW``, ``SIGNED_AT``), never read from the wall clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

import crypto
from tests.support.pki import (
    AGENCY,
    TestPki,
    add_validation_info,
    make_pdf,
    replace_page_text,
    sign_pdf,
    timestamper,
)

NOW = datetime(2025, 3, 1, tzinfo=UTC)
SIGNED_AT = datetime(2021, 6, 1, 8, 30, tzinfo=UTC)
TEXT = "Giay xac nhan tinh trang hon nhan"


@pytest.fixture(scope="module")
def rsa_pki() -> TestPki:
    return TestPki(key_type="rsa", intermediate=True)


@pytest.fixture(scope="module")
def ec_pki() -> TestPki:
    return TestPki(key_type="ec")


@pytest.fixture(scope="module")
def signed(rsa_pki: TestPki) -> bytes:
    leaf = rsa_pki.issue_signer("Nguyễn Văn An", AGENCY)
    return sign_pdf(make_pdf(TEXT, pages=2), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)


def verify(data: bytes, pki: TestPki, *, now: datetime = NOW) -> crypto.SignedPdf:
    return crypto.verify_signed_pdf(data, trust_roots=[pki.root_pem], now=now)


def refused(data: bytes, pki: TestPki, reason: str, *, now: datetime = NOW) -> crypto.PdfSignatureError:
    with pytest.raises(crypto.PdfSignatureError) as caught:
        verify(data, pki, now=now)
    error = caught.value
    assert (error.code, error.reason) == ("invalid_pdf_signature", reason)
    assert error.reason in crypto.PDF_SIGNATURE_REASONS
    assert TEXT not in str(error) and "Nguyễn" not in str(error)  # no document content in messages
    return error


# --- accepted ---------------------------------------------------------------------------------


def test_valid_rsa_signature_with_intermediate(rsa_pki: TestPki, signed: bytes) -> None:
    result = verify(signed, rsa_pki)
    assert result.signer.common_name == "Nguyễn Văn An"
    assert result.signer.organisation == "Sở Tư pháp thành phố Đà Nẵng"
    assert result.signing_time == SIGNED_AT
    assert result.signing_time_source == "signer"
    assert result.validated_at == SIGNED_AT
    assert result.covers_whole_file is True
    assert result.signed_length == len(signed)
    assert result.page_count == 2
    assert result.field_name == "Signature1"
    assert rsa_pki.intermediate is not None
    assert [c.der for c in result.chain] == [rsa_pki.intermediate.der, rsa_pki.root.der]
    assert result.signer.sha256_fingerprint == hashlib.sha256(result.signer.der).hexdigest()
    assert "Đà Nẵng" in result.signer.subject


def test_valid_ec_signature(ec_pki: TestPki) -> None:
    leaf = ec_pki.issue_signer("Lê Thị Hoa", "UBND phường Hải Châu")
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    result = verify(data, ec_pki)
    assert (result.signer.common_name, result.signer.organisation) == ("Lê Thị Hoa", "UBND phường Hải Châu")
    assert result.signer.sha256_fingerprint == hashlib.sha256(leaf.der).hexdigest()
    assert [c.der for c in result.chain] == [ec_pki.root.der]
    assert result.page_count == 1


def test_ec_leaf_under_rsa_root_and_der_trust_root(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer(key_type="ec")
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    result = crypto.verify_signed_pdf(data, trust_roots=[rsa_pki.root.der], now=NOW)
    assert result.signer.der == leaf.der


def test_certificate_that_expired_after_signing_is_accepted(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer(
        not_before=SIGNED_AT - timedelta(days=365), not_after=SIGNED_AT + timedelta(days=30)
    )
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    result = verify(data, rsa_pki)  # NOW is years after not_after
    assert result.signer.not_after < NOW
    assert result.validated_at == SIGNED_AT


def test_signature_maintenance_update_is_accepted(rsa_pki: TestPki, signed: bytes) -> None:
    assert rsa_pki.intermediate is not None
    extended = add_validation_info(signed, [rsa_pki.intermediate.cert, rsa_pki.root.cert])
    result = verify(extended, rsa_pki)
    assert result.covers_whole_file is False
    assert result.signing_time == SIGNED_AT
    assert result.signed_length == len(signed) < len(extended)
    assert verify(extended[: result.signed_length], rsa_pki).covers_whole_file is True


def test_trailing_white_space_is_accepted(rsa_pki: TestPki, signed: bytes) -> None:
    result = verify(signed + b"\r\n", rsa_pki)
    assert (result.covers_whole_file, result.signed_length) == (False, len(signed))


def test_certification_signature_is_accepted(ec_pki: TestPki) -> None:
    leaf = ec_pki.issue_signer()
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT, certify=True)
    assert verify(data, ec_pki).covers_whole_file is True


def test_timestamp_token_sets_the_signing_time(rsa_pki: TestPki) -> None:
    stamped_at = SIGNED_AT + timedelta(minutes=2)
    leaf = rsa_pki.issue_signer()
    tsa = timestamper(rsa_pki.issue_tsa(), stamped_at)
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT, tsa=tsa)
    result = verify(data, rsa_pki)
    assert (result.signing_time, result.signing_time_source) == (stamped_at, "timestamp")


# --- refused: the document ---------------------------------------------------------------------


def test_byte_flipped_inside_signed_range(rsa_pki: TestPki, signed: bytes) -> None:
    at = signed.index(TEXT.encode())
    tampered = signed[:at] + b"H" + signed[at + 1 :]  # "Giay" -> "Hiay", same length
    refused(tampered, rsa_pki, "modified_after_signing")


def test_byte_flipped_in_signature_value(rsa_pki: TestPki, signed: bytes) -> None:
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures[0]
    value = embedded.signer_info["signature"].native.hex().encode()
    at = signed.lower().index(value) + len(value) // 2
    flipped = b"0" if signed[at : at + 1] != b"0" else b"1"
    refused(signed[:at] + flipped + signed[at + 1 :], rsa_pki, "bad_signature")


def test_content_changed_by_incremental_update(rsa_pki: TestPki, signed: bytes) -> None:
    refused(replace_page_text(signed, "Noi dung da bi thay the"), rsa_pki, "modified_after_signing")


def test_bytes_appended_after_eof(rsa_pki: TestPki, signed: bytes) -> None:
    refused(signed + b"PK\x03\x04 appended payload", rsa_pki, "modified_after_signing")


def test_unsigned_pdf(rsa_pki: TestPki) -> None:
    refused(make_pdf(TEXT), rsa_pki, "not_signed")


@pytest.mark.parametrize(
    "data", [b"", b"garbage, not a PDF", b"%PDF-1.7\n%%EOF\n"], ids=["empty", "text", "stub"]
)
def test_garbage_bytes(rsa_pki: TestPki, data: bytes) -> None:
    refused(data, rsa_pki, "malformed")


def test_truncated_signed_pdf(rsa_pki: TestPki, signed: bytes) -> None:
    refused(signed[: len(signed) // 2], rsa_pki, "malformed")


def test_two_signatures(rsa_pki: TestPki, signed: bytes) -> None:
    second = rsa_pki.issue_signer("Trần Thị Bình")
    twice = sign_pdf(signed, second.key, second.cert, second.chain, signing_time=SIGNED_AT, field_name="Sig2")
    refused(twice, rsa_pki, "multiple_signatures")


def test_sha1_digest_is_weak(ec_pki: TestPki) -> None:
    leaf = ec_pki.issue_signer()
    data = sign_pdf(
        make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT, md_algorithm="sha1"
    )
    refused(data, ec_pki, "weak_algorithm")


def test_signing_time_in_the_future(rsa_pki: TestPki, signed: bytes) -> None:
    refused(signed, rsa_pki, "signing_time_in_future", now=SIGNED_AT - timedelta(hours=1))
    assert verify(signed, rsa_pki, now=SIGNED_AT - timedelta(minutes=1)).signing_time == SIGNED_AT  # leeway


# --- refused: the certificate ------------------------------------------------------------------


def test_certificate_from_another_ca(rsa_pki: TestPki) -> None:
    stranger = TestPki("CA lạ không được tin cậy", key_type="rsa")
    leaf = stranger.issue_signer()
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    refused(data, rsa_pki, "untrusted_certificate")
    assert verify(data, stranger).signer.der == leaf.der


def test_certificate_expired_at_signing_time(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer(
        not_before=SIGNED_AT - timedelta(days=400), not_after=SIGNED_AT - timedelta(days=1)
    )
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    refused(data, rsa_pki, "certificate_expired_at_signing")


def test_certificate_not_yet_valid_at_signing_time(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer(not_before=SIGNED_AT + timedelta(days=1), not_after=NOW + timedelta(days=365))
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    refused(data, rsa_pki, "certificate_not_yet_valid_at_signing")


def test_intermediate_expired_at_signing_time(ec_pki: TestPki) -> None:
    old_ca = ec_pki.issue_ca("CA cũ đã hết hạn", not_after=SIGNED_AT - timedelta(days=1))
    leaf = ec_pki.issue_signer(issuer=old_ca)
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    refused(data, ec_pki, "certificate_expired_at_signing")


def test_timestamp_overrides_the_claimed_time(rsa_pki: TestPki) -> None:
    # The signer claims a time inside the window; the TSA says it signed after expiry.
    leaf = rsa_pki.issue_signer(
        not_before=SIGNED_AT - timedelta(days=400), not_after=SIGNED_AT + timedelta(days=1)
    )
    tsa = timestamper(rsa_pki.issue_tsa(), SIGNED_AT + timedelta(days=30))
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT, tsa=tsa)
    refused(data, rsa_pki, "certificate_expired_at_signing")


def test_timestamp_from_an_untrusted_tsa(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer()
    tsa = timestamper(TestPki("TSA lạ").issue_tsa(), SIGNED_AT)
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT, tsa=tsa)
    refused(data, rsa_pki, "untrusted_certificate")


def test_key_usage_without_signing(rsa_pki: TestPki) -> None:
    leaf = rsa_pki.issue_signer(key_usage=("key_encipherment",))
    data = sign_pdf(make_pdf(TEXT), leaf.key, leaf.cert, leaf.chain, signing_time=SIGNED_AT)
    refused(data, rsa_pki, "unsuitable_key_usage")


# --- misuse ------------------------------------------------------------------------------------


def test_trust_roots_must_be_certificates(signed: bytes) -> None:
    for roots in ([], [b"not a certificate"]):
        with pytest.raises(crypto.CryptoError) as caught:
            crypto.verify_signed_pdf(signed, trust_roots=roots, now=NOW)
        assert not isinstance(caught.value, crypto.PdfSignatureError)


def test_now_must_be_aware(rsa_pki: TestPki, signed: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        verify(signed, rsa_pki, now=datetime(2025, 3, 1))


def test_refused_inside_an_event_loop(rsa_pki: TestPki, signed: bytes) -> None:
    async def inside() -> None:
        verify(signed, rsa_pki)

    with pytest.raises(crypto.CryptoError, match="worker thread"):
        asyncio.run(inside())
