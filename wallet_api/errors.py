"""The service-layer error tree: each class sets a machine code, mapped to HTTP in ``problems``.

Domain code raises these (or the ``crypto`` / ``storage`` families); it never
raises HTTP exceptions. ``params`` fill the localized detail templates and must
never hold secrets.
"""

from __future__ import annotations


class WalletError(Exception):
    """Base of every error the service reports to a client."""

    code = "internal_error"

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message or self.code)
        self.params = params


class ConfigError(WalletError):
    """The configuration cannot work; raised at start-up only."""

    code = "config_error"


class InvalidRequest(WalletError):
    """A malformed request body, header or parameter."""

    code = "invalid_request"


class InvalidCccd(WalletError):
    """The citizen ID number fails validation; ``reason`` says which rule."""

    code = "invalid_cccd"


class InvalidName(WalletError):
    """The full name is empty, too long or contains characters a name cannot have."""

    code = "invalid_name"


class InvalidDate(WalletError):
    """The date of birth is not a real past date."""

    code = "invalid_date"


class AlreadyEnrolled(WalletError):
    """That citizen ID number already has a wallet."""

    code = "already_enrolled"


class EnrolmentNeedsIdentityProvider(WalletError):
    """Strict mode refuses self-asserted enrolment."""

    code = "enrolment_requires_idp"


class Unauthenticated(WalletError):
    """The token, DPoP proof or client assertion failed (the reason is only logged)."""

    code = "invalid_token"


class InvalidClient(WalletError):
    """The client authentication at the token endpoint failed (reason only logged)."""

    code = "invalid_client"


class DocumentNotFound(WalletError):
    """No such document for this citizen (also when it is another citizen's)."""

    code = "not_found"


class UnknownDocumentType(WalletError):
    """The document type is not in the catalog."""

    code = "unknown_document_type"


class UnsupportedMediaType(WalletError):
    """The content type is outside the allow-list."""

    code = "unsupported_media_type"


class UnsupportedBodyType(WalletError):
    """A body sent with a media type other than the one the route reads (``expected``)."""

    code = "unsupported_body_type"


class ContentMismatch(WalletError):
    """The bytes do not look like the declared content type."""

    code = "content_mismatch"


class PayloadTooLarge(WalletError):
    """The upload is over the configured size limit."""

    code = "payload_too_large"


class IncompleteBody(WalletError):
    """The request body ended before its announced length."""

    code = "incomplete_body"


class EraseNotConfirmed(WalletError):
    """Erasure needs the ``Erase-Confirm`` header naming the account."""

    code = "erase_confirmation_required"


class ForbiddenRole(WalletError):
    """The caller is authenticated but its role does not allow this."""

    code = "forbidden_role"


class DocumentTypeNotAllowed(WalletError):
    """The issuer is not registered for that document type."""

    code = "document_type_not_allowed"


class CitizenNotFound(WalletError):
    """No wallet for that citizen ID number."""

    code = "citizen_not_found"


class CredentialRejected(WalletError):
    """An issued credential or document failed verification; ``reason`` says which check."""

    code = "credential_rejected"


class CredentialNotFound(WalletError):
    """No such credential (or not one this agency may change)."""

    code = "credential_not_found"


class IdempotencyMismatch(WalletError):
    """The ``Idempotency-Key`` was already used for a different request."""

    code = "idempotency_mismatch"


class OperatorCredentialRequired(WalletError):
    """An operator endpoint was called without the operator's credential."""

    code = "operator_credential_required"


class ContentMissing(WalletError):
    """A document's record exists but its stored content does not (data loss: operators are told)."""

    code = "content_missing"


class UploadTooSlow(WalletError):
    """The upload ran past ``WALLET_MAX_UPLOAD_SECONDS``; nothing was stored."""

    code = "upload_too_slow"
