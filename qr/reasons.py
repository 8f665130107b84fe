"""Every reason a credential, presentation, QR code or signed PDF is refused, in one table.

The wallet (at issuance), ``POST /v1/verify``, the ``/verify`` page and ``wallet-verify`` all name
their refusals from this table, so that a reason means the same everywhere and none is lost.
Texts are short, for a counter clerk and for an agency officer: Vietnamese first, then English.
"""

from __future__ import annotations

REASONS: dict[str, tuple[str, str]] = {
    "ok": ("Hợp lệ", "Valid"),
    # time
    "expired": ("Đã hết hạn", "Expired"),
    "not_yet_valid": ("Chưa có hiệu lực", "Not yet valid"),
    "missing_expiry": ("Giấy tờ không ghi thời hạn (exp)", "The credential states no expiry (exp)"),
    "missing_issued_at": (
        "Giấy tờ không ghi thời điểm cấp (iat)",
        "The credential states no issue time (iat)",
    ),
    # issuer and trust
    "unknown_issuer": (
        "Cơ quan cấp không có trong danh sách tin cậy",
        "The issuer is not on the trust list",
    ),
    "untrusted_issuer": (
        "Cơ quan cấp không có trong danh sách tin cậy",
        "The issuer is not on the trust list",
    ),
    "inactive_issuer": (
        "Cơ quan cấp không còn hiệu lực khi ký",
        "The issuer was not active when it signed",
    ),
    "dissolved_issuer": ("Cơ quan cấp đã giải thể trước khi ký", "The issuer was dissolved before it signed"),
    "wrong_issuer": (
        "Người cấp trong giấy tờ không phải cơ quan gửi",
        "The issuer is not the sending agency",
    ),
    "unknown_type": ("Loại giấy tờ không có trong danh mục", "The credential type is not in the catalog"),
    "document_type_not_allowed": (
        "Cơ quan này không được cấp loại giấy tờ này",
        "This issuer is not registered for this type of credential",
    ),
    "not_registered": (
        "Giấy tờ chưa từng được đăng ký trong ví: không do cơ quan cấp phát hành qua hệ thống",
        "The wallet never registered this credential: it was not issued through the service",
    ),
    "stale_trust_list": ("Danh sách tin cậy đã cũ: hãy đồng bộ", "The trust list is out of date: run sync"),
    "unknown_key": ("Khoá ký không có trong danh sách tin cậy", "Signed by a key not on the trust list"),
    # signature and structure
    "bad_signature": (
        "Chữ ký không hợp lệ: dữ liệu đã bị sửa",
        "Invalid signature: the data was altered",
    ),
    "unsupported_algorithm": ("Thuật toán ký không được chấp nhận", "Signing algorithm not accepted"),
    "disclosure_not_in_sd_jwt": (
        "Có thông tin được thêm vào không thuộc giấy tờ gốc",
        "A disclosed value is not part of the credential",
    ),
    "duplicate_disclosure": ("Một thông tin được trình bày hai lần", "A disclosure is presented twice"),
    "sd_hash_mismatch": (
        "Xác nhận của người giữ không khớp với nội dung trình bày",
        "The holder's confirmation does not cover what is presented",
    ),
    "malformed": ("Không đúng định dạng", "Malformed"),
    # holder binding
    "missing_key_binding": ("Thiếu xác nhận của người giữ", "No holder key binding"),
    "bad_key_binding": (
        "Không phải người giữ giấy tờ: chữ ký của thiết bị không khớp",
        "Not presented by its holder: the device signature does not match",
    ),
    "wrong_nonce": ("Không gắn với mã kiểm tra này", "Not bound to this verifier's nonce"),
    "wrong_audience": ("Không dành cho bên kiểm tra này", "Meant for another verifier"),
    "stale_key_binding": ("Bản trình bày đã cũ", "The presentation is too old"),
    "wrong_holder": (
        "Khoá người giữ không phải khoá thiết bị của công dân",
        "The credential is not bound to this citizen's device key",
    ),
    # a delegate presenting under a mandate attestation (qr.mandate)
    "mandate_malformed": (
        "Giấy xác nhận uỷ quyền không đúng định dạng",
        "The mandate attestation is malformed",
    ),
    "mandate_bad_signature": (
        "Giấy xác nhận uỷ quyền không do ví ký bằng khoá tin cậy: đã bị sửa hoặc giả mạo",
        "The mandate attestation is not signed by a trusted wallet key: altered or forged",
    ),
    "mandate_expired": (
        "Giấy xác nhận uỷ quyền đã hết hạn (chỉ dùng được 5 phút)",
        "The mandate attestation has expired (it lasts 5 minutes)",
    ),
    "mandate_wrong_credential": (
        "Giấy xác nhận uỷ quyền dành cho một giấy tờ khác",
        "The mandate attestation is for another credential",
    ),
    "mandate_wrong_key": (
        "Người xuất trình không phải người được uỷ quyền: chữ ký thiết bị không khớp",
        "Not presented by the delegate: the device signature does not match the mandate",
    ),
    "mandate_ended": (
        "Uỷ quyền đã bị thu hồi hoặc đã hết hạn",
        "The mandate has been revoked or has ended",
    ),
    "mandate_type_not_covered": (
        "Uỷ quyền không bao gồm loại giấy tờ này",
        "The mandate does not cover this type of credential",
    ),
    # status
    "missing_status": (
        "Giấy tờ không có tham chiếu trạng thái nên không thể thu hồi",
        "The credential has no status reference, so it could never be revoked",
    ),
    "bad_status": (
        "Tham chiếu trạng thái không phải chỉ số đã cấp cho cơ quan",
        "The status reference is not an index allocated to this agency",
    ),
    "revoked": ("Đã bị thu hồi", "Revoked"),
    "suspended": ("Đang bị tạm dừng", "Suspended"),
    "status_invalid": (
        "Chỉ số trạng thái chưa từng được cấp",
        "The status index was never allocated",
    ),
    "status_unknown": ("Chưa có danh sách trạng thái: hãy đồng bộ", "Status list not cached: run sync"),
    # one-time references
    "already_used": ("Mã này đã được dùng", "This code was already used"),
    # the counter's nonce (web verifier)
    "nonce_missing": (
        "Chưa có mã kiểm tra của quầy cho lần quét này",
        "No counter check code was issued for this scan",
    ),
    "nonce_unknown": (
        "Mã kiểm tra của quầy không do dịch vụ cấp",
        "The counter check code was not issued by the service",
    ),
    "nonce_expired": (
        "Mã kiểm tra của quầy đã hết hạn: hãy quét lại",
        "The counter check code has expired: scan again",
    ),
    "nonce_used": (
        "Mã kiểm tra của quầy đã được dùng cho một lần quét khác",
        "The counter check code was already used for another scan",
    ),
    "reference_expired": ("Mã đã hết hạn", "This code has expired"),
    # catalog ("right, complete, clean")
    "not_clean": (
        "Dữ liệu chưa chuẩn hoá (NFC) hoặc có ký tự điều khiển",
        "A value is not NFC or has control characters",
    ),
    "wrong_type": ("Một trường có kiểu sai", "A claim has the wrong type"),
    "missing_claim": ("Thiếu trường bắt buộc", "A mandatory claim is missing"),
    "unknown_claim": ("Có trường không thuộc danh mục", "A claim is not in the catalog"),
    # QR codes and PDFs (qr.errors and crypto.pdfsig reasons)
    "unsupported_version": ("Phiên bản mã QR không được hỗ trợ", "Unsupported QR code version"),
    "invalid_claims": ("Thông tin trong mã QR không hợp lệ", "The QR code's data is invalid"),
    "too_large": ("Dữ liệu quá lớn", "Too large"),
    "no_code": ("Không thấy mã QR nào trong ảnh", "No QR code in the image"),
    "unreadable_code": (
        "Thấy mã QR nhưng không đọc được (mờ, loá hoặc hỏng)",
        "A QR code was found but could not be read (blurred, glare or damaged)",
    ),
    "unreadable_image": ("Không đọc được ảnh", "The image cannot be read"),
    "multiple_codes": ("Có nhiều mã QR trong ảnh", "Several QR codes in the image"),
    "not_signed": ("Tệp PDF không có chữ ký số", "The PDF is not signed"),
    "no_trust_root": (
        "Máy chủ chưa có chứng thư gốc nào để kiểm tra chữ ký PDF (wallet trust add-root)",
        "The service has no trust root to check PDF signatures against (wallet trust add-root)",
    ),
    "multiple_signatures": (
        "Tệp PDF có nhiều chữ ký: chưa hỗ trợ",
        "The PDF has several signatures: not supported",
    ),
    "modified_after_signing": ("Tệp PDF đã bị sửa sau khi ký", "The PDF was changed after it was signed"),
    "weak_algorithm": ("Thuật toán ký yếu (MD5, SHA-1)", "A weak signing algorithm (MD5, SHA-1)"),
    "untrusted_certificate": (
        "Chứng thư số không thuộc tổ chức chứng thực tin cậy",
        "The certificate does not chain to a trusted root",
    ),
    "certificate_expired_at_signing": (
        "Chứng thư số đã hết hạn khi ký",
        "The certificate had expired when it signed",
    ),
    "certificate_not_yet_valid_at_signing": (
        "Chứng thư số chưa có hiệu lực khi ký",
        "The certificate was not yet valid when it signed",
    ),
    "unsuitable_key_usage": ("Chứng thư số không dùng để ký", "The certificate is not for signing"),
    "signing_time_in_future": ("Thời điểm ký ở tương lai", "The signing time is in the future"),
    "signed_after_dissolution": (
        "Cơ quan ký sau khi đã giải thể hoặc hết hiệu lực",
        "The agency signed after its dissolution or validity",
    ),
    "signer_not_registered": (
        "Người ký (O trong chứng thư) không phải cơ quan gửi hoặc cơ quan tiền nhiệm",
        "The certificate's organisation is not the sending agency or one it succeeded",
    ),
    "metadata_mismatch": (
        "Chữ ký không khớp nội dung hoặc thông tin",
        "The signature does not match the file or metadata",
    ),
}


def message(reason: str, lang: str = "vi") -> str:
    """The reason in the reader's language (the code itself when the table lacks it)."""
    vi, en = REASONS.get(reason, (reason, reason))
    return en if lang == "en" else vi
