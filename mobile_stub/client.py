"""``WalletClient``: the citizen's phone speaking HTTP API v1 (docs/internals.md).

Authentication is RFC 7523 ``private_key_jwt`` at ``POST /v1/token`` with a
DPoP proof (RFC 9449); every later call carries ``Authorization: DPoP <token>``
and a fresh proof bound to its method, URL and token. The device key signs;
only its public JWK ever leaves the phone, once, at enrolment.
"""

from __future__ import annotations

import io
import json
import os
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import quote

import httpx

from crypto import CryptoError, jwk_thumbprint, make_client_assertion, make_dpop_proof, parse_sd_jwt, present
from mobile_stub._transfer import (
    JsonObject,
    Progress,
    UploadBody,
    guess_content_type,
    json_object,
    problem_from,
    save_response,
    send,
)
from mobile_stub.device import Device, DeviceState
from mobile_stub.errors import (
    AlreadyEnrolled,
    EnrolledElsewhere,
    EnrolmentNotConfirmed,
    NoMandate,
    NotEnrolled,
    NotThisDevicesKey,
    TransferIntegrityError,
    UnsupportedContentType,
    WalletError,
)
from qr.mandate import join_presentation

MANDATE_HEADER = "Wallet-Mandate"  # act for another citizen under this mandate
TOKEN_PATH = "/v1/token"  # noqa: S105 -- a URL path, not a secret
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_REFRESH_MARGIN = 10  # seconds: log in again rather than send a token about to lapse
PAGE = 200  # items asked per page when walking a whole list (the service allows up to 500)


class WalletClient:
    """The citizen's SDK: enrol the device, log in, and manage the wallet's documents."""

    def __init__(
        self,
        base_url: str,
        device: Device,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        accept_language: str = "vi",
        timeout: float = 30.0,
    ) -> None:
        self.base_url = str(httpx.URL(base_url.rstrip("/")))
        self.device = device
        self._clock = clock
        self._state = device.load_state()
        self.recovery_code: str | None = None  # the one enrolment answered with (shown once)
        self._acting_for: str | None = None  # a citizen id or mandate id (``act_for``)
        self.mandate: str | None = None  # the mandate every request acts under, once resolved
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,  # a proof is bound to one URL; never replay it elsewhere
            headers={"Accept-Language": accept_language, "User-Agent": "wallet-mobile/0.1"},
        )

    def __enter__(self) -> WalletClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @property
    def state(self) -> DeviceState:
        return self._state

    # -- account --------------------------------------------------------------

    def enrol(self, cccd: str, full_name: str, date_of_birth: date | str) -> str:
        """Register this device for a citizen; return the new ``citizen_id``."""
        if self._state.citizen_id is not None:
            raise AlreadyEnrolled("this device is already enrolled", subject=self._state.citizen_id)
        dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
        body = {
            "cccd": cccd.strip(),
            "full_name": unicodedata.normalize("NFC", full_name.strip()),
            "date_of_birth": dob.strip(),
            "device_jwk": self.device.public_jwk(),
        }
        request = self._http.build_request("POST", self._url("/v1/citizens"), json=body)
        answer = json_object(self._checked(send(self._http, request)))
        citizen_id, code = answer.get("citizen_id"), answer.get("recovery_code")
        if not isinstance(citizen_id, str) or not citizen_id:
            raise WalletError(201, "bad_response", "Unexpected response", "no citizen_id")
        # The answer is the same whether or not the CCCD already had a wallet (docs/rights.md):
        # logging in is how this device learns whether it holds one.
        self._save(DeviceState(server=self.base_url, citizen_id=citizen_id))
        try:
            self.login()
        except WalletError as exc:
            if exc.code != "invalid_client":
                raise
            self._save(DeviceState())
            raise EnrolmentNotConfirmed("no wallet logs this device in") from None
        self.recovery_code = code if isinstance(code, str) else None  # shown once, never stored
        return citizen_id

    def login(self) -> None:
        """Get a DPoP-bound access token with a signed client assertion; keep it."""
        citizen_id = self._citizen_id()
        key = self.device.private_key()
        url = self._url(TOKEN_PATH)
        now = self._now()
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": make_client_assertion(key, citizen_id, str(url), now=now),
            "client_id": citizen_id,
        }
        request = self._http.build_request("POST", url, data=form)
        request.headers["DPoP"] = make_dpop_proof(key, "POST", str(request.url), now=now)
        data = json_object(self._checked(send(self._http, request)))
        token, token_type, expires_in = (data.get(k) for k in _TOKEN_FIELDS)
        if (
            not isinstance(token, str)
            or not isinstance(token_type, str)
            or token_type.lower() != "dpop"
            or not isinstance(expires_in, int)
        ):
            raise WalletError(200, "bad_response", "Unexpected response", "not a DPoP token")
        self._save(replace(self._state, access_token=token, token_expires_at=now + expires_in))

    def me(self) -> JsonObject:
        """The citizen's profile."""
        return json_object(self._authed("GET", "/v1/me"))

    def erase(self) -> JsonObject:
        """Erase the citizen's account and every document (crypto-shredded), then forget it; the
        answer (when final, the signed receipt) is returned: keep it (``mobile_stub.receipts``)."""
        citizen_id = self._citizen_id()
        answer = json_object(self._authed("DELETE", "/v1/me", headers={"Erase-Confirm": citizen_id}))
        self._save(DeviceState())
        return answer

    def export(self, dest_path: str | os.PathLike[str], progress: Progress | None = None) -> Path:
        """Save the zip of everything to ``dest_path`` (atomically, checked whole)."""
        dest = Path(dest_path)
        headers = {"Accept-Encoding": "identity"}
        response = self._authed("GET", "/v1/me/export", headers=headers, stream=True)
        try:
            save_response(response, dest, progress=progress, require_length=False, check=_check_zip)
        finally:
            response.close()
        return dest

    # -- credentials ----------------------------------------------------------

    def list_credentials(self, doc_type: str | None = None, *, limit: int | None = None) -> list[JsonObject]:
        """The citizen's credentials (each with its full SD-JWT), every page, or one of ``limit``."""
        return list(self.pages("/v1/me/credentials", {"type": doc_type} if doc_type else {}, limit))

    def pages(
        self, path: str, params: Mapping[str, str], limit: int | None = None, *, page_size: int = PAGE
    ) -> Iterator[JsonObject]:
        """Every item of a paged list, following ``next_cursor``; only the first page with ``limit``."""
        query: dict[str, str] = {**params, "limit": str(limit or page_size)}
        while True:
            data = json_object(self._authed("GET", path, params=query))
            items, cursor = data.get("items"), data.get("next_cursor")
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise WalletError(200, "bad_response", "Unexpected response", "no items list")
            yield from items
            if limit is not None or not isinstance(cursor, str) or not cursor:
                return
            query["cursor"] = cursor

    def get_credential(self, credential_id: str) -> JsonObject:
        """One credential with its full SD-JWT."""
        return json_object(self._authed("GET", "/v1/me/credentials/" + quote(credential_id, safe="")))

    def present(self, credential_id: str, claims: list[str], *, nonce: str, audience: str) -> str:
        """Build a presentation ON THE DEVICE: only ``claims`` disclosed, bound to the verifier's nonce.
        Only a credential bound to this device's key (``NotThisDevicesKey`` otherwise)."""
        sd_jwt = str(self.get_credential(credential_id)["sd_jwt"])
        if bound_key(sd_jwt) != self.device.thumbprint():
            raise NotThisDevicesKey("bound to another device's key", subject=credential_id)
        return present(
            sd_jwt,
            disclose=claims,
            holder_key=self.device.private_key(),
            nonce=nonce,
            audience=audience,
            now=self._now(),
        )

    # -- QR codes -------------------------------------------------------------

    def identity_batch(
        self, fields: list[str] | None = None, count: int = 720, lifetime: int = 120
    ) -> JsonObject:
        """Pre-signed identity tokens for the coming windows (24 h of 2-minute codes by default)."""
        body: dict[str, object] = {"count": count, "lifetime": lifetime}
        if fields is not None:
            body["fields"] = fields
        return json_object(self._authed_json("POST", "/v1/me/identity-qr", body))

    def park_presentation(self, presentation: str) -> JsonObject:
        """Put a presentation too big for a QR code behind a one-time reference."""
        return json_object(self._authed_json("POST", "/v1/me/presentations", {"presentation": presentation}))

    def _authed_json(self, method: str, path: str, body: Mapping[str, object]) -> httpx.Response:
        """A JSON request with token and proof (a rewindable body, so a re-login can resend it)."""
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        return self._authed(method, path, headers=headers, body=UploadBody(io.BytesIO(payload)))

    # -- rights ---------------------------------------------------------------

    def pause_requests(self, agency_id: str | None, procedure_code: str | None) -> JsonObject:
        """Pause new consent requests from an agency, for a procedure, or both."""
        body = {"agency_id": agency_id, "procedure_code": procedure_code}
        return json_object(self._authed_json("POST", "/v1/me/restrictions", body))

    def pauses(self) -> list[JsonObject]:
        """The active pauses."""
        items = json_object(self._authed("GET", "/v1/me/restrictions")).get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def resume_requests(self, restriction_id: str) -> None:
        """Lift a pause."""
        self._authed("DELETE", f"/v1/me/restrictions/{quote(restriction_id, safe='')}").close()

    def incidents(self) -> list[JsonObject]:
        """Breaches of personal data that affected the citizen."""
        items = json_object(self._authed("GET", "/v1/me/incidents")).get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def request_deletion(self, consent_id: str, note: str | None) -> JsonObject:
        """Ask the agency that received data under a consent to delete it."""
        path = f"/v1/me/consents/{quote(consent_id, safe='')}/deletion-requests"
        return json_object(self._authed_json("POST", path, {"note": note}))

    def deletion_requests(self) -> list[JsonObject]:
        """The citizen's deletion requests, newest first."""
        items = json_object(self._authed("GET", "/v1/me/deletion-requests")).get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def request_correction(
        self, credential_id: str, claim: str, proposed: str, note: str | None
    ) -> JsonObject:
        """Dispute a claim of a credential with its issuer."""
        path = f"/v1/me/credentials/{quote(credential_id, safe='')}/corrections"
        body = {"claim": claim, "proposed": proposed, "note": note}
        return json_object(self._authed_json("POST", path, body))

    def corrections(self) -> list[JsonObject]:
        """The citizen's correction requests, newest first."""
        items = json_object(self._authed("GET", "/v1/me/corrections")).get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def trust_list(self) -> str:
        """The service-signed trust list (agencies and their keys), as a compact JWS."""
        return self._checked(self._http.get(str(self._url("/v1/trust-list")))).text

    # -- documents ------------------------------------------------------------

    def list_documents(self, doc_type: str | None = None, *, limit: int | None = None) -> list[JsonObject]:
        """Metadata of the citizen's documents, newest first: every page, or one of ``limit``."""
        return list(self.pages("/v1/me/documents", {"type": doc_type} if doc_type else {}, limit))

    def get_document(self, document_id: str) -> JsonObject:
        """One document's metadata."""
        return json_object(self._authed("GET", _doc_path(document_id)))

    def service_jwks(self) -> JsonObject:
        """The service's public keys (they sign receipts and tree heads)."""
        return json_object(self._checked(self._http.get(str(self._url("/.well-known/jwks.json")))))

    def delete_document(self, document_id: str) -> JsonObject:
        """Delete a document; the answer says when it is final and carries the signed receipt."""
        return json_object(self._authed("DELETE", _doc_path(document_id)))

    def upload(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        doc_type: str,
        content_type: str | None = None,
        progress: Progress | None = None,
        *,
        filename: str | None = None,
    ) -> JsonObject:
        """Stream a file (path or binary stream) into the wallet; return its metadata."""
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as stream:
                return self.upload(stream, doc_type, content_type, progress, filename=filename)
        name = filename or Path(str(getattr(source, "name", "") or "")).name
        media = content_type or guess_content_type(name)
        if media is None:
            raise UnsupportedContentType("unknown file type", subject=name or "<stream>")
        params = {"type": doc_type}
        if name:
            params["filename"] = unicodedata.normalize("NFC", name)
        body = UploadBody(source, progress)
        headers = {"Content-Type": media}
        if body.size is not None:
            headers["Content-Length"] = str(body.size)
        response = self._authed("POST", "/v1/me/documents", params=params, headers=headers, body=body)
        return json_object(response)

    def download(
        self,
        document_id: str,
        dest_path: str | os.PathLike[str],
        progress: Progress | None = None,
    ) -> Path:
        """Save a document's content to ``dest_path``, only if every byte arrived."""
        dest = Path(dest_path)
        headers = {"Accept-Encoding": "identity"}  # Content-Length must count the stored bytes
        response = self._authed("GET", _doc_path(document_id) + "/content", headers=headers, stream=True)
        try:
            save_response(response, dest, progress=progress)
        finally:
            response.close()
        return dest

    # -- plumbing -------------------------------------------------------------

    def _authed(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        body: UploadBody | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send with token and proof; on 401 log in again and retry once (if the body can)."""
        url = self._url(path)
        if not self._token_fresh():
            self.login()
        response = self._send_authed(method, url, params, headers, body, stream)
        if response.status_code == 401 and (body is None or body.rewind()):
            response.close()
            self.login()
            response = self._send_authed(method, url, params, headers, body, stream)
        return self._checked(response)

    def act_for(self, who: str | None) -> None:
        """Act for another citizen from now on: ``who`` is their citizen id or the mandate's id.
        Every request then names the mandate (``Wallet-Mandate``); the server decides what it covers."""
        self._acting_for, self.mandate = who, None

    def mandates(self) -> list[JsonObject]:
        """The mandates this citizen granted or holds (never under a mandate: owner only)."""
        acting, self._acting_for = self._acting_for, None
        try:
            items = json_object(self._authed("GET", "/v1/me/mandates")).get("items")
        finally:
            self._acting_for = acting
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def grant_mandate(self, body: Mapping[str, object]) -> JsonObject:
        """Grant a mandate (``delegate_cccd``, ``scope``, ``valid_until``, optional ``valid_from``)."""
        return json_object(self._authed_json("POST", "/v1/me/mandates", body))

    def mandate_presentation(
        self, mandate_id: str, credential_id: str, claims: list[str], *, nonce: str, audience: str
    ) -> str:
        """As a delegate: the represented citizen's credential presented with THIS device's key, after
        the wallet's five-minute mandate attestation naming that key (``qr.mandate``)."""
        path = f"/v1/me/mandates/{quote(mandate_id, safe='')}/attestation"
        issued = json_object(self._authed_json("POST", path, {"credential_id": credential_id}))
        bound = present(
            str(issued["sd_jwt"]),
            disclose=claims,
            holder_key=self.device.private_key(),
            nonce=nonce,
            audience=audience,
            now=self._now(),
            delegated=True,
        )
        return join_presentation(str(issued["attestation"]), bound)

    def end_mandate(self, mandate_id: str) -> JsonObject:
        """Revoke a mandate granted, or renounce one held."""
        return json_object(self._authed("DELETE", f"/v1/me/mandates/{quote(mandate_id, safe='')}"))

    def card(self) -> str:
        """The QR text of the printed wallet card (a signed, opaque card id)."""
        return str(json_object(self._authed("GET", "/v1/me/card"))["card"])

    def new_card(self) -> str:
        """A lost card: a new card id; the old card's QR is refused from now on. The new QR text."""
        return str(json_object(self._authed_json("POST", "/v1/me/card/rotation", {}))["card"])

    def set_assist_pin(self, pin: str) -> None:
        """Set the 6-digit PIN confirmed at one-stop offices."""
        self._authed_json("PUT", "/v1/me/assist-pin", {"pin": pin}).close()

    def _mandate_header(self) -> dict[str, str]:
        if self._acting_for is None:
            return {}
        if self.mandate is None:
            wanted = self._acting_for
            held = [
                m
                for m in self.mandates()
                if m.get("role") == "delegate"
                and m.get("state") == "active"
                and wanted in (m.get("mandate_id"), m.get("represented_id"))
            ]
            if not held:
                raise NoMandate("no active mandate for that citizen", subject=wanted)
            self.mandate = str(held[0]["mandate_id"])
        return {MANDATE_HEADER: self.mandate}

    def _send_authed(
        self,
        method: str,
        url: httpx.URL,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        body: UploadBody | None,
        stream: bool,
    ) -> httpx.Response:
        token = self._state.access_token
        if token is None:  # login() always stores one; this guards the type
            raise NotEnrolled("no access token")
        content = body.chunks() if body is not None else None
        headers = {**(headers or {}), **self._mandate_header()}
        request = self._http.build_request(method, url, params=params, headers=headers, content=content)
        proof = make_dpop_proof(
            self.device.private_key(), method, str(request.url), now=self._now(), access_token=token
        )
        request.headers["Authorization"] = f"DPoP {token}"
        request.headers["DPoP"] = proof
        return send(self._http, request, stream=stream)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        if response.is_error:
            raise problem_from(response)
        return response

    def _token_fresh(self) -> bool:
        expires = self._state.token_expires_at
        return (
            self._state.access_token is not None
            and expires is not None
            and self._now() < expires - _REFRESH_MARGIN
        )

    def _citizen_id(self) -> str:
        state = self._state
        if state.citizen_id is None:
            raise NotEnrolled("this device is not enrolled")
        if state.server is not None and state.server != self.base_url:
            raise EnrolledElsewhere("enrolled at another server", subject=state.server)
        return state.citizen_id

    def _save(self, state: DeviceState) -> None:
        self.device.save_state(state)
        self._state = state

    def _url(self, path: str) -> httpx.URL:
        return httpx.URL(self.base_url + path)

    def _now(self) -> int:
        return int(self._clock())


_TOKEN_FIELDS = ("access_token", "token_type", "expires_in")


def bound_key(sd_jwt: str) -> str | None:
    """The thumbprint of the key a credential's ``cnf.jwk`` names (``None``: none, or unreadable)."""
    try:
        cnf = parse_sd_jwt(sd_jwt).unverified_payload.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        return jwk_thumbprint(jwk) if isinstance(jwk, dict) else None
    except CryptoError:
        return None


def _doc_path(document_id: str) -> str:
    return "/v1/me/documents/" + quote(document_id, safe="")


def _check_zip(path: Path) -> None:
    """Refuse an export whose zip is cut off or corrupt."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise TransferIntegrityError("the export archive is incomplete") from exc
    if bad is not None:
        raise TransferIntegrityError("the export archive is corrupt", subject=bad)
