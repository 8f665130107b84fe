"""The requesting agency's SDK: ask for consent, follow it, pull exactly what was approved, close the case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import crypto
from wallet_api.clients.agency import AgencyClient


class ConsentingAgencyClient(AgencyClient):
    """An ``AgencyClient`` with the consent calls of a requesting agency."""

    def request_consent(
        self,
        cccd: str,
        *,
        purpose: str,
        procedure_code: str,
        case_number: str,
        items: Sequence[Mapping[str, Any]] | None = None,
        valid_for_seconds: int = 7 * 86400,
        max_uses: int = 1,
        retention_days: int = 30,
    ) -> dict[str, Any]:
        """Ask the citizen for consent; ``items`` None asks for what the procedure accepts."""
        body: dict[str, Any] = {
            "cccd": cccd,
            "purpose": purpose,
            "procedure_code": procedure_code,
            "case_number": case_number,
            "valid_for_seconds": valid_for_seconds,
            "max_uses": max_uses,
            "retention_days": retention_days,
        }
        if items is not None:
            body["items"] = [dict(item) for item in items]
        result: dict[str, Any] = self._call("POST", "/v1/agency/consents", json=body)
        return result

    def consent(self, consent_id: str) -> dict[str, Any]:
        """The request's state and what was approved."""
        result: dict[str, Any] = self._call("GET", f"/v1/agency/consents/{consent_id}")
        return result

    def receipt(self, consent_id: str) -> dict[str, Any]:
        """The consent receipt, signed by the service."""
        result: dict[str, Any] = self._call("GET", f"/v1/agency/consents/{consent_id}/receipt")
        return result

    def close_case(self, consent_id: str) -> dict[str, Any]:
        """Close the case: the consent ends."""
        result: dict[str, Any] = self._call("POST", f"/v1/agency/consents/{consent_id}/close")
        return result

    def pull_credential(self, consent_id: str, credential_id: str) -> dict[str, Any]:
        """An approved credential with only the approved disclosures (one use)."""
        path = f"/v1/agency/consents/{consent_id}/credentials/{credential_id}"
        result: dict[str, Any] = self._call("GET", path)
        return result

    def pull_document(self, consent_id: str, document_id: str) -> tuple[bytes, dict[str, str]]:
        """An approved document's bytes and the response headers (one use)."""
        if self.token is None:
            self.login()
        assert self.token is not None  # set by login, narrowing for mypy
        url = f"{self.base_url}/v1/agency/consents/{consent_id}/documents/{document_id}"
        proof = crypto.make_dpop_proof(self.key, "GET", url, now=self._now(), access_token=self.token)
        response = self.http.get(url, headers={"Authorization": f"DPoP {self.token}", "DPoP": proof})
        if response.status_code >= 400:
            self._checked(response)  # raises the problem as an ``AgencyApiError``
        return response.content, dict(response.headers)
