"""Several devices per citizen: pairing a new device, listing and revoking devices (issue 11).

Routes, services, wire types and errors of the capability live together here;
``wallet_api.app`` mounts ``ROUTES`` and ``wallet_api.problems`` merges ``DEVICE_PROBLEMS``.
"""

from wallet_api.devices.errors import DEVICE_PROBLEMS
from wallet_api.devices.pairing import (
    APPROVAL_TYP,
    PAIRING_SECONDS,
    PairingService,
    code_digest,
    device_name,
    device_possession,
    public_device_jwk,
)
from wallet_api.devices.service import DeviceService

__all__ = [
    "APPROVAL_TYP",
    "DEVICE_PROBLEMS",
    "PAIRING_SECONDS",
    "DeviceService",
    "PairingService",
    "code_digest",
    "device_name",
    "device_possession",
    "public_device_jwk",
]
