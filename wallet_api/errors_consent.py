"""The consent and access-log branch of the service's error tree (codes mapped in ``problems``)."""

from __future__ import annotations

from consent.policy import PolicyError
from wallet_api.errors import InvalidRequest, UnknownDocumentType, WalletError


class ConsentNotFound(WalletError):
    """No such consent for this caller (also another agency's or another citizen's)."""

    code = "consent_not_found"


class ConsentItemNotFound(WalletError):
    """The credential or document is not among the items the citizen approved (or does not exist)."""

    code = "consent_item_not_found"


class ConsentPending(WalletError):
    """The citizen has not decided: no decision means no access."""

    code = "consent_pending"


class ConsentDenied(WalletError):
    """The citizen denied the request."""

    code = "consent_denied"


class ConsentRevoked(WalletError):
    """The citizen revoked the consent."""

    code = "consent_revoked"


class ConsentClosed(WalletError):
    """The agency closed its case, which ended the consent."""

    code = "consent_closed"


class ConsentExpired(WalletError):
    """The consent's validity period is over."""

    code = "consent_expired"


class ConsentUsedUp(WalletError):
    """Every allowed use of the consent has been made."""

    code = "consent_used_up"


class ConsentAlreadyDecided(WalletError):
    """The consent is no longer pending: a decision was made or it ended."""

    code = "consent_already_decided"


class InvalidDecision(WalletError):
    """The signed decision failed a check: signature, key, consent, freshness or replay (reason logged)."""

    code = "invalid_decision"


class ApprovalExceedsRequest(WalletError):
    """The approval covers something not requested, or a resource that is not the citizen's."""

    code = "approval_exceeds_request"


class UnknownProcedure(WalletError):
    """The procedure code is not in the catalog."""

    code = "unknown_procedure"


class UnknownClaim(WalletError):
    """A requested claim is not a claim of its document type."""

    code = "unknown_claim"


class TypeNotForProcedure(WalletError):
    """The procedure does not accept that document type."""

    code = "type_not_for_procedure"


class AccessLogCorrupted(WalletError):
    """The stored access log contradicts itself: rows were altered or deleted."""

    code = "access_log_corrupted"


class AccessLogBusy(WalletError):
    """Concurrent appends kept winning; nothing was served."""

    code = "access_log_busy"


REFUSALS: dict[str, type[WalletError]] = {
    "pending": ConsentPending,
    "denied": ConsentDenied,
    "revoked": ConsentRevoked,
    "closed": ConsentClosed,
    "expired": ConsentExpired,
    "used_up": ConsentUsedUp,
}
_POLICY: dict[str, type[WalletError]] = {
    "unknown_procedure": UnknownProcedure,
    "unknown_document_type": UnknownDocumentType,
    "unknown_claim": UnknownClaim,
    "type_not_for_procedure": TypeNotForProcedure,
    "approval_exceeds_request": ApprovalExceedsRequest,
    "invalid_request": InvalidRequest,
}


def refused(reason: str) -> WalletError:
    """The error for a consent that may not be used now (``consent.policy.refusal``'s reason)."""
    return REFUSALS.get(reason, ConsentPending)()


def from_policy(exc: PolicyError) -> WalletError:
    """The service error for a policy refusal, with the same parameters."""
    return _POLICY.get(exc.code, InvalidRequest)(exc.code, **exc.params)
