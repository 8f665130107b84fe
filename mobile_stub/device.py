"""The device key store: one private directory holding the key and the session.

``device.pem`` is the device's ES256 private key (PKCS8), created with mode
0600 and refused when group or others may read it. ``state.json`` (0600) keeps
the server URL, the citizen id and the current access token with its expiry.
The private key is only ever used to sign here; nothing sends it anywhere.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from crypto import (
    CryptoError,
    EcPrivateKey,
    generate_private_key,
    jwk_thumbprint,
    load_private_key_pem,
    private_key_pem,
    public_jwk,
)
from mobile_stub.errors import (
    CorruptState,
    DeviceError,
    DeviceKeyExists,
    InsecureKeyFile,
    NoDeviceKey,
)

HOME_ENV = "WALLET_MOBILE_HOME"
KEY_FILE = "device.pem"
STATE_FILE = "state.json"
_PRIVATE_MODE = 0o600
_MAX_FILE = 64 * 1024  # both files are tiny; a bigger one is not ours


def default_home() -> Path:
    """``$WALLET_MOBILE_HOME`` or ``~/.wallet-mobile``."""
    configured = os.environ.get(HOME_ENV)
    return Path(configured).expanduser() if configured else Path("~/.wallet-mobile").expanduser()


@dataclass(frozen=True)
class DeviceState:
    """What the device remembers between runs (never the key)."""

    server: str | None = None
    citizen_id: str | None = None
    access_token: str | None = None
    token_expires_at: int | None = None

    @classmethod
    def from_json(cls, data: Any) -> DeviceState:
        if not isinstance(data, dict):
            raise ValueError("state is not an object")
        server, citizen_id, token = (data.get(k) for k in ("server", "citizen_id", "access_token"))
        expires = data.get("token_expires_at")
        for value in (server, citizen_id, token):
            if value is not None and not isinstance(value, str):
                raise ValueError("state field is not a string")
        if expires is not None and (not isinstance(expires, int) or isinstance(expires, bool)):
            raise ValueError("token_expires_at is not an integer")
        return cls(server, citizen_id, token, expires)


class Device:
    """A phone's key store and session state in one directory."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.key_path = self.home / KEY_FILE
        self.state_path = self.home / STATE_FILE
        self._key: EcPrivateKey | None = None

    def has_key(self) -> bool:
        return self.key_path.exists()

    def init(self) -> dict[str, str]:
        """Create the device key (refusing to replace one); return its public JWK."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = generate_private_key()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.key_path, flags, _PRIVATE_MODE)
        except FileExistsError:
            raise DeviceKeyExists("a device key already exists", subject=str(self.key_path)) from None
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(private_key_pem(key))
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            self.key_path.unlink(missing_ok=True)
            raise
        self._key = key
        return public_jwk(key)

    def private_key(self) -> EcPrivateKey:
        """The device key, loaded once; refused if group or others can read the file."""
        if self._key is None:
            try:
                pem = read_private(self.key_path)
            except FileNotFoundError:
                raise NoDeviceKey("no device key", subject=str(self.key_path)) from None
            try:
                self._key = load_private_key_pem(pem)
            except CryptoError:
                raise CorruptState("device key unreadable", subject=str(self.key_path)) from None
        return self._key

    def public_jwk(self) -> dict[str, str]:
        """The public half of the device key, the only part that is ever sent."""
        return public_jwk(self.private_key())

    def thumbprint(self) -> str:
        return jwk_thumbprint(self.public_jwk())

    def load_state(self) -> DeviceState:
        try:
            raw = read_private(self.state_path)
        except FileNotFoundError:
            return DeviceState()
        try:
            return DeviceState.from_json(json.loads(raw))
        except ValueError:
            raise CorruptState("state file unreadable", subject=str(self.state_path)) from None

    def save_state(self, state: DeviceState) -> None:
        """Write the state atomically (temp file created 0600, fsync, rename)."""
        write_private(self.state_path, json.dumps(asdict(state), indent=2, sort_keys=True).encode())


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``: a temp file created 0600, fsynced, then renamed."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_private(path: Path, limit: int = _MAX_FILE) -> bytes:
    """Read a small private file, refusing a symlink, a non-file or loose permissions."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InsecureKeyFile("symbolic link refused", subject=str(path)) from None
        raise DeviceError(f"cannot read: {exc.strerror}", subject=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InsecureKeyFile("not a regular file", subject=str(path))
        if info.st_mode & 0o077:
            mode = oct(stat.S_IMODE(info.st_mode))
            raise InsecureKeyFile(
                f"file mode {mode} lets group or others in; must be 0600", subject=str(path)
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise CorruptState("file too large", subject=str(path))
    return data
