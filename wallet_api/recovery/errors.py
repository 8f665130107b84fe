"""The recovery branch of the service's error tree and its problem texts, Vietnamese then English.

The codes map to HTTP in ``wallet_api.problems`` (which merges ``RECOVERY_PROBLEMS``). A refused
recovery assertion says little (one code whatever check failed); the reason goes to the log.
"""

from __future__ import annotations

from wallet_api.errors import WalletError


class InvalidRecoveryNonce(WalletError):
    """The nonce is unknown, already spent by a recovery, or older than its ten minutes."""

    code = "invalid_recovery_nonce"


class InvalidRecoveryProof(WalletError):
    """The recovery assertion failed a check: agency, role, key, signature, CCCD, nonce, device key,
    assurance level, freshness."""

    code = "invalid_recovery_proof"


class WrongRecoveryCode(WalletError):
    """The recovery code is wrong (or the citizen has none); ``tries_left`` before the lock-out."""

    code = "wrong_recovery_code"


class RecoveryLocked(WalletError):
    """Too many wrong recovery codes: every try, even the right code, waits ``retry_after`` seconds."""

    code = "recovery_locked"


class RecoveryCodesOff(WalletError):
    """Recovery codes exist only in ``dev`` mode; strict mode recovers through an identity provider."""

    code = "recovery_code_unavailable"


class RecoveryPending(WalletError):
    """A recovery of this wallet is already under way; it must complete or be cancelled first."""

    code = "recovery_pending"


class RecoveryNotFound(WalletError):
    """No such recovery for this caller."""

    code = "recovery_not_found"


class RecoveryClosed(WalletError):
    """The recovery was already cancelled or completed."""

    code = "recovery_closed"


class ReissueNotFound(WalletError):
    """No such credential in this agency's re-issuance queue (or it was re-issued already)."""

    code = "reissue_not_found"


RECOVERY_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "invalid_recovery_nonce": (
        422,
        "Mã dùng một lần để khôi phục không hợp lệ",
        "Invalid recovery nonce",
        "Mã dùng một lần không tồn tại, đã được dùng hoặc đã quá 10 phút. Hãy xin mã mới.",
        "The nonce is unknown, already used or older than 10 minutes. Ask for a new one.",
    ),
    "invalid_recovery_proof": (
        422,
        "Xác nhận danh tính để khôi phục không hợp lệ",
        "Invalid recovery assertion",
        "Xác nhận của cơ quan định danh không hợp lệ cho ví này, mã dùng một lần hoặc khoá của "
        "thiết bị mới; không có gì thay đổi.",
        "The identity provider's assertion is not valid for this wallet, nonce or new device key; "
        "nothing changed.",
    ),
    "wrong_recovery_code": (
        422,
        "Mã khôi phục không đúng",
        "Wrong recovery code",
        "Mã khôi phục không đúng. Bạn còn {tries_left} lần thử trước khi bị tạm khoá.",
        "The recovery code is wrong. {tries_left} tries left before a temporary lock-out.",
    ),
    "recovery_locked": (
        429,
        "Khôi phục bằng mã đang bị tạm khoá",
        "Recovery by code is locked",
        "Đã nhập sai mã khôi phục quá nhiều lần. Hãy thử lại sau {retry_after} giây "
        "(khoảng {minutes} phút); trước đó mọi mã, kể cả mã đúng, đều bị từ chối.",
        "Too many wrong recovery codes. Try again in {retry_after} seconds (about {minutes} minutes); "
        "until then every code, the right one too, is refused.",
    ),
    "recovery_code_unavailable": (
        403,
        "Không dùng được mã khôi phục",
        "Recovery codes unavailable",
        "Ở chế độ này chỉ khôi phục được qua cơ quan định danh.",
        "In this mode a wallet is recovered only through an identity provider.",
    ),
    "recovery_pending": (
        409,
        "Đang có một yêu cầu khôi phục ví",
        "A recovery is already pending",
        "Ví này đang được khôi phục; yêu cầu đó phải hoàn tất hoặc bị huỷ trước.",
        "This wallet is already being recovered; that recovery must complete or be cancelled first.",
    ),
    "recovery_not_found": (
        404,
        "Không tìm thấy yêu cầu khôi phục",
        "Recovery not found",
        "Không có yêu cầu khôi phục này cho bạn.",
        "There is no such recovery for you.",
    ),
    "recovery_closed": (
        409,
        "Yêu cầu khôi phục đã kết thúc",
        "Recovery already closed",
        "Yêu cầu khôi phục này đã bị huỷ hoặc đã hoàn tất; không có gì thay đổi.",
        "This recovery was already cancelled or completed; nothing changed.",
    ),
    "reissue_not_found": (
        404,
        "Không có trong hàng đợi cấp lại",
        "Not in the re-issuance queue",
        "Giấy tờ này không chờ cơ quan của bạn cấp lại (hoặc đã được cấp lại).",
        "This credential is not waiting for your agency to re-issue it (or was re-issued already).",
    ),
}
