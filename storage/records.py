"""Domain records exchanged through the metadata ports (never table rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NO_DEVICE = ""  # the enrolment key of a wallet enrolled without a device


@dataclass(frozen=True, slots=True)
class CitizenRecord:
    """A citizen's account. Personal values are sealed under the citizen key. ``device_jwk`` and
    ``device_jkt`` are the enrolment key, ``NO_DEVICE`` for a wallet enrolled at a one-stop office
    (``wallet_api.assisted``): it has no device until one joins by recovery."""

    id: str
    blind_index: str
    wrapped_kek: bytes
    national_id_sealed: bytes
    full_name_sealed: bytes
    date_of_birth_sealed: bytes
    device_jwk: str
    device_jkt: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CitizenHolder:
    """A one-time id spent for a citizen counts only while this device key is one of theirs, unrevoked."""

    citizen_id: str
    device_jkt: str


@dataclass(frozen=True, slots=True)
class ProofSpend:
    """A citizen's checked DPoP proof to spend, and the document to read in the same round trip
    (``ReplayGuard.remember_then_read``): ``owner``'s document ``document_id`` (a UUID)."""

    scope: str
    jti: str
    expires_at: dt.datetime
    holder: CitizenHolder
    document_id: str
    owner: str


@dataclass(frozen=True, slots=True)
class AgencyHolder:
    """A one-time id spent for an agency counts only while it is registered and active at ``at``."""

    agency_id: str
    at: dt.datetime


Holder = CitizenHolder | AgencyHolder


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """One version of a stored document; the blob at ``blob_key`` is sealed by the data key."""

    id: str
    citizen_id: str
    version: int
    doc_type: str
    provenance: str
    content_type: str
    size: int
    wrapped_dek: bytes
    blob_key: str
    filename_sealed: bytes
    created_at: dt.datetime
    issuance: str | None = None  # JSON for issued documents: issuer, number, signature evidence


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A service signing key, its private part wrapped by the master key."""

    kid: str
    wrapped_private: bytes
    created_at: dt.datetime
    retired_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ErasureRecord:
    """An erasure waiting to become final: an opaque id, what was erased, when, under which
    newest master-key version (final once that version and every older one are destroyed)."""

    id: str
    kind: str
    erased_at: dt.datetime
    master_version: int


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """One stored value wrapped under the master key, as the epoch job reads it: its table's
    key, the row's owner (citizen id, for documents), the document version, and the bytes."""

    key: str
    owner: str
    version: int
    wrapped: bytes


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What a blob listing reports."""

    key: str
    size: int
    modified: dt.datetime


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """A registered agency: its keys, roles, validity and, after a merger, its successor."""

    id: str
    display_name: str
    roles: str
    doc_types: str
    jwks: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    successor_id: str | None
    dissolved_at: dt.datetime | None
    created_at: dt.datetime

    @property
    def role_set(self) -> frozenset[str]:
        """The roles as a set."""
        return frozenset(self.roles.split())

    @property
    def type_set(self) -> frozenset[str]:
        """The document types an issuer may issue."""
        return frozenset(self.doc_types.split())


@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """An SD-JWT VC held for a citizen, sealed under its own data key."""

    id: str
    citizen_id: str
    agency_id: str
    doc_type: str
    vct: str
    sealed: bytes
    wrapped_dek: bytes
    status_list_id: str
    status_idx: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    created_at: dt.datetime
    jwt_sha256: bytes | None = None  # SHA-256 of the issuer-signed JWT (None: stored before 0005)


@dataclass(frozen=True, slots=True)
class StatusListRecord:
    """An agency's status list: 2 bits per entry, ``size`` entries (allocated at random, the rest decoys)."""

    id: str
    agency_id: str
    size: int
    bits: bytes
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TrustRootRecord:
    """A root certificate accepted for signed PDFs."""

    fingerprint: str
    label: str
    pem: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """A consent request and, once the citizen decided, its decision (``items``/``approved`` are JSON)."""

    id: str
    citizen_id: str
    agency_id: str
    procedure_code: str
    case_number: str
    purpose: str
    items: str
    status: str  # pending, approved, denied, revoked, closed
    max_uses: int
    uses: int
    retention_days: int
    created_at: dt.datetime
    valid_until: dt.datetime
    approved: str | None = None
    decision: str | None = None  # the device-signed decision (compact JWS)
    device_jkt: str | None = None
    decided_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsentPullRecord:
    """One use of a consent: which item an agency received, and when."""

    consent_id: str
    use_no: int
    citizen_id: str
    agency_id: str
    procedure_code: str
    resource_kind: str
    resource_type: str
    resource_id: str
    served_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReuseStat:
    """Items served from the wallet for one procedure and agency, instead of being resubmitted."""

    procedure_code: str
    agency_id: str
    consents: int
    items: int  # distinct items served (per consent)
    pulls: int


@dataclass(frozen=True, slots=True)
class PageWindow:
    """Which page of a list: at most ``limit`` rows, newest first, strictly after ``after``
    (the last row's ``(created_at, id)`` of the page before), created in ``[since, until)``."""

    limit: int
    after: tuple[dt.datetime, str] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RestrictionRecord:
    """A citizen's pause on new consent requests: from one agency, for one procedure, or the
    two together (``None``: any). Past consents and receipts are untouched; lifted when ``lifted_at``."""

    id: str
    citizen_id: str
    agency_id: str | None
    procedure_code: str | None
    created_at: dt.datetime
    lifted_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """A personal-data breach the operator recorded, told to every affected citizen."""

    id: str
    title_vi: str
    title_en: str
    detail_vi: str
    detail_en: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A device key of a citizen: it logs in while ``revoked_at`` is ``None``."""

    id: str
    citizen_id: str
    jwk: str  # the public JWK, canonical JSON
    jkt: str  # its RFC 7638 thumbprint
    name: str
    added_at: dt.datetime
    last_used_at: dt.datetime | None
    how_added: str  # enrolment, pairing
    revoked_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PairingRecord:
    """A new device asking to join a wallet; ``status``: pending, shown, approved, cancelled."""

    id: str
    code_sha256: bytes
    nonce: str
    jwk: str
    jkt: str
    name: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    citizen_id: str | None = None  # set once a device of that citizen was shown the pairing
    approver_jkt: str | None = None
    approval: str | None = None  # the approving device's JWS
    device_id: str | None = None  # the device the approval added


@dataclass(frozen=True, slots=True)
class RecoveryRecord:
    """A wallet recovery: ``status`` pending (until ``completes_at``), cancelled or completed."""

    id: str
    citizen_id: str
    jwk: str  # the new device's public JWK, canonical JSON
    jkt: str
    name: str
    method: str  # idp, code
    agency_id: str | None  # the idp agency that vouched (None: a recovery code)
    assurance: str | None
    status: str
    started_at: dt.datetime
    completes_at: dt.datetime
    ended_at: dt.datetime | None = None
    ended_by: str | None = None  # the device that cancelled it
    device_id: str | None = None  # the device the completion added
    open_citizen: str | None = None  # the citizen's id while pending (one pending per citizen)


@dataclass(frozen=True, slots=True)
class RecoveryCodeRecord:
    """A citizen's dev-mode recovery code, as a slow hash, and the wrong tries against it."""

    citizen_id: str
    code_hash: bytes
    failures: int
    locked_until: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MandateRecord:
    """One citizen (``delegate_id``) may act for another (``represented_id``) within ``scope``
    (canonical JSON: ``documents``, ``procedures``, ``credentials``) from ``valid_from`` until
    ``valid_until``, unless ``ended_at``. ``kind``: ``citizen`` or ``guardian`` (set by an agency)."""

    id: str
    represented_id: str
    delegate_id: str
    kind: str
    basis: str | None  # guardian mandates: ``minor`` or ``guardianship``
    scope: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    granted_by: str  # the represented citizen's id, or the establishing agency's id
    created_at: dt.datetime
    ended_at: dt.datetime | None = None
    ended_by: str | None = None  # who ended it: a citizen id or an agency id


@dataclass(frozen=True, slots=True)
class AssistCardRecord:
    """A citizen's printed wallet card (an opaque id) and the PIN they confirm office actions with."""

    citizen_id: str
    card_id: str
    pin_hash: bytes | None
    pin_salt: bytes | None
    failures: int
    locked_until: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ReissueRecord:
    """A credential bound to a key the citizen no longer holds, queued for its issuer."""

    credential_id: str
    citizen_id: str
    agency_id: str
    old_jkt: str
    queued_at: dt.datetime
    done_at: dt.datetime | None = None
    new_credential_id: str | None = None


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """A visit at a one-stop office; ``documents``: JSON list of the ids opened for it."""

    id: str
    citizen_id: str
    agency_id: str
    officer_id: str
    opened_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    documents: str
    consents: str | None = None  # JSON list of the consent ids answered in the visit with the PIN


@dataclass(frozen=True, slots=True)
class RightsRequestRecord:
    """A citizen's request to an agency: delete what it pulled under a consent, or correct a claim
    of a credential it issued (``storage.rights_tables`` says what each column holds)."""

    id: str
    kind: str  # deletion, correction
    citizen_id: str
    agency_id: str
    consent_id: str | None
    credential_id: str | None
    claim: str | None
    proposed: str | None
    note: str | None
    origin: str  # citizen, retention (asked by the wallet when the promised retention passed)
    status: str  # open, answered, refused
    created_at: dt.datetime
    due_at: dt.datetime
    answered_at: dt.datetime | None = None
    answer: str | None = None
    refusal: str | None = None
    escalated_at: dt.datetime | None = None
