"""Counter nonces for the web verifier: issued by the service, short-lived, spent by one scan.

A presentation QR is bound (its key-binding JWT) to a nonce the citizen's phone was told at the
counter. If the counter picked its own nonce, or kept one across scans, a presentation captured
once would verify again. So the service hands the counter a *ticket*: an 8-digit nonce to read
to the citizen, its expiry, and a MAC over both and the counter's audience, under a key derived
from the master key. Nothing is stored when a ticket is issued; ``spend`` checks the MAC, the
expiry, and then stores the nonce in the shared replay table (the same statement that refuses a
replayed DPoP proof, across every worker and node), so a nonce counts once, whichever ticket
carries it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Final, Literal

from wallet_api.context import Context

NONCE_TTL: Final = 300  # seconds a counter has to get the code scanned (a key-binding JWT lives as long)
NONCE_DIGITS: Final = 8
_SCOPE: Final = "verify-nonce"
_LABEL: Final = "verify-nonce"
_VERSION: Final = "n1"

NonceRefusal = Literal["nonce_missing", "nonce_unknown", "nonce_expired", "nonce_used"]


@dataclass(frozen=True, slots=True)
class CounterNonce:
    """What the counter shows (``nonce``) and sends back with the scanned code (``ticket``)."""

    nonce: str
    ticket: str
    audience: str
    expires_at: int


class NonceRefused(Exception):
    """The ticket sent with a scan cannot bind it: ``reason`` is a code of ``qr.reasons``."""

    def __init__(self, reason: NonceRefusal) -> None:
        super().__init__(reason)
        self.reason: NonceRefusal = reason


def _mac(key: bytes, expires_at: int, nonce: str, audience: str) -> str:
    message = f"{_VERSION}|{expires_at}|{nonce}|{audience}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


class CounterNonces:
    """Issue and spend counter nonces (stateless to issue; one replay-table row to spend)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._key = ctx.master.derive(_LABEL)

    def issue(self, audience: str) -> CounterNonce:
        """A fresh nonce for one scan at the counter whose page lives at ``audience``."""
        nonce = str(secrets.randbelow(10**NONCE_DIGITS)).zfill(NONCE_DIGITS)
        expires_at = self.ctx.now() + NONCE_TTL
        ticket = f"{_VERSION}.{expires_at}.{nonce}.{_mac(self._key, expires_at, nonce, audience)}"
        return CounterNonce(nonce, ticket, audience, expires_at)

    def spend(self, ticket: str | None, audience: str) -> str:
        """The nonce ``ticket`` carries, spent now; ``NonceRefused`` if it cannot be used."""
        if not ticket:
            raise NonceRefused("nonce_missing")
        parts = ticket.split(".")
        if len(parts) != 4 or parts[0] != _VERSION or not parts[1].isdigit() or len(parts[1]) > 12:
            raise NonceRefused("nonce_unknown")
        _, expires, nonce, mac = parts
        expected = _mac(self._key, int(expires), nonce, audience)
        if not hmac.compare_digest(expected.encode(), mac.encode("ascii", "replace")):
            raise NonceRefused("nonce_unknown")  # forged, altered, or issued for another counter
        if int(expires) < self.ctx.now():
            raise NonceRefused("nonce_expired")
        # Kept past the ticket's end for as long as a presentation bound to it could still be fresh.
        keep_until = dt.datetime.fromtimestamp(int(expires) + NONCE_TTL, tz=dt.UTC)
        if not self.ctx.metadata.replay_guard().remember(_SCOPE, nonce, keep_until):
            raise NonceRefused("nonce_used")
        return nonce
