"""The phone's consent calls: list requests, sign decisions with the device key, revoke, read the log.

The decision is a compact JWS (``typ: consent-decision+jwt``) signed on the
device: ``consent_id``, ``decision``, the approved ``items``, ``iat`` and a
fresh ``jti``. The key never leaves the phone; the server checks the signature
against the device key it enrolled.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from crypto import sign_jws
from mobile_stub._transfer import JsonObject, json_object
from mobile_stub.client import WalletClient

DECISION_TYP = "consent-decision+jwt"


def _path(consent_id: str, tail: str = "") -> str:
    return "/v1/me/consents/" + quote(consent_id, safe="") + tail


class NotShareable(ValueError):
    """The citizen chose something that is revoked, suspended or expired, or not one of the item's."""

    def __init__(self, item: int, reason: str) -> None:
        super().__init__(f"item {item}: {reason}")
        self.item, self.reason = item, reason


def default_items(
    consent: Mapping[str, Any],
    only: Sequence[int] | None = None,
    claims: Mapping[int, Sequence[str]] | None = None,
    use: Mapping[int, str] | None = None,
    allow_invalid: bool = False,
) -> list[dict[str, Any]]:
    """What to approve: for each requested item, the citizen's choice (``use``: item -> id), else
    the first *valid* matching credential (else document) they hold; never a revoked, suspended or
    expired one unless ``allow_invalid`` (``NotShareable`` if one was chosen without it).

    ``only`` keeps some requested items (by index); ``claims`` narrows a credential item's claims.
    """
    chosen = []
    for item in consent.get("items", []):
        index = int(item["index"])
        if only is not None and index not in only:
            continue
        pick = _pick(item, index, (use or {}).get(index), allow_invalid)
        if pick is None:
            continue
        entry: dict[str, Any] = {"item": index, "kind": pick["kind"], "id": pick["id"]}
        if pick["kind"] == "credential" and claims and index in claims:
            entry["claims"] = list(claims[index])
        chosen.append(entry)
    return chosen


def _pick(
    item: Mapping[str, Any], index: int, wanted: str | None, allow_invalid: bool
) -> dict[str, Any] | None:
    candidates = sorted(item.get("candidates") or [], key=lambda c: c["kind"] != "credential")
    if item.get("claims") is not None:  # only claims were asked: a whole document would be too much
        candidates = [c for c in candidates if c["kind"] == "credential"]
    if wanted is not None:
        named = [c for c in candidates if c["id"] == wanted]
        if not named:
            raise NotShareable(index, "not_a_candidate")
        if named[0].get("status", "valid") != "valid" and not allow_invalid:
            raise NotShareable(index, str(named[0]["status"]))
        return dict(named[0])
    valid = [c for c in candidates if c.get("status", "valid") == "valid"]
    return dict(valid[0]) if valid else None


class ConsentClient(WalletClient):
    """A ``WalletClient`` with the citizen's consent, access-log and reuse calls."""

    def __enter__(self) -> ConsentClient:
        return self

    def consents(self, state: str | None = None, *, limit: int | None = None) -> list[JsonObject]:
        """The citizen's consents (``state="pending"``: awaiting a decision), every page."""
        return list(self.pages("/v1/me/consents", {"state": state} if state else {}, limit))

    def consent(self, consent_id: str) -> JsonObject:
        """One consent with what would be shared and the matching documents."""
        return json_object(self._authed("GET", _path(consent_id)))

    def decision_token(self, consent_id: str, decision: str, items: Sequence[Mapping[str, Any]] = ()) -> str:
        """The decision signed by the device key."""
        claims = {
            "consent_id": consent_id,
            "decision": decision,
            "items": [dict(item) for item in items],
            "iat": self._now(),
            "jti": str(uuid.uuid4()),
        }
        self._mandate_header()  # under ``act_for``: resolve the mandate the decision names
        if self.mandate is not None:  # a delegate's decision names them and the mandate (RFC 8693 act)
            claims["act"] = {"sub": self._citizen_id(), "mandate_id": self.mandate}
        return sign_jws(self.device.private_key(), claims, typ=DECISION_TYP)

    def decide(self, consent_id: str, decision: str, items: Sequence[Mapping[str, Any]] = ()) -> JsonObject:
        """Send a signed ``approve`` (with ``items``) or ``deny``; the answer is the receipt."""
        body = {"decision": self.decision_token(consent_id, decision, items)}
        return json_object(self._authed_json("POST", _path(consent_id, "/decision"), body))

    def revoke(self, consent_id: str) -> JsonObject:
        """Withdraw consent; the answer is the updated receipt."""
        return json_object(self._authed("POST", _path(consent_id, "/revoke")))

    def receipt(self, consent_id: str) -> JsonObject:
        """The consent receipt."""
        return json_object(self._authed("GET", _path(consent_id, "/receipt")))

    def log_page(self, start: int, limit: int) -> JsonObject:
        """A page of the access log with its signed head and inclusion proofs."""
        params = {"start": str(start), "limit": str(limit)}
        return json_object(self._authed("GET", "/v1/me/log", params=params))

    def consistency(self, first: int, second: int) -> JsonObject:
        """The consistency proof between two tree sizes."""
        params = {"first": str(first), "second": str(second)}
        return json_object(self._authed("GET", "/v1/me/log/proofs/consistency", params=params))

    def stats(self) -> list[JsonObject]:
        """How often agencies reused the citizen's data, per procedure and agency."""
        items = json_object(self._authed("GET", "/v1/me/stats")).get("items")
        return items if isinstance(items, list) else []
