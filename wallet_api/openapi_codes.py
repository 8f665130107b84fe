"""Which problem codes each operation gives beyond the general rules of ``wallet_api.openapi``.

Keyed by ``"METHOD /path"`` as the document writes it. The general rules already
add ``invalid_request`` (parameters or body), ``invalid_token`` and ``rate_limited``
(``/v1/me``, ``/v1/agency``), ``not_found`` (path parameters), ``payload_too_large`` and
``unsupported_media_type`` (JSON body) and ``storage_unavailable``. A route edit
that makes a new problem reachable adds its code here; the schemathesis run
(tests/e2e/test_openapi_fuzz.py) fails on any status the document does not list.
"""

from __future__ import annotations

UPLOAD_TYPES = ("application/pdf", "image/png", "image/jpeg", "application/json")

# Success answers whose media type litestar cannot see (streams, the Prometheus text format).
SUCCESS_MEDIA: dict[str, tuple[str, ...]] = {
    "GET /v1/me/documents/{document_id}/content": UPLOAD_TYPES,
    "GET /metrics": ("text/plain",),
    "GET /v1/agency/visits/{visit_id}/documents/{document_id}/content": UPLOAD_TYPES,
    "GET /v1/agency/visits/{visit_id}/receipt": ("application/pdf",),
}

# Request headers a handler reads itself: name → description.
HEADERS: dict[str, dict[str, str]] = {
    "DELETE /v1/me": {"Erase-Confirm": "The citizen's own `citizen_id`, to confirm the erasure (else 428)."},
    "POST /v1/agency/credentials": {"Idempotency-Key": "Repeat the request safely with the same key."},
    "POST /v1/agency/documents": {"Idempotency-Key": "Repeat the request safely with the same key."},
}

# Operations a delegate may call under a mandate (``Wallet-Mandate``); every other ``/v1/me``
# operation refuses that header (``mandate_not_allowed``), see ``wallet_api.mandates``.
MANDATE_ROUTES = frozenset(
    {
        "GET /v1/me/documents",
        "GET /v1/me/documents/{document_id}",
        "GET /v1/me/documents/{document_id}/content",
        "GET /v1/me/credentials",
        "GET /v1/me/credentials/{credential_id}",
        "GET /v1/me/consents",
        "GET /v1/me/consents/{consent_id}",
        "POST /v1/me/consents/{consent_id}/decision",
        "GET /v1/me/consents/{consent_id}/receipt",
    }
)
_MANDATE_HEADER = {
    "Wallet-Mandate": "Act for another citizen under this mandate (its id); it must cover the action."
}
HEADERS.update(dict.fromkeys(MANDATE_ROUTES, _MANDATE_HEADER))

# Operations that answer from memory: no storage, so never 503.
PUBLIC_NO_STORAGE = frozenset({"/health", "/metrics", "/.well-known/jwks.json"})

_CONSENT_USE = ("consent_pending", "consent_denied", "consent_revoked", "consent_closed", "consent_expired")
_INTEGRITY = ("integrity_error",)
_ISSUER = ("forbidden_role", "citizen_not_found")
# A step at the counter the citizen confirms with the PIN, in a live visit of the calling office.
_COUNTER_PIN = (
    "forbidden_role",
    "visit_not_found",
    "visit_ended",
    "pin_not_set",
    "wrong_pin",
    "pin_locked",
    "access_log_busy",
)

CODES: dict[str, tuple[str, ...]] = {
    "GET /v1/status-lists/{list_id}": ("agency_not_found",),
    "POST /v1/citizens": (
        "rate_limited",
        "invalid_cccd",
        "invalid_name",
        "invalid_date",
        "enrolment_requires_idp",
    ),
    "POST /v1/token": ("invalid_client", "rate_limited"),
    "DELETE /v1/me": ("erase_confirmation_required",),
    "GET /v1/me/export": _INTEGRITY,
    "GET /v1/me/documents": ("unknown_document_type",),
    "POST /v1/me/documents": (
        "unknown_document_type",
        "unsupported_media_type",
        "content_mismatch",
        "payload_too_large",
        "incomplete_body",
    ),
    "GET /v1/me/documents/{document_id}/content": _INTEGRITY,
    "GET /v1/me/credentials": ("unknown_document_type",),
    "GET /v1/me/credentials/{credential_id}": ("credential_not_found",),
    "POST /v1/agency/holder-keys": (
        *_ISSUER,
        "invalid_cccd",
        "unknown_document_type",
        "document_type_not_allowed",
    ),
    "POST /v1/agency/status-allocations": ("forbidden_role",),
    "POST /v1/agency/credentials": (
        *_ISSUER,
        "invalid_cccd",
        "document_type_not_allowed",
        "credential_rejected",
        "idempotency_mismatch",
    ),
    "POST /v1/agency/credentials/{credential_id}/status": ("forbidden_role", "credential_not_found"),
    "POST /v1/agency/documents": (
        *_ISSUER,
        "invalid_cccd",
        "unknown_document_type",
        "document_type_not_allowed",
        "content_mismatch",
        "credential_rejected",
        "idempotency_mismatch",
    ),
    "POST /v1/me/identity-qr": ("rate_limited",),
    "POST /v1/me/presentations": (),
    "GET /v1/presentations/{reference}": (),
    "POST /v1/verify/nonces": (),
    "GET /v1/schemas/export.json": (),
    "POST /v1/me/restrictions": ("restriction_empty", "restriction_unknown_agency", "unknown_procedure"),
    "GET /v1/me/restrictions": (),
    "DELETE /v1/me/restrictions/{restriction_id}": ("restriction_not_found",),
    "GET /v1/me/incidents": (),
    "POST /v1/me/consents/{consent_id}/deletion-requests": ("consent_not_found", "deletion_nothing_pulled"),
    "GET /v1/me/deletion-requests": (),
    "POST /v1/me/credentials/{credential_id}/corrections": (
        "credential_not_found",
        "correction_unknown_claim",
    ),
    "GET /v1/me/corrections": (),
    "GET /v1/agency/deletion-requests": (),
    "POST /v1/agency/deletion-requests/{request_id}/attestation": (
        "rights_request_not_found",
        "rights_request_closed",
        "attestation_rejected",
    ),
    "POST /v1/agency/deletion-requests/{request_id}/refusal": (
        "rights_request_not_found",
        "rights_request_closed",
    ),
    "GET /v1/agency/corrections": (),
    "POST /v1/agency/corrections/{request_id}/reissue": (
        "rights_request_not_found",
        "rights_request_closed",
        "reissue_rejected",
    ),
    "POST /v1/agency/corrections/{request_id}/refusal": ("rights_request_not_found", "rights_request_closed"),
    "POST /v1/verify": (),
    "POST /v1/agency/consents": (
        "requests_paused",
        "forbidden_role",
        "citizen_not_found",
        "invalid_cccd",
        "unknown_procedure",
        "unknown_claim",
        "unknown_document_type",
        "type_not_for_procedure",
    ),
    "GET /v1/agency/consents/{consent_id}": ("consent_not_found",),
    "POST /v1/agency/consents/{consent_id}/close": ("consent_not_found",),
    "GET /v1/agency/consents/{consent_id}/receipt": (
        "consent_not_found",
        "consent_pending",
        "consent_denied",
    ),
    "GET /v1/agency/consents/{consent_id}/credentials/{credential_id}": (
        "consent_not_found",
        "consent_item_not_found",
        *_CONSENT_USE,
        "consent_used_up",
        "access_log_busy",
    ),
    "GET /v1/agency/consents/{consent_id}/documents/{document_id}": (
        "consent_not_found",
        "consent_item_not_found",
        *_CONSENT_USE,
        "consent_used_up",
        "access_log_busy",
        *_INTEGRITY,
    ),
    "GET /v1/me/consents": (),
    "GET /v1/me/consents/{consent_id}": ("consent_not_found",),
    "POST /v1/me/consents/{consent_id}/decision": (
        "consent_not_found",
        "consent_already_decided",
        "invalid_decision",
        "approval_exceeds_request",
        "consent_expired",
    ),
    "POST /v1/me/consents/{consent_id}/revoke": ("consent_not_found", "consent_already_decided"),
    "GET /v1/me/consents/{consent_id}/receipt": ("consent_not_found", "consent_pending", "consent_denied"),
    "GET /v1/me/log": (),
    "GET /v1/me/log/head": ("access_log_corrupted",),
    "GET /v1/me/log/proofs/inclusion": (),
    "GET /v1/me/log/proofs/consistency": (),
    "GET /v1/me/stats": (),
    "POST /v1/devices/pairings": ("invalid_token", "rate_limited"),
    "GET /v1/devices/pairings/{pairing_id}": ("invalid_token", "pairing_not_found"),
    "POST /v1/me/devices/pairings": ("pairing_not_found", "pairing_expired", "pairing_closed"),
    "POST /v1/me/devices/pairings/{pairing_id}/approval": (
        "pairing_not_found",
        "pairing_expired",
        "pairing_closed",
        "invalid_pairing_approval",
        "device_already_added",
        "access_log_busy",
    ),
    "GET /v1/me/devices": (),
    "DELETE /v1/me/devices/{device_id}": ("device_not_found", "last_device", "access_log_busy"),
    "GET /v1/agency/reissue": _ISSUER,
    "POST /v1/agency/reissue/{credential_id}": (
        *_ISSUER,
        "reissue_not_found",
        "credential_rejected",
        "document_type_not_allowed",
        "access_log_busy",
    ),
    "POST /v1/recovery/nonces": ("rate_limited", "invalid_cccd"),
    "POST /v1/recovery": (
        "invalid_token",
        "rate_limited",
        "invalid_recovery_nonce",
        "invalid_recovery_proof",
        "wrong_recovery_code",
        "recovery_locked",
        "recovery_code_unavailable",
        "recovery_pending",
        "recovery_not_found",
        "device_already_added",
        "access_log_busy",
    ),
    "GET /v1/recovery/{recovery_id}": (
        "invalid_token",
        "recovery_not_found",
        "device_already_added",
        "access_log_busy",
    ),
    "POST /v1/me/recovery/{recovery_id}/cancellation": (
        "recovery_not_found",
        "recovery_closed",
        "access_log_busy",
    ),
    "POST /v1/me/mandates": ("invalid_cccd", "invalid_mandate", "delegate_not_found", "access_log_busy"),
    "GET /v1/me/mandates": (),
    "DELETE /v1/me/mandates/{mandate_id}": (
        "mandate_not_found",
        "mandate_ended",
        "mandate_by_agency",
        "access_log_busy",
    ),
    "POST /v1/me/mandates/{mandate_id}/attestation": (
        "mandate_not_found",
        "mandate_not_valid",
        "mandate_out_of_scope",
        "credential_not_found",
        "access_log_busy",
    ),
    "POST /v1/agency/mandates": ("forbidden_role", "invalid_guardian_request", "access_log_busy"),
    "GET /v1/me/card": (),
    "PUT /v1/me/assist-pin": ("invalid_pin",),
    "POST /v1/me/card/rotation": ("access_log_busy",),
    "POST /v1/agency/enrolments": (
        "forbidden_role",
        "rate_limited",
        "invalid_pin",
        "pins_differ",
        "invalid_cccd",
        "invalid_name",
        "invalid_date",
        "access_log_busy",
    ),
    "POST /v1/agency/visits": ("forbidden_role", "invalid_card", "card_replaced", "access_log_busy"),
    "POST /v1/agency/visits/{visit_id}/card": _COUNTER_PIN,
    "POST /v1/agency/visits/{visit_id}/consents": _COUNTER_PIN,
    "POST /v1/agency/visits/{visit_id}/consents/{consent_id}/decision": (
        *_COUNTER_PIN,
        "consent_not_found",
        "consent_already_decided",
        "approval_exceeds_request",
        "consent_expired",
    ),
    "POST /v1/agency/visits/{visit_id}/documents": (
        "forbidden_role",
        "visit_not_found",
        "visit_ended",
        "pin_not_set",
        "wrong_pin",
        "pin_locked",
        "access_log_busy",
    ),
    "GET /v1/agency/visits/{visit_id}/documents/{document_id}/content": (
        "forbidden_role",
        "visit_not_found",
        "visit_ended",
        "document_not_opened",
        "access_log_busy",
        *_INTEGRITY,
    ),
    "POST /v1/agency/visits/{visit_id}/end": ("forbidden_role", "visit_not_found", "visit_ended"),
    "GET /v1/agency/visits/{visit_id}/receipt": ("forbidden_role", "visit_not_found"),
    "POST /v1/visit-receipts/check": ("invalid_visit_receipt",),
    "DELETE /v1/agency/mandates/{mandate_id}": (
        "forbidden_role",
        "mandate_not_found",
        "mandate_ended",
        "access_log_busy",
    ),
}
