"""The device branch of the service's error tree and its problem texts, Vietnamese then English.

The codes map to HTTP in ``wallet_api.problems`` (which merges ``DEVICE_PROBLEMS``);
a refused pairing approval says little (one code whatever check failed), the
reason goes to the log.
"""

from __future__ import annotations

from wallet_api.errors import WalletError


class DeviceNotFound(WalletError):
    """No such active device of this citizen (also another citizen's, or one already revoked)."""

    code = "device_not_found"


class LastDevice(WalletError):
    """Revoking this device would leave the wallet with none; confirm with ``?last=true``."""

    code = "last_device"


class PairingNotFound(WalletError):
    """No such pairing for this caller (unknown code, or shown to another device)."""

    code = "pairing_not_found"


class PairingExpired(WalletError):
    """The pairing's five minutes are over; the new device starts again."""

    code = "pairing_expired"


class PairingClosed(WalletError):
    """The pairing was already approved, or cancelled (its approving device was revoked)."""

    code = "pairing_closed"


class InvalidPairingApproval(WalletError):
    """The approval JWS failed a check: signature, code, nonce, thumbprint, citizen, freshness."""

    code = "invalid_pairing_approval"


class DeviceAlreadyAdded(WalletError):
    """The new device's key is already one of this citizen's devices (revoked keys stay out)."""

    code = "device_already_added"


DEVICE_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "device_not_found": (
        404,
        "Không tìm thấy thiết bị",
        "Device not found",
        "Ví của bạn không có thiết bị đang hoạt động này.",
        "Your wallet has no such active device.",
    ),
    "last_device": (
        409,
        "Đây là thiết bị cuối cùng",
        "This is the last device",
        "Thu hồi thiết bị này sẽ khiến không ai đăng nhập được vào ví. Nếu chắc chắn, hãy xác nhận (--last).",
        "Revoking this device leaves nobody able to log in to the wallet. "
        "If you are sure, confirm it (--last).",
    ),
    "pairing_not_found": (
        404,
        "Không tìm thấy yêu cầu ghép thiết bị",
        "Pairing not found",
        "Mã ghép không đúng, hoặc yêu cầu này đã được mở trên thiết bị khác.",
        "The pairing code is wrong, or the request was opened on another device.",
    ),
    "pairing_expired": (
        410,
        "Yêu cầu ghép thiết bị đã hết hạn",
        "Pairing expired",
        "Mã ghép chỉ có hiệu lực 5 phút. Hãy tạo mã mới trên thiết bị mới.",
        "A pairing code is valid for 5 minutes. Create a new one on the new device.",
    ),
    "pairing_closed": (
        409,
        "Yêu cầu ghép thiết bị đã kết thúc",
        "Pairing already closed",
        "Yêu cầu này đã được phê duyệt hoặc đã bị huỷ; không có gì thay đổi.",
        "This request was already approved or was cancelled; nothing changed.",
    ),
    "invalid_pairing_approval": (
        422,
        "Phê duyệt ghép thiết bị không hợp lệ",
        "Invalid pairing approval",
        "Chữ ký phê duyệt không khớp với thiết bị của bạn, mã ghép hoặc khoá của thiết bị mới.",
        "The approval does not match your device, the pairing code or the new device's key.",
    ),
    "device_already_added": (
        409,
        "Thiết bị đã có trong ví",
        "Device already added",
        "Khoá của thiết bị mới đã từng được dùng trong ví này; hãy tạo khoá mới.",
        "The new device's key was already used in this wallet; create a new key.",
    ),
}
