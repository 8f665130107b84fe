"""Access-log entries: who touched which of the citizen's data, how, why, under which consent, when.

An entry's leaf data is its canonical JSON, UTF-8: keys sorted, no spaces, no
escaping beyond JSON's own (for an object of strings, integers and ``null``,
this is RFC 8785 JCS). The phone receives exactly those bytes, hashes them for
the inclusion check, and shows what it parsed from them; ``parse_entry``
accepts only the canonical form, so two byte strings never show as one entry.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, fields
from typing import Any

from crypto._encoding import json_object
from crypto.transparency.errors import InvalidLogEntry

__all__ = ["ENTRY_VERSION", "AccessAction", "AccessEntry", "parse_entry"]

ENTRY_VERSION = 1
MAX_TEXT = 512  # characters in any one text field: leaves stay small and bounded


class AccessAction(enum.StrEnum):
    """What was done with the citizen's data."""

    READ = "read"
    ISSUE = "issue"
    REVOKE = "revoke"
    VERIFY = "verify"
    LOOKUP = "lookup"  # the citizen's device key, looked up by an issuer before it issues
    REQUEST_PAUSED = "request-paused"  # a consent request refused: the citizen paused such requests
    INCIDENT = "incident"  # the operator told the citizen of a breach affecting their data
    DEVICE_ADD = "device-add"  # a device joined the wallet (``agency_*``: the device that approved)
    DEVICE_REVOKE = "device-revoke"  # a device was revoked (``agency_*``: the device that did it)
    RECOVERY_START = "recovery-start"  # a recovery began (``agency_*``: the idp, or the recovery code)
    RECOVERY_CANCEL = "recovery-cancel"  # a device still held cancelled it (``agency_*``: that device)
    RECOVERY_COMPLETE = "recovery-complete"  # the new device replaced every other one
    RECOVERY_EXPIRE = "recovery-expire"  # the new device never came back: it can no longer complete
    CREDENTIAL_REISSUE = "credential-reissue"  # the issuer re-issued a credential to a key still held
    MANDATE_GRANT = "mandate-grant"  # a mandate was granted (``agency_*``: who granted it)
    MANDATE_END = "mandate-end"  # a mandate was revoked, renounced or ended (``agency_*``: by whom)
    DECIDE = "decide"  # a consent request was answered (by a delegate, under a mandate)
    PRESENT = "present"  # a delegate was given a mandate attestation to present a credential
    VISIT = "visit"  # at a one-stop office: a visit opened, a document opened for it (with the PIN)
    # The citizen's requests to an agency (``wallet_api.rights.requests``); ``agency_*``: the agency asked.
    DELETION_ASKED = "deletion-asked"  # the citizen asked it to delete what it pulled under a consent
    DELETION_AUTO_ASKED = "deletion-auto-asked"  # the wallet asked: the retention it promised passed
    DELETION_ATTESTED = "deletion-attested"  # it answered with a signed deletion attestation
    DELETION_REFUSED = "deletion-refused"  # it refused; ``purpose`` holds the legal basis it named
    CORRECTION_ASKED = "correction-asked"  # the citizen disputed a claim of a credential it issued
    CORRECTION_REISSUED = "correction-reissued"  # it re-issued the credential (the old one revoked)
    CORRECTION_REFUSED = "correction-refused"  # it refused; ``purpose`` holds its reason
    REQUEST_OVERDUE = "request-overdue"  # it did not answer by the deadline: escalated to the operator
    ENROL_ATTEMPT = "enrol-attempt"  # a device not of the wallet tried to enrol the citizen's CCCD
    # The wallet card of the assisted route (``wallet_api.assisted``); ``purpose``: what happened.
    CARD_ISSUE = "card-issue"  # a wallet card was issued or replaced (the old one refused from then on)
    CARD_REFUSED = "card-refused"  # an office tried to issue a card for the CCCD, the PIN did not match


_TEXT_FIELDS = ("agency_id", "agency_name", "resource_id", "resource_type", "purpose", "procedure_code")


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One access to a citizen's data by someone other than the citizen.

    ``agency_id`` / ``agency_name``: who (the name as the phone shows it);
    ``resource_id`` / ``resource_type``: which document or credential and its type;
    ``purpose`` in words and ``procedure_code``: why; ``consent_id``: the consent
    relied on (``None`` for an access by law or an issuance); ``at``: Unix seconds;
    ``case_number``: the agency's case file, when it named one (absent from older entries).
    """

    agency_id: str
    agency_name: str
    resource_id: str
    resource_type: str
    action: AccessAction
    purpose: str
    procedure_code: str
    consent_id: str | None
    at: int
    case_number: str | None = None  # the agency's case (hồ sơ) the access served, when it named one

    def __post_init__(self) -> None:
        for name in _TEXT_FIELDS:
            _require_text(name, getattr(self, name))
        for name in ("consent_id", "case_number"):
            if getattr(self, name) is not None:
                _require_text(name, getattr(self, name))
        if not isinstance(self.action, AccessAction):
            raise InvalidLogEntry("action is not an AccessAction")
        if type(self.at) is not int or self.at < 0:
            raise InvalidLogEntry("at is not a non-negative integer")

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object (with its format version ``v``)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in _NAMES}
        if self.case_number is None:  # entries written before it existed keep their exact bytes
            del data["case_number"]
        data["action"] = self.action.value
        data["v"] = ENTRY_VERSION
        return data

    def canonical(self) -> str:
        """The canonical JSON text whose UTF-8 bytes are the leaf data."""
        return _canonical(self.to_json())


def _require_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise InvalidLogEntry(f"{name} is not a string of 1 to {MAX_TEXT} characters")


# ``json.dumps`` with these options builds an encoder per call; one, made once, writes the same text.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _canonical(data: dict[str, Any]) -> str:
    return _ENCODER.encode(data)


MAX_ENTRY = 16 * 1024
_NAMES = tuple(field.name for field in fields(AccessEntry))
_FIELDS = frozenset(_NAMES) | {"v"}
_OPTIONAL = frozenset({"case_number"})


def parse_entry(data: str) -> AccessEntry:
    """The entry encoded by ``data``, which must be its canonical JSON; ``InvalidLogEntry`` otherwise."""
    if not isinstance(data, str) or len(data) > MAX_ENTRY:
        raise InvalidLogEntry("entry is too long")
    try:
        obj = json_object(data)  # strict: no duplicates, NaN or runaway nesting
    except ValueError:
        raise InvalidLogEntry("entry is not JSON") from None
    if (
        obj.keys() - _OPTIONAL != _FIELDS - _OPTIONAL
        or not obj.keys() <= _FIELDS
        or obj["v"] != ENTRY_VERSION
    ):
        raise InvalidLogEntry("entry has unexpected fields or version")
    try:
        action = AccessAction(obj.pop("action"))
    except ValueError:
        raise InvalidLogEntry("unknown action") from None
    del obj["v"]
    entry = AccessEntry(action=action, **obj)
    if entry.canonical() != data:
        raise InvalidLogEntry("entry is not in canonical form")
    return entry
