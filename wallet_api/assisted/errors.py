"""The assisted route's branch of the error tree and its problem texts, Vietnamese then English.

Merged into ``wallet_api.problems`` through ``ASSIST_PROBLEMS``. A card, visit or
receipt check that fails says little (one code each); the reason goes to the log.
"""

from __future__ import annotations

from wallet_api.errors import WalletError


class InvalidCard(WalletError):
    """The scanned wallet card is not one this service signed, or its wallet is gone."""

    code = "invalid_card"


class VisitNotFound(WalletError):
    """No such visit for this office (also another office's visit)."""

    code = "visit_not_found"


class VisitEnded(WalletError):
    """The visit's session is over (ended, or its minutes ran out): open a new one."""

    code = "visit_ended"


class PinNotSet(WalletError):
    """The citizen has not set a PIN for office visits yet."""

    code = "pin_not_set"


class WrongPin(WalletError):
    """The PIN is wrong (params: ``left``, tries before the lock-out)."""

    code = "wrong_pin"


class PinLocked(WalletError):
    """Too many wrong PINs: locked for a while (params: ``retry_after`` seconds)."""

    code = "pin_locked"


class InvalidPin(WalletError):
    """A PIN is 6 digits."""

    code = "invalid_pin"


class DocumentNotOpened(WalletError):
    """The citizen did not open this document for this visit."""

    code = "document_not_opened"


class PinsDiffer(WalletError):
    """The PIN typed twice at enrolment was not the same both times."""

    code = "pins_differ"


class CardReplaced(WalletError):
    """A card the service signed, but no longer the wallet's card: replaced by a newer one."""

    code = "card_replaced"


class InvalidVisitReceipt(WalletError):
    """The receipt is not one this service signed."""

    code = "invalid_visit_receipt"


ASSIST_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "invalid_card": (
        422,
        "Thẻ ví không hợp lệ",
        "Invalid wallet card",
        "Mã QR trên thẻ không phải do hệ thống cấp, hoặc ví không còn.",
        "The card's QR code was not issued by this service, or the wallet is gone.",
    ),
    "visit_not_found": (
        404,
        "Không tìm thấy phiên làm việc",
        "Visit not found",
        "Không có phiên làm việc này tại cơ quan của bạn.",
        "Your office has no such visit.",
    ),
    "visit_ended": (
        410,
        "Phiên làm việc đã kết thúc",
        "Visit ended",
        "Phiên làm việc đã kết thúc hoặc hết thời gian; hãy quét thẻ để mở phiên mới.",
        "The visit has ended or timed out; scan the card to open a new one.",
    ),
    "pin_not_set": (
        409,
        "Chưa đặt mã PIN",
        "No PIN set",
        "Công dân chưa đặt mã PIN cho việc làm thủ tục tại quầy.",
        "The citizen has not set a PIN for office visits.",
    ),
    "wrong_pin": (
        403,
        "Mã PIN không đúng",
        "Wrong PIN",
        "Mã PIN không đúng; còn {left} lần thử trước khi bị khoá.",
        "The PIN is wrong; {left} tries left before it locks.",
    ),
    "pin_locked": (
        429,
        "Mã PIN tạm bị khoá",
        "PIN locked",
        "Nhập sai quá nhiều lần; thử lại sau {retry_after} giây.",
        "Too many wrong PINs; try again in {retry_after} seconds.",
    ),
    "invalid_pin": (
        422,
        "Mã PIN không hợp lệ",
        "Invalid PIN",
        "Mã PIN gồm đúng 6 chữ số.",
        "A PIN is exactly 6 digits.",
    ),
    "document_not_opened": (
        403,
        "Giấy tờ chưa được mở cho phiên này",
        "Document not opened for this visit",
        "Công dân chưa xác nhận mở giấy tờ này cho phiên làm việc.",
        "The citizen did not open this document for this visit.",
    ),
    "pins_differ": (
        422,
        "Hai lần nhập mã PIN không khớp",
        "The two PINs differ",
        "Mã PIN nhập lần hai khác lần đầu; hãy nhập lại cả hai lần.",
        "The second PIN was not the same as the first; type both again.",
    ),
    "card_replaced": (
        410,
        "Thẻ ví không còn hiệu lực",
        "Wallet card no longer valid",
        "Thẻ này đã được thay bằng thẻ mới (hoặc ví không còn); hãy dùng thẻ mới nhất của công dân, "
        "hoặc cấp lại thẻ tại quầy bằng số CCCD và mã PIN.",
        "This card was replaced by a newer one (or the wallet is gone); use the citizen's newest card, "
        "or re-issue the card at the counter with the CCCD and the PIN.",
    ),
    "invalid_visit_receipt": (
        422,
        "Biên nhận không hợp lệ",
        "Invalid receipt",
        "Biên nhận này không phải do hệ thống ký.",
        "This receipt was not signed by this service.",
    ),
}
