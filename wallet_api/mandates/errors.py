"""The mandate branch of the service's error tree and its problem texts, Vietnamese then English.

The codes map to HTTP in ``wallet_api.problems`` (which merges ``MANDATE_PROBLEMS``).
A refused act under a mandate says little: ``mandate_not_valid`` whatever made the
mandate unusable (not the caller's, not yet valid, expired, ended); the reason goes
to the log.
"""

from __future__ import annotations

from wallet_api.errors import WalletError


class MandateNotAllowed(WalletError):
    """This route cannot be used under a mandate (devices, erasure, mandates, log, export ...)."""

    code = "mandate_not_allowed"


class MandateNotValid(WalletError):
    """No usable mandate by that id for this caller: unknown, another's, not yet valid, expired, ended."""

    code = "mandate_not_valid"


class MandateOutOfScope(WalletError):
    """The mandate does not cover this document type, procedure or credential type."""

    code = "mandate_out_of_scope"


class MandateNotFound(WalletError):
    """No such mandate between this caller and another citizen (or agency)."""

    code = "mandate_not_found"


class MandateEnded(WalletError):
    """The mandate was already revoked, renounced or ended."""

    code = "mandate_ended"


class MandateByAgency(WalletError):
    """A guardian's mandate is ended by the agency that established it (or renounced by the guardian)."""

    code = "mandate_by_agency"


class DelegateNotFound(WalletError):
    """No enrolled citizen has that CCCD (the delegate must have a wallet)."""

    code = "delegate_not_found"


class InvalidMandate(WalletError):
    """The mandate asked for is malformed: empty or unknown scope, bad validity, oneself as delegate."""

    code = "invalid_mandate"  # params: reason_vi, reason_en


class InvalidGuardianRequest(WalletError):
    """The agency's signed guardian request failed a check: signature, fields, freshness, replay, age."""

    code = "invalid_guardian_request"


MANDATE_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "mandate_not_allowed": (
        403,
        "Không được làm việc này theo uỷ quyền",
        "Not allowed under a mandate",
        "Uỷ quyền không bao giờ cho phép quản lý thiết bị, xoá tài khoản, lập uỷ quyền mới "
        "hay việc này; chỉ chủ ví mới làm được.",
        "A mandate never allows managing devices, erasing the account, granting mandates "
        "or this action; only the wallet's owner can.",
    ),
    "mandate_not_valid": (
        403,
        "Uỷ quyền không dùng được",
        "Mandate not usable",
        "Uỷ quyền này không phải của bạn, chưa có hiệu lực, đã hết hạn hoặc đã bị thu hồi.",
        "This mandate is not yours, not yet valid, expired or ended.",
    ),
    "mandate_out_of_scope": (
        403,
        "Ngoài phạm vi uỷ quyền",
        "Outside the mandate's scope",
        "Uỷ quyền không bao gồm loại giấy tờ, thủ tục hoặc loại chứng nhận này.",
        "The mandate does not cover this document type, procedure or credential type.",
    ),
    "mandate_not_found": (
        404,
        "Không tìm thấy uỷ quyền",
        "Mandate not found",
        "Không có uỷ quyền này giữa bạn và người khác.",
        "There is no such mandate between you and anyone else.",
    ),
    "mandate_ended": (
        409,
        "Uỷ quyền đã chấm dứt",
        "Mandate already ended",
        "Uỷ quyền này đã bị thu hồi hoặc từ chối trước đó; không có gì thay đổi.",
        "This mandate was already revoked or renounced; nothing changed.",
    ),
    "mandate_by_agency": (
        409,
        "Uỷ quyền giám hộ do cơ quan lập",
        "Guardian mandate set by an agency",
        "Uỷ quyền giám hộ chỉ do cơ quan đã lập chấm dứt, hoặc do người giám hộ từ chối.",
        "A guardian's mandate is ended only by the agency that set it, or renounced by the guardian.",
    ),
    "delegate_not_found": (
        404,
        "Không tìm thấy người được uỷ quyền",
        "Delegate not found",
        "Số CCCD này chưa có ví; người được uỷ quyền phải đăng ký ví trước.",
        "No wallet has this CCCD; the delegate must enrol first.",
    ),
    "invalid_mandate": (
        422,
        "Uỷ quyền không hợp lệ",
        "Invalid mandate",
        "Uỷ quyền không hợp lệ: {reason_vi}.",
        "The mandate is invalid: {reason_en}.",
    ),
    "invalid_guardian_request": (
        422,
        "Yêu cầu giám hộ không hợp lệ",
        "Invalid guardian request",
        "Yêu cầu lập uỷ quyền giám hộ có chữ ký không hợp lệ, đã dùng, hết hạn, "
        "hoặc người được đại diện không thuộc diện giám hộ.",
        "The guardian request's signature is invalid, it was used or is stale, "
        "or the represented person is not one a guardian acts for.",
    ),
}
