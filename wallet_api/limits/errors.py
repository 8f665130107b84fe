"""The rate-limit branch of the error tree and its problem text (merged into ``wallet_api.problems``)."""

from __future__ import annotations

from wallet_api.errors import WalletError


class RateLimited(WalletError):
    """Too many calls of this kind from this address or client in the window; ``retry_after`` seconds."""

    code = "rate_limited"


LIMIT_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "rate_limited": (
        429,
        "Quá nhiều yêu cầu",
        "Too many requests",
        "Bạn đã gửi quá nhiều yêu cầu loại này; hãy thử lại sau {retry_after} giây.",
        "Too many requests of this kind; try again in {retry_after} seconds.",
    ),
}
