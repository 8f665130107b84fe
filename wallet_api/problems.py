"""RFC 9457 problem details: the one place where error codes become HTTP responses.

Every family of errors (``wallet_api.errors``, ``crypto``, ``storage`` and
litestar's own HTTP exceptions) carries a stable ``code``; this module maps the
code to a status and localized text, Vietnamese first, English by
``Accept-Language``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from litestar import Request, Response
from litestar.exceptions import HTTPException

import crypto
import storage
from wallet_api.assisted.errors import ASSIST_PROBLEMS
from wallet_api.devices.errors import DEVICE_PROBLEMS
from wallet_api.errors import WalletError
from wallet_api.limits.errors import LIMIT_PROBLEMS
from wallet_api.mandates.errors import MANDATE_PROBLEMS
from wallet_api.problems_consent import CONSENT_PROBLEMS
from wallet_api.problems_input import INPUT_PROBLEMS, framework_reasons
from wallet_api.recovery.errors import RECOVERY_PROBLEMS
from wallet_api.rights.errors import RIGHTS_PROBLEMS

PROBLEM_BASE = "https://wallet.example/problems/"
log = logging.getLogger("wallet.problems")
RETRY_AFTER_SECONDS = "2"  # a backend outage: a phone retries soon, not in a tight loop


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry of the catalogue: status and the text in both languages."""

    status: int
    title_vi: str
    title_en: str
    detail_vi: str = ""
    detail_en: str = ""


CATALOGUE: dict[str, Problem] = {
    "invalid_request": Problem(400, "Yêu cầu không hợp lệ", "Invalid request", "{reason}", "{reason}"),
    "invalid_cccd": Problem(
        422,
        "Số CCCD không hợp lệ",
        "Invalid citizen ID number",
        "Số định danh cá nhân không đúng quy tắc: {reason_vi}.",
        "The citizen ID number breaks a rule: {reason_en}.",
    ),
    "invalid_name": Problem(
        422,
        "Họ tên không hợp lệ",
        "Invalid full name",
        "Họ tên phải có từ 1 đến 100 ký tự chữ, không chứa ký tự điều khiển hay chữ số.",
        "The name must have 1 to 100 letters and no control characters or digits.",
    ),
    "invalid_date": Problem(
        422,
        "Ngày sinh không hợp lệ",
        "Invalid date of birth",
        "Ngày sinh phải có dạng YYYY-MM-DD và không ở tương lai.",
        "The date of birth must be YYYY-MM-DD and not in the future.",
    ),
    "already_enrolled": Problem(
        409,
        "Số CCCD đã được đăng ký",
        "Citizen ID already enrolled",
        "Số CCCD này đã có ví. Hãy đăng nhập bằng thiết bị đã đăng ký.",
        "This citizen ID already has a wallet. Log in with the enrolled device.",
    ),
    "enrolment_requires_idp": Problem(
        403,
        "Cần xác thực danh tính",
        "Identity assertion required",
        "Máy chủ ở chế độ nghiêm ngặt: cần xác nhận danh tính từ cơ quan định danh.",
        "The server runs in strict mode: enrolment needs an identity-provider assertion.",
    ),
    "invalid_token": Problem(
        401,
        "Chưa xác thực",
        "Not authenticated",
        "Mã truy cập hoặc bằng chứng DPoP không hợp lệ, đã hết hạn hoặc đã dùng.",
        "The access token or DPoP proof is invalid, expired or already used.",
    ),
    "invalid_client": Problem(
        401,
        "Xác thực thiết bị thất bại",
        "Client authentication failed",
        "Không xác thực được thiết bị hoặc cơ quan gửi yêu cầu.",
        "The device or agency could not be authenticated.",
    ),
    "not_found": Problem(404, "Không tìm thấy", "Not found", "Không có tài nguyên này.", "No such resource."),
    "method_not_allowed": Problem(405, "Phương thức không được hỗ trợ", "Method not allowed"),
    "unknown_document_type": Problem(
        422,
        "Loại giấy tờ không xác định",
        "Unknown document type",
        "Loại giấy tờ '{doc_type}' không có trong danh mục.",
        "The document type '{doc_type}' is not in the catalog.",
    ),
    "unsupported_media_type": Problem(
        415,
        "Định dạng tệp không được hỗ trợ",
        "Unsupported media type",
        "Chỉ nhận PDF, PNG, JPEG hoặc JSON.",
        "Only PDF, PNG, JPEG or JSON are accepted.",
    ),
    "content_mismatch": Problem(
        415,
        "Nội dung không khớp định dạng",
        "Content does not match its type",
        "Nội dung tệp không phải là {content_type}.",
        "The file content is not {content_type}.",
    ),
    "payload_too_large": Problem(
        413,
        "Tệp quá lớn",
        "Payload too large",
        "Kích thước tối đa là {limit} byte.",
        "The maximum size is {limit} bytes.",
    ),
    "incomplete_body": Problem(
        400,
        "Dữ liệu tải lên bị cắt",
        "Incomplete upload",
        "Dữ liệu kết thúc trước độ dài đã khai báo; không có gì được lưu.",
        "The body ended before its announced length; nothing was stored.",
    ),
    "erase_confirmation_required": Problem(
        428,
        "Cần xác nhận xoá tài khoản",
        "Erasure must be confirmed",
        "Gửi tiêu đề Erase-Confirm với mã tài khoản của bạn để xoá vĩnh viễn.",
        "Send the Erase-Confirm header with your account id to erase for good.",
    ),
    "integrity_error": Problem(
        500,
        "Dữ liệu lưu trữ không toàn vẹn",
        "Stored data failed its integrity check",
        "Dữ liệu đã bị hỏng hoặc bị can thiệp; không có nội dung nào được trả về.",
        "The data is damaged or was tampered with; nothing was returned.",
    ),
    "storage_unavailable": Problem(
        503,
        "Kho lưu trữ tạm thời không khả dụng",
        "Storage temporarily unavailable",
        "Vui lòng thử lại sau.",
        "Please try again later.",
    ),
    "insufficient_storage": Problem(
        507,
        "Kho lưu trữ đã đầy",
        "Insufficient storage",
        "Không còn chỗ để lưu tệp này; không có gì được lưu. Bạn vẫn có thể xem và xoá giấy tờ.",
        "There is no space left to store this; nothing was stored. Reading and deleting still work.",
    ),
    "upload_too_slow": Problem(
        408,
        "Tải lên quá lâu",
        "Upload took too long",
        "Tệp phải được gửi xong trong {limit} giây; không có gì được lưu.",
        "The file must arrive within {limit} seconds; nothing was stored.",
    ),
    "content_missing": Problem(
        500,
        "Không đọc được nội dung giấy tờ",
        "Document content missing",
        "Nội dung của giấy tờ này không còn trong kho lưu trữ; bộ phận vận hành đã được báo.",
        "This document's content is missing from storage; the operators have been alerted.",
    ),
    "forbidden_role": Problem(
        403,
        "Không có quyền",
        "Role not allowed",
        "Vai trò đã đăng ký của cơ quan không cho phép thao tác này.",
        "The agency's registered roles do not allow this.",
    ),
    "document_type_not_allowed": Problem(
        403,
        "Không được cấp loại giấy tờ này",
        "Document type not allowed",
        "Cơ quan không được đăng ký để cấp loại giấy tờ '{doc_type}'.",
        "The agency is not registered to issue '{doc_type}'.",
    ),
    "citizen_not_found": Problem(
        404,
        "Không tìm thấy công dân",
        "Citizen not found",
        "Không có ví nào cho số CCCD này.",
        "No wallet exists for that citizen ID number.",
    ),
    "credential_rejected": Problem(
        422,
        "Giấy tờ điện tử bị từ chối",
        "Credential rejected",
        "Không lưu gì cả: {reason_vi}.",
        "Nothing was stored: {reason_en}.",
    ),
    "credential_not_found": Problem(
        404, "Không tìm thấy giấy tờ", "Credential not found", "Không có giấy tờ này.", "No such credential."
    ),
    "idempotency_mismatch": Problem(
        422,
        "Idempotency-Key đã được dùng",
        "Idempotency-Key already used",
        "Khoá này đã dùng cho một yêu cầu khác.",
        "This key was already used for a different request.",
    ),
    "agency_not_found": Problem(
        404,
        "Không tìm thấy cơ quan",
        "Agency not found",
        "Cơ quan '{agency_id}' chưa đăng ký.",
        "Agency '{agency_id}' is not registered.",
    ),
    "operator_credential_required": Problem(
        401,
        "Cần thông tin xác thực của người vận hành",
        "Operator credential required",
        "Chỉ người vận hành hệ thống được xem trang này (Authorization: Bearer).",
        "Only the service operator may read this (Authorization: Bearer).",
    ),
    "internal_error": Problem(
        500,
        "Lỗi hệ thống",
        "Internal error",
        "Đã có lỗi không mong muốn; không có thay đổi nào được lưu.",
        "An unexpected error occurred; nothing was changed.",
    ),
}
CATALOGUE.update({code: Problem(*entry) for code, entry in CONSENT_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in INPUT_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in RIGHTS_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in LIMIT_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in DEVICE_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in RECOVERY_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in MANDATE_PROBLEMS.items()})
CATALOGUE.update({code: Problem(*entry) for code, entry in ASSIST_PROBLEMS.items()})
# Codes from other families that share an entry above.
ALIASES = {
    "conflict": "invalid_request",
    "invalid_signature": "invalid_token",
    "storage_error": "internal_error",
    "crypto_error": "internal_error",
    "key_error": "invalid_request",
    "master_key_error": "internal_error",
    "config_error": "internal_error",
}
_HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_token",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def language(request: Request) -> str:  # type: ignore[type-arg]  # any request
    """``en`` when the client prefers English, else Vietnamese."""
    header = request.headers.get("accept-language", "")
    best, best_q = "vi", -1.0
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        lang = tag.strip().lower()[:2]
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        if lang in ("vi", "en") and weight > best_q:
            best, best_q = lang, weight
    return best


def problem_type(code: str) -> str:
    """The problem ``type`` URI of ``code``: the one rule the docs and the OpenAPI document state."""
    return PROBLEM_BASE + code


def problem_body(code: str, lang: str, params: dict[str, object]) -> dict[str, object]:
    """The problem+json members for ``code`` (an alias or unknown code gives its catalogue entry)."""
    code = ALIASES.get(code, code)
    if code not in CATALOGUE:
        code = "internal_error"
    entry = CATALOGUE[code]
    body: dict[str, object] = {
        "type": problem_type(code),
        "title": entry.title_en if lang == "en" else entry.title_vi,
        "status": entry.status,
        "code": code,
    }
    detail = _fill(entry.detail_en if lang == "en" else entry.detail_vi, lang, params)
    if detail:
        body["detail"] = detail
    return body


def problem_response(code: str, lang: str, params: dict[str, object]) -> Response[dict[str, object]]:
    """Build the problem+json response for ``code``."""
    body = problem_body(code, lang, params)
    status = CATALOGUE[str(body["code"])].status
    headers = {"Content-Language": lang}
    if body["code"] == "operator_credential_required":
        headers["WWW-Authenticate"] = 'Bearer realm="operator"'
    elif status == 401:
        headers["WWW-Authenticate"] = f'DPoP algs="ES256", error="{body["code"]}"'
    if status == 503:
        headers["Retry-After"] = RETRY_AFTER_SECONDS
    elif status == 429:
        headers["Retry-After"] = str(params.get("retry_after", 60))
    return Response(body, status_code=status, media_type="application/problem+json", headers=headers)


def _fill(template: str, lang: str, params: dict[str, object]) -> str:
    values = {k: v for k, v in params.items()}
    reason = params.get(f"reason_{lang}", params.get("reason", ""))
    values.setdefault("reason", reason)
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template.split("{", 1)[0].strip()


_CLOSE = "wallet.close_connection"  # scope key: the request body was left unread


def close_after_response(request: Request) -> None:  # type: ignore[type-arg]  # any request
    """Mark the request: its problem response says ``Connection: close`` (its body is left unread)."""
    request.scope[_CLOSE] = True  # type: ignore[literal-required]  # our own key in the ASGI scope


def handle_exception(request: Request, exc: Exception) -> Response[dict[str, object]]:  # type: ignore[type-arg]  # any request
    """The single exception handler of the app."""
    response = _problem_for(request, exc)
    if response.status_code == 413 or request.scope.get(_CLOSE):
        # The server stops reading the body here; a client that kept the connection would send
        # its next request into the leftover bytes. Say so, so it opens a new one.
        response.headers["Connection"] = "close"
    return response


def _problem_for(request: Request, exc: Exception) -> Response[dict[str, object]]:  # type: ignore[type-arg]  # any request
    lang = language(request)
    if isinstance(exc, WalletError):
        if exc.code == "internal_error":
            log.exception("internal error")
        return problem_response(exc.code, lang, dict(exc.params))
    if isinstance(exc, storage.StorageError):
        if exc.code in ("storage_error", "storage_unavailable", "insufficient_storage"):
            log.error("storage failure on %s %s: %s", request.method, request.url.path, exc)
        return problem_response(exc.code, lang, {})
    if isinstance(exc, crypto.CryptoError):
        log.error("crypto failure: %s on %s", type(exc).__name__, request.url.path)
        return problem_response(exc.code, lang, {})
    if isinstance(exc, HTTPException):
        code = _HTTP_CODES.get(
            exc.status_code, "internal_error" if exc.status_code >= 500 else "invalid_request"
        )
        return problem_response(code, lang, _http_params(request, exc))
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response("internal_error", lang, {})


def _http_params(request: Request, exc: HTTPException) -> dict[str, object]:  # type: ignore[type-arg]  # any request
    """Litestar's own refusals, localised and cleaned (``problems_input``); a 413 names its limit."""
    params: dict[str, object] = dict(framework_reasons(exc))
    if exc.status_code == 413:
        handler = request.scope.get("route_handler")
        limit = getattr(handler, "resolve_request_max_body_size", lambda: None)()
        params["limit"] = limit or request.app.request_max_body_size
    return params
