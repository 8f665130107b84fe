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
}
