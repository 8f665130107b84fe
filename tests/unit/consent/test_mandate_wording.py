"""Log entries of acts under a mandate and at a one-stop office, in the words the phone shows."""

from __future__ import annotations

from consent.wording import describe
from crypto.transparency import ACTING_FOR, NO_PROCEDURE, ON_BEHALF
from crypto.transparency.entry import AccessAction, AccessEntry, parse_entry

AT = 1_798_774_920  # 2027-01-01 10:42 in Vietnam (UTC+7)
MANDATE = "5f0c3a52-0000-4000-8000-000000000001"


def _entry(agency_id: str, name: str, action: AccessAction, resource_type: str, purpose: str) -> AccessEntry:
    return AccessEntry(agency_id, name, "r-1", resource_type, action, purpose, NO_PROCEDURE, None, AT)


def test_an_act_under_a_mandate_reads_as_done_for_you_and_for_them() -> None:
    purpose = f"Theo uỷ quyền {MANDATE} / Under mandate {MANDATE}"
    theirs = _entry(ON_BEHALF + MANDATE, "Lê Văn Nam", AccessAction.READ, "birth-certificate", purpose)
    assert describe(theirs) == (
        "Lê Văn Nam đã xem giấy khai sinh của bạn thay bạn (theo uỷ quyền) lúc 10:42 ngày 01/01/2027",
        "Lê Văn Nam read your birth certificate for you (under a mandate) at 10:42 on 2027-01-01",
    )
    mine = _entry(ACTING_FOR + MANDATE, "Lê Thị Hoa", AccessAction.READ, "birth-certificate", purpose)
    assert describe(mine) == (
        "Bạn đã xem giấy khai sinh của Lê Thị Hoa (theo uỷ quyền) lúc 10:42 ngày 01/01/2027",
        "You read the birth certificate of Lê Thị Hoa (under a mandate) at 10:42 on 2027-01-01",
    )
    decided = _entry(ON_BEHALF + MANDATE, "Lê Văn Nam", AccessAction.DECIDE, "consent", purpose)
    assert describe(decided)[1].startswith("Lê Văn Nam answered your consent request for you")
    for entry in (theirs, mine, decided):
        assert parse_entry(entry.canonical()) == entry


def test_mandate_events_and_office_visits_are_worded() -> None:
    granted = _entry(
        "citizen:x", "Lê Thị Hoa", AccessAction.MANDATE_GRANT, "mandate", "Lê Văn Nam → Lê Thị Hoa"
    )
    assert describe(granted)[0] == (
        "Lê Thị Hoa đã lập uỷ quyền: Lê Văn Nam → Lê Thị Hoa lúc 10:42 ngày 01/01/2027"
    )
    ended = _entry("idp", "Công an tỉnh", AccessAction.MANDATE_END, "mandate", "Lê Văn Nam → Bé Na")
    assert describe(ended)[1] == "Công an tỉnh ended a mandate: Lê Văn Nam → Bé Na at 10:42 on 2027-01-01"
    office = "UBND phường Hải Châu (cán bộ / officer CB-0042)"
    opened = _entry("ubnd", office, AccessAction.VISIT, "birth-certificate", "Tại quầy / At the counter")
    assert describe(opened)[0] == (
        f"{office} đã mở tại quầy một cửa giấy khai sinh của bạn lúc 10:42 ngày 01/01/2027"
    )
    assert parse_entry(opened.canonical()) == opened


def test_a_card_event_says_what_was_done_in_each_language_once() -> None:
    """A card's subject is a fixed "vi / en" phrase: the Vietnamese sentence takes the Vietnamese
    half, the English one the English half (a device's name, with or without " / ", stays whole)."""
    office = "UBND phường Hải Châu (cán bộ / officer cb-7)"
    purpose = "Đăng ký ví tại quầy một cửa / Wallet enrolled at the one-stop counter"
    vi, en = describe(_entry("ubnd-hai-chau", office, AccessAction.CARD_ISSUE, "card", purpose))
    assert vi.startswith(f"{office} đã cấp thẻ ví cho bạn (Đăng ký ví tại quầy một cửa);")
    assert en.startswith(f"{office} issued you a wallet card (Wallet enrolled at the one-stop counter);")
    assert "Wallet enrolled" not in vi and "Đăng ký" not in en
    device = _entry("citizen:x", "Điện thoại cũ", AccessAction.DEVICE_ADD, "device", "Máy A / B")
    assert '"Máy A / B"' in describe(device)[0] and '"Máy A / B"' in describe(device)[1]
