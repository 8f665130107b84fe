"""The rights branch of the service's error tree and its problem texts, Vietnamese then English.

The codes map to HTTP in ``wallet_api.problems`` (which merges ``RIGHTS_PROBLEMS``).
"""

from __future__ import annotations

from wallet_api.errors import WalletError


class RestrictionNotFound(WalletError):
    """No such active pause of this citizen (also another citizen's, or one already lifted)."""

    code = "restriction_not_found"


class RestrictionEmpty(WalletError):
    """A pause names neither an agency nor a procedure (it would stop every request: not offered)."""

    code = "restriction_empty"


class RestrictionUnknownAgency(WalletError):
    """The agency to pause is not registered."""

    code = "restriction_unknown_agency"


class RequestsPaused(WalletError):
    """The citizen paused new requests from this agency or for this procedure."""

    code = "requests_paused"


class RightsRequestNotFound(WalletError):
    """No such request addressed to this caller (also another citizen's, or another agency's)."""

    code = "rights_request_not_found"


class NothingPulled(WalletError):
    """A deletion request for a consent under which the agency received nothing."""

    code = "deletion_nothing_pulled"


class RequestClosed(WalletError):
    """The request was already answered or refused: an answer lands once."""

    code = "rights_request_closed"


class AttestationRejected(WalletError):
    """The deletion attestation is not a JWS by the agency's registered key over this request."""

    code = "attestation_rejected"


class UnknownCorrectionClaim(WalletError):
    """The claim to correct is not one of the credential's type."""

    code = "correction_unknown_claim"


class ReissueRejected(WalletError):
    """The credential named as the re-issue is not a newer one of the same type, holder and issuer."""

    code = "reissue_rejected"


RIGHTS_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "restriction_not_found": (
        404,
        "Không tìm thấy yêu cầu tạm dừng",
        "Pause not found",
        "Bạn không có yêu cầu tạm dừng đang hiệu lực này.",
        "You have no active pause with this id.",
    ),
    "restriction_empty": (
        422,
        "Chưa chọn điều cần tạm dừng",
        "Nothing chosen to pause",
        "Hãy chọn một cơ quan, một thủ tục, hoặc cả hai.",
        "Choose an agency, a procedure, or both.",
    ),
    "restriction_unknown_agency": (
        404,
        "Không tìm thấy cơ quan",
        "Agency not found",
        "Cơ quan '{agency_id}' chưa đăng ký với ví.",
        "The agency '{agency_id}' is not registered with the wallet.",
    ),
    "requests_paused": (
        403,
        "Công dân đã tạm dừng nhận yêu cầu",
        "The citizen has paused requests",
        "Công dân đã tạm dừng nhận yêu cầu mới từ cơ quan này hoặc cho thủ tục này; "
        "các sự đồng ý đã có vẫn giữ nguyên. Hãy liên hệ công dân theo cách khác.",
        "The citizen has paused new requests from this agency or for this procedure; "
        "consents already given stay as they are. Contact the citizen another way.",
    ),
    "rights_request_not_found": (
        404,
        "Không tìm thấy yêu cầu",
        "Request not found",
        "Không có yêu cầu này gửi tới bạn.",
        "There is no such request addressed to you.",
    ),
    "deletion_nothing_pulled": (
        409,
        "Cơ quan chưa nhận dữ liệu nào",
        "The agency received nothing",
        "Cơ quan chưa nhận dữ liệu nào của bạn theo sự đồng ý này, nên không có gì để yêu cầu xoá.",
        "The agency has received none of your data under this consent: there is nothing to delete.",
    ),
    "rights_request_closed": (
        409,
        "Yêu cầu đã được trả lời",
        "Request already answered",
        "Yêu cầu này đã được trả lời hoặc từ chối; một yêu cầu chỉ được trả lời một lần.",
        "This request was already answered or refused; a request is answered once.",
    ),
    "attestation_rejected": (
        422,
        "Xác nhận xoá không hợp lệ",
        "Deletion attestation rejected",
        "Xác nhận xoá phải là JWS ES256 ký bằng khoá đã đăng ký của cơ quan, "
        "nêu đúng yêu cầu, thời điểm xoá và các bản sao đã xoá.",
        "The attestation must be an ES256 JWS by the agency's registered key naming this request, "
        "when the data was deleted and which copies.",
    ),
    "correction_unknown_claim": (
        422,
        "Không có thông tin này",
        "No such claim",
        "Giấy tờ loại này không có thông tin '{claim}'.",
        "Credentials of this type have no claim '{claim}'.",
    ),
    "reissue_rejected": (
        422,
        "Giấy tờ cấp lại không hợp lệ",
        "Re-issued credential rejected",
        "Giấy tờ cấp lại phải là giấy tờ mới cùng loại, của cùng công dân, do chính cơ quan cấp sau yêu cầu.",
        "The re-issue must be a newer credential of the same type, for the same citizen, issued by "
        "this agency after the request.",
    ),
}
