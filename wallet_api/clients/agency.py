"""The agency SDK: an issuing agency's system, holding its own private key, talking to the wallet.

The key never leaves this process: credentials are signed here (SD-JWT VC), and
every request carries an RFC 7523 assertion (at login) or a DPoP proof.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

import crypto
from consent import type_for_vct

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class AgencyApiError(Exception):
    """The wallet answered with a problem (``status``, ``code``, ``title``, ``detail``)."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        self.status = status
        self.code = str(body.get("code", "error"))
        self.title = str(body.get("title", ""))
        self.detail = str(body.get("detail", ""))
        super().__init__(f"{status} {self.code}: {self.title} {self.detail}".strip())


class AgencyClient:
    """Log in with a client assertion + DPoP, then issue and manage credentials."""

    def __init__(
        self,
        base_url: str,
        agency_id: str,
        key: crypto.EcPrivateKey,
        *,
        kid: str | None = None,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        accept_language: str = "vi",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.agency_id = agency_id
        self.key = key
        self.kid = kid or crypto.jwk_thumbprint(crypto.public_jwk(key))
        self.clock = clock
        self.token: str | None = None
        self.http = httpx.Client(
            transport=transport, timeout=60, headers={"Accept-Language": accept_language}
        )

    def _now(self) -> int:
        return int(self.clock())

    def login(self) -> None:
        """Get a DPoP-bound access token."""
        url = self.base_url + "/v1/token"
        assertion = crypto.make_client_assertion(self.key, self.agency_id, url, now=self._now(), kid=self.kid)
        form = {
            "grant_type": "client_credentials",
            "client_id": self.agency_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        proof = crypto.make_dpop_proof(self.key, "POST", url, now=self._now())
        self.token = self._checked(self.http.post(url, data=form, headers={"DPoP": proof}))["access_token"]

    def _call(
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        if self.token is None:
            self.login()
        assert self.token is not None  # set by login, narrowing for mypy
        url = self.base_url + path
        proof = crypto.make_dpop_proof(self.key, method, url, now=self._now(), access_token=self.token)
        all_headers = {"Authorization": f"DPoP {self.token}", "DPoP": proof, **(headers or {})}
        return self._checked(self.http.request(method, url, json=json, headers=all_headers))

    @staticmethod
    def _checked(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"code": "error", "title": response.text[:200]}
            raise AgencyApiError(response.status_code, body)
        return response.json() if response.content else None

    def holder_key(self, cccd: str, doc_type: str, *, case_number: str | None = None) -> dict[str, Any]:
        """The citizen's device public key (for ``cnf``), to issue them a ``doc_type`` (the citizen's
        log shows the lookup, the type and the case)."""
        body = {"cccd": cccd, "type": doc_type, "case_number": case_number}
        result: dict[str, Any] = self._call("POST", "/v1/agency/holder-keys", json=body)["jwk"]
        return result

    def allocate_status(self) -> dict[str, Any]:
        """A fresh ``status_list`` reference in this agency's list."""
        result: dict[str, Any] = self._call("POST", "/v1/agency/status-allocations")["status_list"]
        return result

    def sign_credential(
        self,
        cccd: str,
        vct: str,
        claims: Mapping[str, Any],
        *,
        lifetime: int = 5 * 365 * 86400,
        always_visible: tuple[str, ...] | None = None,
    ) -> str:
        """Build and sign an SD-JWT VC for the citizen, locally (the key stays here).

        Claims the catalog marks as not separately disclosable stay always visible unless told otherwise.
        """
        entry = type_for_vct(vct)
        holder_jwk = self.holder_key(cccd, entry.id if entry else vct)
        return self.sign_for(holder_jwk, vct, claims, lifetime=lifetime, always_visible=always_visible)

    def sign_for(
        self,
        holder_jwk: Mapping[str, Any],
        vct: str,
        claims: Mapping[str, Any],
        *,
        lifetime: int = 5 * 365 * 86400,
        always_visible: tuple[str, ...] | None = None,
    ) -> str:
        """Sign an SD-JWT VC bound to ``holder_jwk`` with a fresh status entry, locally."""
        entry = type_for_vct(vct)
        if always_visible is None:
            always_visible = entry.always_visible() if entry else ()
        issued = crypto.issue_sd_jwt_vc(
            self.key,
            kid=self.kid,
            iss=self.agency_id,
            vct=vct,
            claims=claims,
            holder_jwk=dict(holder_jwk),
            now=self._now(),
            lifetime=lifetime,
            status={"status_list": self.allocate_status()},
            always_visible=always_visible,
        )
        return str(issued.sd_jwt)

    def reissue_queue(self) -> list[dict[str, Any]]:
        """Credentials this agency must re-issue: the citizen no longer holds the key they name."""
        items: list[dict[str, Any]] = self._call("GET", "/v1/agency/reissue")["items"]
        return items

    def reissue(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """Re-issue one queue item: the same type and claims for the key the citizen holds now, a new
        status entry, until the old credential's expiry; the wallet revokes the old one."""
        expires = dt.datetime.fromisoformat(str(item["expires_at"]).replace("Z", "+00:00"))
        lifetime = max(60, int(expires.timestamp()) - self._now())
        sd_jwt = self.sign_for(item["holder_jwk"], item["vct"], item["claims"], lifetime=lifetime)
        path = f"/v1/agency/reissue/{item['credential_id']}"
        result: dict[str, Any] = self._call("POST", path, json={"credential": sd_jwt})
        return result

    def issue_credential(
        self, cccd: str, sd_jwt: str, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Push a signed credential into the citizen's wallet."""
        key = idempotency_key or str(uuid.uuid4())
        result: dict[str, Any] = self._call(
            "POST",
            "/v1/agency/credentials",
            json={"cccd": cccd, "credential": sd_jwt},
            headers={"Idempotency-Key": key},
        )
        return result

    def set_status(self, credential_id: str, status: str) -> None:
        """``revoked``, ``suspended`` or ``valid``."""
        self._call("POST", f"/v1/agency/credentials/{credential_id}/status", json={"status": status})
