"""The one table of reasons covers every reason any check can give, in both languages."""

from __future__ import annotations

import unicodedata

import crypto
from crypto.errors import CREDENTIAL_FAILURES, PDF_SIGNATURE_REASONS
from qr.errors import QR_REASONS
from qr.mandate import MANDATE_REASONS
from qr.reasons import REASONS, message


def test_every_reason_any_check_gives_has_both_texts() -> None:
    from wallet_api.services.issuance import REJECTIONS

    wanted = CREDENTIAL_FAILURES | PDF_SIGNATURE_REASONS | set(QR_REASONS) | set(REJECTIONS) | MANDATE_REASONS
    wanted |= {"revoked", "suspended", "status_invalid", "status_unknown", "missing_status", "not_registered"}
    wanted |= {"document_type_not_allowed", "unknown_type", "dissolved_issuer", "inactive_issuer"}
    missing = sorted(wanted - set(REASONS))
    assert missing == []
    for code, (vi, en) in REASONS.items():
        assert (vi and en and vi != en) or code in {"ok"}, code
        assert unicodedata.is_normalized("NFC", vi), code


def test_messages_by_language() -> None:
    assert message("revoked") == "Đã bị thu hồi" and message("revoked", "en") == "Revoked"
    assert message("no-such-reason", "en") == "no-such-reason"
    assert isinstance(crypto.CredentialError("missing_expiry").reason, str)
