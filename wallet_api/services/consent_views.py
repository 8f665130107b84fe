"""What either side sees of a consent: its state now, its items, and the consent receipt.

The receipt follows the fields of ISO/IEC TS 27560 (consent record information
structure) and the Kantara consent receipt: who consented (the citizen and the
device key that signed), to whom (the agency), what (the approved items), why
(purpose, procedure, case), when, until when, how many uses, how long the
agency keeps the data, and how to withdraw. The service signs it; the
citizen's own signed decision travels with it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import crypto
import storage
from consent.policy import ApprovedItem, RequestedItem, refusal
from consent.procedures import procedures

RECEIPT_TYP = "consent-receipt+jwt"
RECEIPT_VERSION = "ISO/IEC TS 27560:2023 (subset); Kantara Consent Receipt 1.1 fields"
ACTIVE = ("pending", "approved")


@dataclass(frozen=True, slots=True)
class ConsentView:
    """A consent as stored, parsed, with its state at the time it was read."""

    record: storage.ConsentRecord
    agency_name: str
    requested: tuple[RequestedItem, ...]
    approved: tuple[ApprovedItem, ...]
    state: str  # pending, approved, denied, revoked, closed, expired, used_up


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the citizen's own credentials or documents that could satisfy a requested item."""

    kind: str
    id: str
    type: str
    provenance: str  # issued (by an agency) or uploaded (the citizen's own scan)
    label: str  # the issuer's name or the file name
    created_at: dt.datetime
    status: str = "valid"  # a credential may be revoked, suspended or expired: never chosen by default


def parse_requested(record: storage.ConsentRecord) -> tuple[RequestedItem, ...]:
    """The requested items stored with the consent."""
    return tuple(
        RequestedItem(raw["type"], None if raw["claims"] is None else tuple(raw["claims"]))
        for raw in json.loads(record.items)
    )


def parse_approved(record: storage.ConsentRecord) -> tuple[ApprovedItem, ...]:
    """The approved items (none before an approval)."""
    if record.approved is None:
        return ()
    return tuple(
        ApprovedItem(
            raw["item"],
            raw["kind"],
            raw["id"],
            raw["type"],
            None if raw["claims"] is None else tuple(raw["claims"]),
        )
        for raw in json.loads(record.approved)
    )


def refusal_now(record: storage.ConsentRecord, now: int) -> str | None:
    """Why ``record`` may not be used at ``now`` (``None``: it may)."""
    return refusal(record.status, record.uses, record.max_uses, int(record.valid_until.timestamp()), now)


def state_of(record: storage.ConsentRecord, now: int) -> str:
    """The consent's state at ``now``: its stored status, or ``expired`` / ``used_up``."""
    if record.status == "pending" and now >= int(record.valid_until.timestamp()):
        return "expired"
    return refusal_now(record, now) or "approved"


def view_of(record: storage.ConsentRecord, agency_name: str, now: int) -> ConsentView:
    """The view of ``record`` at ``now``."""
    return ConsentView(
        record, agency_name, parse_requested(record), parse_approved(record), state_of(record, now)
    )


def _iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.UTC).isoformat()


def _procedure(code: str) -> dict[str, str]:
    entry = procedures().get(code)
    names = {"name_vi": entry.name_vi, "name_en": entry.name_en} if entry else {}
    return {"code": code, **names}


def receipt(view: ConsentView, base_url: str) -> dict[str, Any]:
    """The consent receipt of a decided consent (the fields of ISO/IEC TS 27560)."""
    record = view.record
    withdraw = f"{base_url}/v1/me/consents/{record.id}/revoke"
    body: dict[str, Any] = {
        "receipt_id": record.id,
        "version": RECEIPT_VERSION,
        "jurisdiction": "VN",
        "legal_basis": "consent (Nghị định 13/2023/NĐ-CP, Điều 11)",
        "state": view.state,
        "pii_principal": {"citizen_id": record.citizen_id, "device_key_thumbprint": record.device_jkt},
        "pii_controller": {"agency_id": record.agency_id, "name": view.agency_name},
        "purpose": {
            "description": record.purpose,
            "procedure": _procedure(record.procedure_code),
            "case_number": record.case_number,
        },
        "requested": [item.to_json() for item in view.requested],
        "approved": [item.to_json() for item in view.approved],
        "requested_at": _iso(record.created_at),
        "consent_given_at": _iso(record.decided_at),
        "valid_until": _iso(record.valid_until),
        "max_uses": record.max_uses,
        "uses": record.uses,
        "retention_days": record.retention_days,
        "ended_at": _iso(record.ended_at),
        "withdrawal": {
            "method": f"POST {withdraw}",
            "text_vi": "Rút lại sự đồng ý bất cứ lúc nào trong ứng dụng (wallet-mobile consents revoke).",
            "text_en": "Withdraw at any time in the app (wallet-mobile consents revoke).",
        },
        "decision_jws": record.decision,
    }
    assisted = _assisted(record)
    if assisted is not None:  # confirmed with the PIN at a one-stop office, signed by the service
        body["decided_by"] = assisted
    delegate = _delegate(record)
    if delegate is not None:  # decided under a mandate: the receipt names both citizens
        body["delegate"] = delegate
        body["pii_principal"] = {"citizen_id": record.citizen_id, "device_key_thumbprint": None}
    return body


def _decision_payload(record: storage.ConsentRecord) -> dict[str, Any]:
    """The stored decision's payload (verified when it was stored; read back, not checked again)."""
    if not record.decision:
        return {}
    try:
        payload = json.loads(crypto.b64url_decode(record.decision.split(".")[1]))
    except (ValueError, IndexError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _assisted(record: storage.ConsentRecord) -> dict[str, Any] | None:
    """How a decision made at a one-stop office was made: ``method: assisted``, the office, the
    officer and the visit (the wallet service signed it for the citizen, who typed their PIN)."""
    payload = _decision_payload(record)
    if payload.get("method") != "assisted" or not isinstance(payload.get("assisted"), dict):
        return None
    return {"method": "assisted", "signed_by": "wallet service (PIN)", **payload["assisted"]}


def _delegate(record: storage.ConsentRecord) -> dict[str, Any] | None:
    """Who decided for the citizen under a mandate (the decision's ``act``), else ``None``. The
    decision was verified when it was stored; its payload is read back, not checked again."""
    if not record.decision:
        return None
    try:
        payload = json.loads(crypto.b64url_decode(record.decision.split(".")[1]))
    except (ValueError, IndexError):
        return None
    act = payload.get("act") if isinstance(payload, dict) else None
    if not isinstance(act, dict):
        return None
    return {
        "citizen_id": act.get("sub"),
        "mandate_id": act.get("mandate_id"),
        "device_key_thumbprint": record.device_jkt,
    }
