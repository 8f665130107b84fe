"""The one-stop office's calls (the assisted route): open a visit from a scanned card, let the
citizen open documents with their PIN, read them, print the receipt, end the visit."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

import crypto
from wallet_api.clients.agency import AgencyApiError, AgencyClient


class AssistClient(AgencyClient):
    """An ``AgencyClient`` for an agency with the ``assistant`` role."""

    def open_visit(self, card: str, officer_id: str) -> dict[str, Any]:
        """Open a visit for the citizen whose card was scanned (``card``: the QR's text)."""
        result: dict[str, Any] = self._call(
            "POST", "/v1/agency/visits", json={"card": card, "officer_id": officer_id}
        )
        return result

    def open_documents(self, visit_id: str, pin: str, document_ids: list[str]) -> dict[str, Any]:
        """The citizen's PIN, typed on this device, opens these documents for the visit."""
        body = {"pin": pin, "document_ids": document_ids}
        result: dict[str, Any] = self._call("POST", f"{_visit(visit_id)}/documents", json=body)
        return result

    def enrol(self, identity: dict[str, str], pin: str, pin_again: str, officer_id: str) -> dict[str, Any]:
        """Enrol a citizen with no smartphone (``identity``: cccd, full_name, date_of_birth)."""
        body = {**identity, "pin": pin, "pin_again": pin_again, "officer_id": officer_id}
        result: dict[str, Any] = self._call("POST", "/v1/agency/enrolments", json=body)
        return result

    def pending_consents(self, visit_id: str, pin: str) -> list[dict[str, Any]]:
        """The citizen's pending consent requests (the PIN typed on this device)."""
        result: list[dict[str, Any]] = self._call("POST", f"{_visit(visit_id)}/consents", json={"pin": pin})
        return result

    def answer(
        self, visit_id: str, consent_id: str, pin: str, decision: str, items: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The citizen's answer to a consent request, confirmed with the PIN; the receipt."""
        body = {"pin": pin, "decision": decision, "items": items}
        path = f"{_visit(visit_id)}/consents/{quote(consent_id, safe='')}/decision"
        result: dict[str, Any] = self._call("POST", path, json=body)
        return result

    def new_card(self, visit_id: str, pin: str) -> dict[str, Any]:
        """A lost card replaced in the visit, with the PIN."""
        result: dict[str, Any] = self._call("POST", f"{_visit(visit_id)}/card", json={"pin": pin})
        return result

    def end_visit(self, visit_id: str) -> dict[str, Any]:
        """Close the visit."""
        result: dict[str, Any] = self._call("POST", f"{_visit(visit_id)}/end")
        return result

    def read_document(self, visit_id: str, document_id: str) -> bytes:
        """The bytes of a document the citizen opened for the visit."""
        return self._bytes(f"{_visit(visit_id)}/documents/{quote(document_id, safe='')}/content")

    def receipt(self, visit_id: str) -> bytes:
        """The printable PDF receipt."""
        return self._bytes(f"{_visit(visit_id)}/receipt")

    def _bytes(self, path: str) -> bytes:
        if self.token is None:
            self.login()
        url = self.base_url + path
        proof = crypto.make_dpop_proof(self.key, "GET", url, now=self._now(), access_token=self.token)
        response = self.http.get(url, headers={"Authorization": f"DPoP {self.token}", "DPoP": proof})
        if response.status_code >= 400:
            raise AgencyApiError(response.status_code, _body(response))
        return response.content


def _visit(visit_id: str) -> str:
    return "/v1/agency/visits/" + quote(visit_id, safe="")


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        return {"code": "error", "title": response.text[:200]}
    return body
