"""The reference phone client: an SDK over HTTP API v1 and the ``wallet-mobile`` CLI.

The device's private key stays in its key store; only the public JWK is ever
sent, once, at enrolment. Every call after login carries a DPoP proof.
"""

from mobile_stub._transfer import CONTENT_TYPES, JsonObject, Progress, guess_content_type
from mobile_stub.client import WalletClient
from mobile_stub.device import Device, DeviceState, default_home
from mobile_stub.errors import (
    AlreadyEnrolled,
    CorruptState,
    DeviceError,
    DeviceKeyExists,
    EnrolledElsewhere,
    InsecureKeyFile,
    MobileError,
    NetworkError,
    NoDeviceKey,
    NotEnrolled,
    TransferIntegrityError,
    UnsupportedContentType,
    WalletError,
)

__all__ = [
    "CONTENT_TYPES",
    "AlreadyEnrolled",
    "CorruptState",
    "Device",
    "DeviceError",
    "DeviceKeyExists",
    "DeviceState",
    "EnrolledElsewhere",
    "InsecureKeyFile",
    "JsonObject",
    "MobileError",
    "NetworkError",
    "NoDeviceKey",
    "NotEnrolled",
    "Progress",
    "TransferIntegrityError",
    "UnsupportedContentType",
    "WalletClient",
    "WalletError",
    "default_home",
    "guess_content_type",
]
