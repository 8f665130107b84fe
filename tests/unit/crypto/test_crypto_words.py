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
