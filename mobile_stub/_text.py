"""What the citizen reads: Vietnamese first, then English, always NFC."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from mobile_stub.errors import MobileError, WalletError

# Messages for errors raised on the phone itself, by error code.
_LOCAL_ERRORS: dict[str, tuple[str, str]] = {
    "no_device_key": (
        "Chưa có khoá thiết bị, hãy chạy `wallet-mobile device init`",
        "No device key yet, run `wallet-mobile device init`",
    ),
    "device_key_exists": ("Khoá thiết bị đã tồn tại", "A device key already exists"),
    "insecure_key_file": (
        "Tệp riêng tư có quyền truy cập quá rộng, phải là 0600",
        "Private file is open to group or others, it must be 0600",
    ),
    "corrupt_state": ("Tệp của thiết bị bị hỏng", "Device file is corrupt"),
    "erasure_receipt_invalid": (
        "Biên nhận xoá không hợp lệ (chữ ký hoặc nội dung sai)",
        "The erasure receipt is not valid (signature or content)",
    ),
    "not_enrolled": (
        "Thiết bị chưa đăng ký, hãy chạy `wallet-mobile enrol`",
        "Device not enrolled, run `wallet-mobile enrol`",
    ),
    "already_enrolled": ("Thiết bị đã được đăng ký", "Device is already enrolled"),
    "enrolment_not_confirmed": (
        "Không đăng ký được thiết bị này. Nếu số CCCD này đã có ví, hãy thêm thiết bị này từ thiết bị "
        "cũ (`wallet-mobile devices pair`); nếu không, hãy kiểm tra lại thông tin",
        "This device could not be enrolled. If this CCCD already has a wallet, add this device from "
        "your other device (`wallet-mobile devices pair`); otherwise check what you typed",
    ),
    "pairing_failed": ("Ghép thiết bị không thành công", "Pairing did not succeed"),
    "not_this_devices_key": (
        "Giấy tờ này gắn với khoá của thiết bị khác; chỉ thiết bị đó trình bày được, "
        "hoặc xin cơ quan cấp lại",
        "This credential is bound to another device's key; only that device can present it, "
        "or ask the issuer to re-issue it",
    ),
    "log_tampered": ("Nhật ký truy cập không kiểm chứng được", "The access log does not verify"),
    "enrolled_elsewhere": (
        "Thiết bị đã đăng ký ở máy chủ khác",
        "Device is enrolled at another server",
    ),
    "unsupported_media_type": (
        "Loại tệp không được hỗ trợ (pdf, png, jpg, json)",
        "Unsupported file type (pdf, png, jpg, json)",
    ),
    "integrity_error": (
        "Truyền dữ liệu không trọn vẹn, không lưu tệp nào",
        "Transfer incomplete, no file was saved",
    ),
    "network_error": ("Không kết nối được tới máy chủ", "Cannot reach the server"),
    "no_mandate": (
        "Bạn không có uỷ quyền đang hiệu lực của người này (xem `wallet-mobile mandates list`)",
        "You hold no active mandate from this person (see `wallet-mobile mandates list`)",
    ),
}
_GENERIC_ERROR = ("Lỗi", "Error")

FIELD_LABELS: dict[str, str] = {
    "id": "Mã / ID",
    "document_id": "Mã / ID",
    "citizen_id": "Mã công dân / Citizen ID",
    "full_name": "Họ và tên / Full name",
    "date_of_birth": "Ngày sinh / Date of birth",
    "cccd": "Số CCCD / Citizen ID number",
    "type": "Loại / Type",
    "type_name": "Tên loại / Type name",
    "device_jkt": "Dấu vân tay khoá thiết bị / Device key thumbprint",
    "enrolled_at": "Ngày đăng ký / Enrolled",
    "doc_type": "Loại / Type",
    "filename": "Tên tệp / File name",
    "content_type": "Kiểu nội dung / Content type",
    "size": "Kích thước (byte) / Size (bytes)",
    "provenance": "Nguồn gốc / Provenance",
    "issuer": "Cơ quan cấp / Issuer",
    "version": "Phiên bản / Version",
    "created_at": "Ngày tạo / Created",
    "updated_at": "Ngày cập nhật / Updated",
}
_VALUES = {"issued": "được cấp / issued", "uploaded": "tự tải lên / uploaded"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def bilingual(vi: str, en: str, subject: str = "") -> str:
    return nfc(f"{vi} / {en}" + (f": {subject}" if subject else ""))


def error_lines(error: MobileError) -> list[str]:
    """The lines to print for an SDK error: the server's own words when it spoke."""
    if isinstance(error, WalletError):
        head = bilingual("Lỗi từ máy chủ", "Server error", f"{error.status} {error.title}")
        return [head, nfc(error.detail)] if error.detail else [head]
    vi, en = _LOCAL_ERRORS.get(error.code, _GENERIC_ERROR)
    lines = [bilingual(vi, en, error.subject)]
    if error.code in (
        "insecure_key_file",
        "corrupt_state",
        "network_error",
        "integrity_error",
        "pairing_failed",
        "log_tampered",
    ):
        lines.append(nfc(error.message))
    return lines


def doc_id(meta: Mapping[str, Any]) -> str:
    """A document's id, whichever of ``id`` / ``document_id`` the server used."""
    return _value(meta.get("id", meta.get("document_id", "")))


def doc_summary(meta: Mapping[str, Any]) -> str:
    """One line for ``list``: id, type, file name, size, provenance."""
    parts = [
        doc_id(meta),
        _value(meta.get("type", meta.get("doc_type", ""))),
        _value(meta.get("type_name", "")),
        _value(meta.get("filename", "")),
        _value(meta.get("size", "")),
        _VALUES.get(_value(meta.get("provenance", "")), _value(meta.get("provenance", ""))),
    ]
    return nfc("  ".join(p for p in parts if p))


def field_lines(data: Mapping[str, Any]) -> list[str]:
    """``label: value`` lines for a profile or a document's metadata."""
    lines = []
    for key, raw in data.items():
        value = _value(raw)
        lines.append(nfc(f"{FIELD_LABELS.get(key, key)}: {_VALUES.get(value, value)}"))
    return lines


def _value(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if raw is None:
        return ""
    if isinstance(raw, dict | list):
        return json.dumps(raw, ensure_ascii=False)
    return str(raw)
