"""Wire types of the device routes: msgspec structs at the HTTP edge, apart from storage records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from wallet_api.devices.service import DeviceView, PairingStatus, ShownPairing, StartedPairing

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Jws = Annotated[str, msgspec.Meta(min_length=1, max_length=16384)]


class PairingIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new device asks to join a wallet: its public key (the DPoP proof's) and a name."""

    name: Name
    device_jwk: dict[str, Any]


class PairingOut(msgspec.Struct):
    """The short code to type or scan on a device the citizen holds, and the nonce it signs."""

    pairing_id: str
    code: str
    nonce: str
    jkt: str
    words: str
    expires_at: dt.datetime

    @classmethod
    def of(cls, p: StartedPairing) -> PairingOut:
        """From the service's new pairing."""
        return cls(p.pairing_id, p.code, p.nonce, p.jkt, p.words, p.expires_at)


class PairingStatusOut(msgspec.Struct, omit_defaults=True):
    """Where a pairing stands for the new device: pending, approved, expired or cancelled."""

    status: str
    expires_at: dt.datetime
    citizen_id: str | None = None
    device_id: str | None = None
    approval: str | None = None

    @classmethod
    def of(cls, p: PairingStatus) -> PairingStatusOut:
        """From the service's status."""
        return cls(p.status, p.expires_at, p.citizen_id, p.device_id, p.approval)


class ShowIn(msgspec.Struct, forbid_unknown_fields=True):
    """The code the new device shows."""

    code: Code


class ShownPairingOut(msgspec.Struct):
    """What the approving device shows before it signs: the new device's name and key words."""

    pairing_id: str
    name: str
    jkt: str
    words: str
    nonce: str
    expires_at: dt.datetime

    @classmethod
    def of(cls, p: ShownPairing) -> ShownPairingOut:
        """From the service's shown pairing."""
        return cls(p.pairing_id, p.name, p.jkt, p.words, p.nonce, p.expires_at)


class ApprovalIn(msgspec.Struct, forbid_unknown_fields=True):
    """The approving device's JWS over code, nonce, new thumbprint and its last verified log head."""

    approval: Jws


class DeviceOut(msgspec.Struct):
    """One of the citizen's devices."""

    device_id: str
    name: str
    jkt: str
    words: str
    how_added: str
    added_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    current: bool

    @classmethod
    def of(cls, d: DeviceView) -> DeviceOut:
        """From the service's view."""
        r = d.record
        return cls(
            r.id, r.name, r.jkt, d.words, r.how_added, r.added_at, r.last_used_at, r.revoked_at, d.current
        )


class DeviceListOut(msgspec.Struct):
    """Every device of the citizen, oldest first, revoked ones included (a handful: one page)."""

    items: list[DeviceOut]
