"""The phone's device calls: pair a new device, approve one, list and revoke devices.

A new device keeps its pending pairing in ``pairing.json`` (0600, next to its
key) until it is approved: then it takes the citizen id from the outcome,
checks the approval names its own key, code and nonce, checks the log head the
approving device signed over (the service's signature, this citizen's log) and
remembers that head, so its first ``log`` is checked for consistency from it
instead of trusting whatever it sees first.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from crypto import CryptoError, b64url_decode, make_dpop_proof, sign_jws, thumbprint_words
from crypto import json_object as strict_json
from crypto.transparency import LogInconsistent, verify_tree_head
from mobile_stub._transfer import JsonObject, json_object, send
from mobile_stub.consent_client import ConsentClient
from mobile_stub.device import DeviceState, read_private, write_private
from mobile_stub.errors import AlreadyEnrolled, MobileError, WalletError
from mobile_stub.log_check import LogTampered, check_log, remembered_sth, save_head, service_key

APPROVAL_TYP = "device-pairing+jwt"
PAIRING_FILE = "pairing.json"


def normalize_code(code: str) -> str:
    """The code as the service keeps it: upper case, without the spaces and dashes people type."""
    return "".join(ch for ch in code.upper() if ch not in " -")


class PairingFailed(MobileError):
    """The pairing ended without this device joining: expired, cancelled, or a bad outcome."""

    code = "pairing_failed"


class DevicesClient(ConsentClient):
    """A ``ConsentClient`` with the device life-cycle calls."""

    def __enter__(self) -> DevicesClient:
        return self

    # -- the new device ------------------------------------------------------

    def start_pairing(self, name: str) -> JsonObject:
        """Ask to join a wallet with this device's key; remember the pairing; return code and nonce."""
        if self._state.citizen_id is not None:
            raise AlreadyEnrolled("this device already belongs to a wallet", subject=self._state.citizen_id)
        body = {"name": name, "device_jwk": self.device.public_jwk()}
        request = self._http.build_request("POST", self._url("/v1/devices/pairings"), json=body)
        request.headers["DPoP"] = self._proof("POST", str(request.url))
        started = json_object(self._checked(send(self._http, request)))
        write_private(
            self.device.home / PAIRING_FILE, json.dumps({**started, "server": self.base_url}).encode()
        )
        return started

    def pending_pairing(self) -> JsonObject:
        """The pairing this device started and has not finished."""
        try:
            data = json.loads(read_private(self.device.home / PAIRING_FILE))
        except FileNotFoundError:
            raise PairingFailed("no pairing was started on this device") from None
        except ValueError:
            raise PairingFailed("the pairing file is unreadable") from None
        if not isinstance(data, dict):
            raise PairingFailed("the pairing file is unreadable")
        return data

    def pairing_status(self) -> JsonObject:
        """Where this device's pairing stands (``status``: pending, approved, expired, cancelled)."""
        pairing = self.pending_pairing()
        path = "/v1/devices/pairings/" + quote(str(pairing["pairing_id"]), safe="")
        request = self._http.build_request("GET", self._url(path))
        request.headers["DPoP"] = self._proof("GET", str(request.url))
        return json_object(self._checked(send(self._http, request)))

    def finish_pairing(self) -> str | None:
        """Join the wallet once approved: the citizen id, the signed log head, a login. ``None`` while
        pending; ``PairingFailed`` once it can no longer succeed."""
        pairing, outcome = self.pending_pairing(), self.pairing_status()
        status = outcome.get("status")
        if status == "pending":
            return None
        if status != "approved":
            (self.device.home / PAIRING_FILE).unlink(missing_ok=True)
            raise PairingFailed(f"the pairing is {status}")
        citizen_id, approval = outcome.get("citizen_id"), outcome.get("approval")
        if not isinstance(citizen_id, str) or not isinstance(approval, str):
            raise PairingFailed("the approval is missing")
        claims = self._approval_claims(approval, pairing, citizen_id)
        head_claims = claims["log"]
        sth = str(head_claims["sth"])
        try:
            head = verify_tree_head(sth, service_key(self, sth), citizen_id=citizen_id)
        except (CryptoError, LogInconsistent, ValueError) as exc:
            raise LogTampered(f"the approved log head does not verify: {exc}") from None
        if head.size != head_claims["tree_size"] or head.root_hash.hex() != head_claims["root_hash"]:
            raise LogTampered("the approving device signed another head than the service did")
        save_head(self, head, sth)  # before the citizen id: a device in a wallet always has a head
        self._save(DeviceState(server=self.base_url, citizen_id=citizen_id))
        (self.device.home / PAIRING_FILE).unlink(missing_ok=True)
        self.login()
        return citizen_id

    def _approval_claims(self, approval: str, pairing: JsonObject, citizen_id: str) -> dict[str, Any]:
        """The approval's claims, if they name this device's key, code, nonce and the citizen. (Its
        signature is the approving device's, checked by the service; what the new device can check
        is that the approval is about it.)"""
        parts = approval.split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not a compact JWS")
            unverified_payload = strict_json(b64url_decode(parts[1]))
        except ValueError:
            raise PairingFailed("the approval is unreadable") from None
        claims = unverified_payload
        expected = {
            "sub": citizen_id,
            "jkt": self.device.thumbprint(),
            "nonce": pairing.get("nonce"),
            "code": normalize_code(str(pairing.get("code", ""))),
        }
        if not isinstance(claims, dict) or any(claims.get(k) != v for k, v in expected.items()):
            raise PairingFailed("the approval is not about this device")
        if not isinstance(claims.get("log"), dict):
            raise PairingFailed("the approval carries no log head")
        return claims

    # -- a device the citizen holds ----------------------------------------------

    def show_pairing(self, code: str) -> JsonObject:
        """The new device's name, key thumbprint and words, and the nonce to sign."""
        return json_object(self._authed_json("POST", "/v1/me/devices/pairings", {"code": code}))

    def approval_token(self, shown: JsonObject, code: str) -> str:
        """The approval, signed by this device over the code, the nonce, the new key and the log
        head this device has just verified (``check_log``)."""
        citizen_id = self._citizen_id()
        checked = check_log(self, citizen_id)
        claims = {
            "sub": citizen_id,
            "code": normalize_code(code),
            "nonce": shown["nonce"],
            "jkt": shown["jkt"],
            "iat": self._now(),
            "log": {
                "tree_size": checked.head.size,
                "root_hash": checked.head.root_hash.hex(),
                "sth": remembered_sth(self),
            },
        }
        return sign_jws(self.device.private_key(), claims, typ=APPROVAL_TYP)

    def approve_pairing(self, shown: JsonObject, code: str) -> JsonObject:
        """Approve what was shown: the new device joins the wallet."""
        path = "/v1/me/devices/pairings/" + quote(str(shown["pairing_id"]), safe="") + "/approval"
        return json_object(self._authed_json("POST", path, {"approval": self.approval_token(shown, code)}))

    def devices(self) -> list[JsonObject]:
        """Every device of the wallet, oldest first."""
        items = json_object(self._authed("GET", "/v1/me/devices")).get("items")
        if not isinstance(items, list):
            raise WalletError(200, "bad_response", "Unexpected response", "no items list")
        return items

    def revoke_device(self, device_id: str, *, last: bool = False) -> None:
        """Revoke a device (``last``: even the wallet's last one)."""
        params = {"last": "true"} if last else None
        self._authed("DELETE", "/v1/me/devices/" + quote(device_id, safe=""), params=params).close()

    # -- plumbing ---------------------------------------------------------------

    def _proof(self, method: str, url: str) -> str:
        return make_dpop_proof(self.device.private_key(), method, url, now=self._now())

    def forget_wallet(self) -> None:
        """This device was revoked: forget the citizen and the token (the key stays)."""
        self._save(replace(self._state, citizen_id=None, access_token=None, token_expires_at=None))


__all__ = ["APPROVAL_TYP", "DevicesClient", "PairingFailed", "thumbprint_words"]
