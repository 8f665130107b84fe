"""The SDK's error tree: every failure a caller sees is a ``MobileError``.

Classes only set a stable machine ``code``; ``subject`` names the file or URL
concerned, so a front end can word the message in its own languages.
"""

from __future__ import annotations


class MobileError(Exception):
    """Base of every error the phone client raises."""

    code: str = "mobile_error"

    def __init__(self, message: str, *, subject: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.subject = subject


class DeviceError(MobileError):
    """The local key store or session state cannot be used."""

    code = "device_error"


class NoDeviceKey(DeviceError):
    """No device key exists yet in the home directory."""

    code = "no_device_key"


class DeviceKeyExists(DeviceError):
    """``device init`` would overwrite an existing key."""

    code = "device_key_exists"


class InsecureKeyFile(DeviceError):
    """The key or state file is open to group or others, or not a regular file."""

    code = "insecure_key_file"


class CorruptState(DeviceError):
    """A key or state file exists but cannot be parsed."""

    code = "corrupt_state"


class NotEnrolled(DeviceError):
    """The device has no citizen account yet."""

    code = "not_enrolled"


class AlreadyEnrolled(DeviceError):
    """The device already holds a citizen account."""

    code = "already_enrolled"


class EnrolmentNotConfirmed(DeviceError):
    """The wallet did not let this device log in after enrolling: the CCCD may already have a wallet
    (the server's answer does not say, on purpose), so the device is not enrolled."""

    code = "enrolment_not_confirmed"


class EnrolledElsewhere(DeviceError):
    """The device's account lives on another server than the one asked."""

    code = "enrolled_elsewhere"


class UnsupportedContentType(MobileError):
    """The file's type is not one the wallet stores."""

    code = "unsupported_media_type"


class TransferIntegrityError(MobileError):
    """A download ended short or aborted; nothing was kept."""

    code = "integrity_error"


class NotThisDevicesKey(MobileError):
    """The credential is bound to another device's key: only that device can present it."""

    code = "not_this_devices_key"


class NoMandate(MobileError):
    """``--for`` names a citizen (or mandate) this citizen holds no active mandate for."""

    code = "no_mandate"


class NetworkError(MobileError):
    """The server could not be reached or the connection failed."""

    code = "network_error"


class WalletError(MobileError):
    """The server answered with an error (RFC 9457 problem details)."""

    def __init__(self, status: int, code: str, title: str, detail: str) -> None:
        text = f"{status} {code}: {title}" + (f": {detail}" if detail else "")
        super().__init__(text)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
