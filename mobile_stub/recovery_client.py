"""The phone's recovery calls: recover a wallet on a new device when every device is lost, follow
the recovery until its cooling-off ends, and cancel one from a device still held.

The new device keeps its recovery in ``recovery.json`` (0600, next to its key) until it completes:
then it takes the citizen id, logs in, and shows the new recovery code (dev mode) once. It has no
log head signed over by an old device: its first ``log`` starts from the head it sees then.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from mobile_stub._transfer import JsonObject, json_object, send
from mobile_stub.device import DeviceState, read_private, write_private
from mobile_stub.devices_client import DevicesClient
from mobile_stub.errors import AlreadyEnrolled, MobileError

RECOVERY_FILE = "recovery.json"


class RecoveryFailed(MobileError):
    """The recovery ended without this device joining (cancelled), or none was started here."""

    code = "recovery_failed"


class RecoveryClient(DevicesClient):
    """A ``DevicesClient`` with the recovery calls."""

    def __enter__(self) -> RecoveryClient:
        return self

    # -- the new device ------------------------------------------------------

    def recovery_nonce(self, cccd: str) -> JsonObject:
        """A nonce for recovering the wallet of ``cccd``, kept for ``start_recovery``; give it and this
        device's public key to the identity provider."""
        self._not_in_a_wallet()
        request = self._http.build_request("POST", self._url("/v1/recovery/nonces"), json={"cccd": cccd})
        issued = json_object(self._checked(send(self._http, request)))
        self._keep({"nonce": issued["nonce"], "server": self.base_url})
        return issued

    def start_recovery(
        self, name: str, *, code: str | None = None, assertion: str | None = None
    ) -> JsonObject:
        """Start the recovery with the kept nonce and the identity provider's assertion or the code."""
        self._not_in_a_wallet()
        kept = self.kept_recovery()
        body = {"name": name, "device_jwk": self.device.public_jwk(), "nonce": kept.get("nonce")}
        body |= {"code": code} if code is not None else {"assertion": assertion}
        request = self._http.build_request("POST", self._url("/v1/recovery"), json=body)
        request.headers["DPoP"] = self._proof("POST", str(request.url))
        started = json_object(self._checked(send(self._http, request)))
        self._keep({"recovery_id": started["recovery_id"], "server": self.base_url})
        return started

    def recovery_status(self) -> JsonObject:
        """Where this device's recovery stands; once completed, this device joins the wallet and logs
        in (the answer then carries the new recovery code, shown once)."""
        kept = self.kept_recovery()
        if "recovery_id" not in kept:
            raise RecoveryFailed("no recovery was started on this device")
        path = "/v1/recovery/" + quote(str(kept["recovery_id"]), safe="")
        request = self._http.build_request("GET", self._url(path))
        request.headers["DPoP"] = self._proof("GET", str(request.url))
        outcome = json_object(self._checked(send(self._http, request)))
        if outcome.get("status") == "completed":
            self._save(DeviceState(server=self.base_url, citizen_id=str(outcome["citizen_id"])))
            (self.device.home / RECOVERY_FILE).unlink(missing_ok=True)
            self.login()
        elif outcome.get("status") == "cancelled":
            (self.device.home / RECOVERY_FILE).unlink(missing_ok=True)
        return outcome

    def kept_recovery(self) -> JsonObject:
        """The nonce or recovery this device keeps."""
        try:
            data = json.loads(read_private(self.device.home / RECOVERY_FILE))
        except FileNotFoundError:
            raise RecoveryFailed("no recovery was started on this device") from None
        except ValueError:
            raise RecoveryFailed("the recovery file is unreadable") from None
        if not isinstance(data, dict):
            raise RecoveryFailed("the recovery file is unreadable")
        return data

    def _keep(self, data: JsonObject) -> None:
        write_private(self.device.home / RECOVERY_FILE, json.dumps(data).encode())

    def _not_in_a_wallet(self) -> None:
        if self._state.citizen_id is not None:
            raise AlreadyEnrolled("this device already belongs to a wallet", subject=self._state.citizen_id)

    # -- a device the citizen still holds ------------------------------------------

    def in_session(self) -> bool:
        """In a wallet with a live token: asking costs no login."""
        return self._state.citizen_id is not None and self._token_fresh()

    def pending_recovery(self) -> JsonObject | None:
        """The wallet's pending recovery, if one was started."""
        pending = self.me().get("pending_recovery")
        return pending if isinstance(pending, dict) else None

    def cancel_recovery(self, recovery_id: str) -> JsonObject:
        """Cancel a pending recovery of this wallet (the answer may carry a new recovery code)."""
        path = f"/v1/me/recovery/{quote(recovery_id, safe='')}/cancellation"
        return json_object(self._authed("POST", path))
