"""The agency's side of the citizen's rights: answer deletion requests (signed attestation or a
refusal naming the legal basis) and correction requests (re-issue or refuse)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import crypto
from wallet_api.clients.agency_consents import ConsentingAgencyClient

ATTESTATION_TYP = "deletion-attestation+jwt"


class RightsAgencyClient(ConsentingAgencyClient):
    """A ``ConsentingAgencyClient`` that also answers the citizens' deletion and correction requests."""

    def deletion_requests(self) -> list[dict[str, Any]]:
        """The open deletion requests addressed to this agency, soonest due first."""
        items: list[dict[str, Any]] = self._call("GET", "/v1/agency/deletion-requests")["items"]
        return items

    def sign_attestation(
        self, request: dict[str, Any], *, what: str, copies: Sequence[str], deleted_at: int | None = None
    ) -> str:
        """A deletion attestation for ``request``: what was deleted, when, which copies, signed by us."""
        now = self._now()
        claims = {
            "iss": self.agency_id,
            "request_id": request["id"],
            "consent_id": request["consent_id"],
            "what": what,
            "deleted_at": now if deleted_at is None else deleted_at,
            "copies": list(copies),
            "iat": now,
        }
        return crypto.sign_jws(self.key, claims, typ=ATTESTATION_TYP, kid=self.kid)

    def attest_deletion(self, request_id: str, attestation: str) -> dict[str, Any]:
        """Answer a deletion request with a signed attestation."""
        path = f"/v1/agency/deletion-requests/{request_id}/attestation"
        result: dict[str, Any] = self._call("POST", path, json={"attestation": attestation})
        return result

    def refuse_deletion(self, request_id: str, legal_basis: str) -> dict[str, Any]:
        """Refuse a deletion request, naming the legal basis for keeping the data."""
        path = f"/v1/agency/deletion-requests/{request_id}/refusal"
        result: dict[str, Any] = self._call("POST", path, json={"reason": legal_basis})
        return result

    def corrections(self) -> list[dict[str, Any]]:
        """The open correction requests about credentials this agency issued."""
        items: list[dict[str, Any]] = self._call("GET", "/v1/agency/corrections")["items"]
        return items

    def reissue_correction(self, request_id: str, credential_id: str) -> dict[str, Any]:
        """Answer a correction with the corrected credential (already issued); the old one is revoked."""
        path = f"/v1/agency/corrections/{request_id}/reissue"
        result: dict[str, Any] = self._call("POST", path, json={"credential_id": credential_id})
        return result

    def refuse_correction(self, request_id: str, reason: str) -> dict[str, Any]:
        """Refuse a correction, with a reason the citizen reads."""
        path = f"/v1/agency/corrections/{request_id}/refusal"
        result: dict[str, Any] = self._call("POST", path, json={"reason": reason})
        return result
