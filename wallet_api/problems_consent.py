"""Problem texts of the consent and access-log codes: status, title and detail, Vietnamese then English.

Merged into ``wallet_api.problems.CATALOGUE``; kept here so that catalogue stays readable.
"""

from __future__ import annotations

_RECEIPT_VI = "Xem biên nhận đồng ý để biết phạm vi và thời hạn."
_RECEIPT_EN = "See the consent receipt for its scope and term."

CONSENT_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "consent_not_found": (
        404,
        "Không tìm thấy yêu cầu đồng ý",
        "Consent not found",
        "Không có yêu cầu đồng ý này.",
        "No such consent.",
    ),
    "consent_item_not_found": (
        404,
        "Không có trong phạm vi đồng ý",
        "Not covered by the consent",
        "Công dân không đồng ý chia sẻ dữ liệu này theo yêu cầu đồng ý này; không có gì được trả về.",
        "The citizen did not approve sharing this item under this consent; nothing was served.",
    ),
    "consent_pending": (
        403,
        "Công dân chưa quyết định",
        "No decision yet",
        "Chưa có quyết định của công dân thì không được truy cập dữ liệu.",
        "Without the citizen's decision there is no access.",
    ),
    "consent_denied": (
        403,
        "Công dân đã từ chối",
        "Consent denied",
        "Công dân đã từ chối yêu cầu này; không có gì được trả về.",
        "The citizen denied this request; nothing was served.",
    ),
    "consent_revoked": (
        410,
        "Công dân đã rút lại sự đồng ý",
        "Consent revoked",
        "Sự đồng ý đã bị rút lại; không có gì được trả về.",
        "The consent was revoked; nothing was served.",
    ),
    "consent_closed": (
        410,
        "Hồ sơ đã đóng",
        "Case closed",
        "Cơ quan đã đóng hồ sơ nên sự đồng ý đã kết thúc; không có gì được trả về.",
        "The agency closed the case, which ended the consent; nothing was served.",
    ),
    "consent_expired": (
        410,
        "Sự đồng ý đã hết hạn",
        "Consent expired",
        "Đã quá thời hạn của sự đồng ý; không có gì được trả về. " + _RECEIPT_VI,
        "The consent's validity period is over; nothing was served. " + _RECEIPT_EN,
    ),
    "consent_used_up": (
        410,
        "Đã dùng hết số lần cho phép",
        "Consent used up",
        "Mọi lượt truy cập được phép đã được dùng; không có gì được trả về. " + _RECEIPT_VI,
        "Every allowed use has been made; nothing was served. " + _RECEIPT_EN,
    ),
    "consent_already_decided": (
        409,
        "Yêu cầu không còn chờ quyết định",
        "Consent no longer pending",
        "Yêu cầu này đã được quyết định hoặc đã kết thúc.",
        "This request was already decided or has ended.",
    ),
    "invalid_decision": (
        422,
        "Quyết định không hợp lệ",
        "Invalid decision",
        "Quyết định phải được ký bằng khoá thiết bị hiện tại, cho đúng yêu cầu này, mới và chưa từng dùng.",
        "The decision must be signed by the current device key, for this request, fresh and never used.",
    ),
    "approval_exceeds_request": (
        422,
        "Đồng ý vượt quá yêu cầu",
        "Approval exceeds the request",
        "Không lưu gì cả: {reason_vi}.",
        "Nothing was stored: {reason_en}.",
    ),
    "unknown_procedure": (
        422,
        "Thủ tục không xác định",
        "Unknown procedure",
        "Mã thủ tục '{procedure_code}' không có trong danh mục.",
        "The procedure code '{procedure_code}' is not in the catalog.",
    ),
    "unknown_claim": (
        422,
        "Trường thông tin không xác định",
        "Unknown claim",
        "Loại giấy tờ '{doc_type}' không có trường '{claim}'.",
        "The document type '{doc_type}' has no claim '{claim}'.",
    ),
    "type_not_for_procedure": (
        422,
        "Giấy tờ không thuộc thủ tục",
        "Document type not used by the procedure",
        "Thủ tục {procedure_code} không dùng loại giấy tờ '{doc_type}'.",
        "Procedure {procedure_code} does not accept '{doc_type}'.",
    ),
    "access_log_corrupted": (
        500,
        "Nhật ký truy cập bị hỏng",
        "Access log damaged",
        "Nhật ký truy cập đã bị thay đổi ngoài hệ thống; không có gì được trả về.",
        "The access log was changed outside the service; nothing was served.",
    ),
    "access_log_busy": (
        503,
        "Nhật ký truy cập đang bận",
        "Access log busy",
        "Vui lòng thử lại sau; không có gì được trả về.",
        "Please try again later; nothing was served.",
    ),
}
