"""Thumbprint words (what two screens compare when pairing) and device events in plain words."""

from __future__ import annotations

import pytest

import crypto
from crypto.transparency import AccessAction, AccessEntry, describe, parse_entry


def test_the_same_key_gives_the_same_words_and_another_key_other_words() -> None:
    jkt = crypto.jwk_thumbprint(crypto.public_jwk(crypto.generate_private_key()))
    other = crypto.jwk_thumbprint(crypto.public_jwk(crypto.generate_private_key()))
    words = crypto.thumbprint_words(jkt)
    assert words == crypto.thumbprint_words(jkt)
    assert words != crypto.thumbprint_words(other)
    assert len(words.split()) == 4 and words.isascii()


def test_known_answer() -> None:
    assert (
        crypto.thumbprint_words(crypto.b64url_encode(bytes(range(8)) + bytes(24))) == "babe bibo buby banbem"
    )


@pytest.mark.parametrize("bad", ["", "AAAA", "not base64!", "ÿÿÿÿÿÿÿÿÿÿÿ"])
def test_bad_thumbprints_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        crypto.thumbprint_words(bad)


@pytest.mark.parametrize(
    ("action", "vi", "en"),
    [
        (
            AccessAction.DEVICE_ADD,
            'Thiết bị mới "Máy tính bảng" đã được thêm vào ví của bạn, do thiết bị "Điện thoại" phê duyệt'
            " lúc 18:26 ngày 15/01/2027",
            'New device "Máy tính bảng" was added to your wallet, approved by device "Điện thoại"'
            " at 18:26 on 2027-01-15",
        ),
        (
            AccessAction.DEVICE_REVOKE,
            'Thiết bị "Máy tính bảng" đã bị thu hồi khỏi ví của bạn, bởi thiết bị "Điện thoại"'
            " lúc 18:26 ngày 15/01/2027",
            'Device "Máy tính bảng" was revoked from your wallet by device "Điện thoại"'
            " at 18:26 on 2027-01-15",
        ),
    ],
)
def test_device_events_in_plain_words(action: AccessAction, vi: str, en: str) -> None:
    entry = AccessEntry(
        agency_id="device:1",
        agency_name="Điện thoại",
        resource_id="2",
        resource_type="device",
        action=action,
        purpose="Máy tính bảng",
        procedure_code="-",
        consent_id=None,
        at=1_800_000_000 + 3 * 3600 + 26 * 60 + 40,
    )
    assert parse_entry(entry.canonical()) == entry  # the phone parses what the server logged
    assert describe(entry, lambda _: None) == (vi, en)


BIRTH = {"birth-certificate": ("Giấy khai sinh", "Birth certificate")}
PROCEDURES = {"1.001193": ("Đăng ký khai sinh", "Birth registration")}


@pytest.mark.parametrize(
    ("action", "resource_type", "purpose", "vi", "en"),
    [
        (
            AccessAction.DELETION_ASKED,
            "deletion-request",
            "Hồ sơ đã xong",
            "Bạn đã yêu cầu UBND phường Hải Châu xoá dữ liệu của bạn mà cơ quan đã nhận cho thủ tục "
            "1.001193 Đăng ký khai sinh, hồ sơ số HS-1",
            "You asked UBND phường Hải Châu to delete the data of yours it received for procedure "
            "1.001193 Birth registration, case HS-1",
        ),
        (
            AccessAction.DELETION_REFUSED,
            "deletion-request",
            "Luật Hộ tịch 2014",
            "UBND phường Hải Châu đã từ chối xoá dữ liệu của bạn cho thủ tục 1.001193 Đăng ký khai sinh, "
            "hồ sơ số HS-1, căn cứ pháp lý: Luật Hộ tịch 2014",
            "UBND phường Hải Châu refused to delete your data for procedure 1.001193 Birth registration, "
            "case HS-1, legal basis: Luật Hộ tịch 2014",
        ),
        (
            AccessAction.REQUEST_OVERDUE,
            "deletion-request",
            "Quá hạn / Overdue",
            "UBND phường Hải Châu chưa trả lời yêu cầu xoá dữ liệu của bạn đúng hạn; đơn vị vận hành ví đã "
            "được báo",
            "UBND phường Hải Châu has not answered your deletion request in time; the wallet's operator "
            "was told",
        ),
    ],
)
def test_deletion_events_in_plain_words(
    action: AccessAction, resource_type: str, purpose: str, vi: str, en: str
) -> None:
    entry = AccessEntry(
        agency_id="ward",
        agency_name="UBND phường Hải Châu",
        resource_id="r-1",
        resource_type=resource_type,
        action=action,
        purpose=purpose,
        procedure_code="1.001193",
        consent_id="c-1",
        at=1_800_000_000,
        case_number="HS-1",
    )
    assert parse_entry(entry.canonical()) == entry
    words = describe(entry, BIRTH.get, PROCEDURES.get)
    assert words[0].startswith(vi) and words[1].startswith(en), words


def test_a_reissue_names_the_credential_type() -> None:
    entry = AccessEntry(
        agency_id="justice",
        agency_name="Sở Tư pháp",
        resource_id="cred-1",
        resource_type="birth-certificate",
        action=AccessAction.CORRECTION_REISSUED,
        purpose="place_of_birth: cred-2",
        procedure_code="-",
        consent_id=None,
        at=1_800_000_000,
    )
    vi, en = describe(entry, BIRTH.get)
    assert vi.startswith("Sở Tư pháp đã sửa và cấp lại giấy khai sinh của bạn; bản cũ đã bị thu hồi lúc ")
    assert en.startswith(
        "Sở Tư pháp corrected and re-issued your birth certificate; the old one is revoked at "
    )
