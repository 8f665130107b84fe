"""The master key ring: versioned 256-bit keys from a ``file:`` or ``env:`` provider.

``file:/abs/path`` (also ``file:///abs/path``) names a JSON file
``{"keys": {"1": "<b64url 32 bytes>", "2": ...}}`` that must be a regular file
with no group or other permission bits (0600 or stricter). With ``create=True``
a missing file is created atomically with mode 0600 and one fresh key, its
parent directory with 0700; this is the only I/O in ``crypto``.
``env:VARNAME`` reads the b64url of one 32-byte key (version 1) or the same JSON.
A missing or malformed key is a ``MasterKeyError``, never a random fallback.

Only one process should rotate a given file (the operator CLI); readers pick a
rotation up when they reopen the ring.
"""

import json
import os
import secrets
import stat
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crypto._encoding import b64url_decode, b64url_encode, json_object
from crypto._hazmat import KEY_SIZE, hkdf_sha256
from crypto.errors import IntegrityError, MasterKeyError
from crypto.keys import unwrap_key, wrap_key

__all__ = ["MasterKeyRing", "open_master_key"]

_VERSION_BYTES = 4
_MAX_VERSION = (1 << 32) - 1
_DERIVE_VERSION = 1
_DERIVE_INFO_PREFIX = b"citizen-wallet/master-derive/"
_MAX_FILE_SIZE = 64 * 1024


class _KeyFile:
    """The ``file:`` provider: reads, creates and atomically rewrites the JSON key file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[int, bytes]:
        """Read the file, refusing a non-regular or group/other-accessible one."""
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise MasterKeyError(f"master key file {self.path} does not exist") from None
        except OSError as exc:
            raise MasterKeyError(f"master key file {self.path} unreadable: {exc.strerror}") from None
        try:
            data = self._read_checked(fd)
        except OSError as exc:
            raise MasterKeyError(f"master key file {self.path} unreadable: {exc.strerror}") from None
        finally:
            os.close(fd)
        if len(data) > _MAX_FILE_SIZE:
            raise MasterKeyError("master key file is too large")
        return _parse_json(data)

    def _read_checked(self, fd: int) -> bytes:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise MasterKeyError(f"master key file {self.path} is not a regular file")
        if info.st_mode & 0o077:
            raise MasterKeyError(f"master key file {self.path} is accessible to group or others (chmod 600)")
        chunks = []
        size = 0
        while size <= _MAX_FILE_SIZE and (chunk := os.read(fd, _MAX_FILE_SIZE + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    def create(self) -> dict[int, bytes]:
        """Create the file with one fresh key; if another process won the race, load theirs."""
        keys = {1: secrets.token_bytes(KEY_SIZE)}
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise MasterKeyError(f"cannot create {self.path.parent}: {exc.strerror}") from None
        temp = self._write_temp(keys)
        try:
            os.link(temp, self.path)  # fails if the file appeared meanwhile: never clobber a key
        except FileExistsError:
            return self.load()
        except OSError as exc:
            raise MasterKeyError(f"cannot create master key file: {exc.strerror}") from None
        finally:
            temp.unlink(missing_ok=True)
        self._sync_dir()
        return keys

    def save(self, keys: Mapping[int, bytes]) -> None:
        """Replace the file atomically (temp file, fsync, rename, fsync the directory)."""
        temp = self._write_temp(keys)
        try:
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise MasterKeyError(f"cannot replace master key file: {exc.strerror}") from None
        self._sync_dir()

    def _write_temp(self, keys: Mapping[int, bytes]) -> Path:
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        body = json.dumps({"keys": {str(v): b64url_encode(keys[v]) for v in sorted(keys)}}, indent=2).encode(
            "utf-8"
        )
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)  # whatever the umask did
                handle.write(body + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise MasterKeyError(f"cannot write master key file: {exc.strerror}") from None
        return temp

    def _sync_dir(self) -> None:
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _parse_keys(document: Mapping[str, Any]) -> dict[int, bytes]:
    entries = document.get("keys")
    if not isinstance(entries, dict) or not entries:
        raise MasterKeyError('master key JSON needs a non-empty "keys" object')
    keys: dict[int, bytes] = {}
    for name, encoded in entries.items():
        if not name.isascii() or not name.isdigit() or name != str(int(name)):
            raise MasterKeyError("master key versions must be positive decimal integers")
        version = int(name)
        if not 1 <= version <= _MAX_VERSION:
            raise MasterKeyError("master key version out of range")
        try:
            key = b64url_decode(encoded) if isinstance(encoded, str) else b""
        except ValueError:
            key = b""
        if len(key) != KEY_SIZE:
            raise MasterKeyError(f"master key version {version} is not 32 bytes of b64url")
        keys[version] = key
    return keys


def _parse_json(data: bytes | str) -> dict[int, bytes]:
    try:
        document = json_object(data)
    except ValueError:
        raise MasterKeyError("master key is not valid JSON") from None
    return _parse_keys(document)


def _parse_env(value: str) -> dict[int, bytes]:
    value = value.strip()
    if value.startswith("{"):
        return _parse_json(value)
    try:
        key = b64url_decode(value)
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE:
        raise MasterKeyError("master key variable must hold b64url of 32 bytes, or key JSON")
    return {1: key}


class MasterKeyRing:
    """Versioned master keys: wrap with the newest, unwrap with any, derive from version 1."""

    def __init__(self, keys: Mapping[int, bytes], *, _store: _KeyFile | None = None) -> None:
        if not keys or any(not isinstance(k, bytes) or len(k) != KEY_SIZE for k in keys.values()):
            raise MasterKeyError("master key ring needs at least one 32-byte key")
        self._keys = dict(keys)
        self._store = _store
        self._lock = threading.Lock()
        self._derived: dict[str, bytes] = {}

    @property
    def current_version(self) -> int:
        """The newest version, used by :meth:`wrap`."""
        return max(self._keys)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every version present, oldest first."""
        return tuple(sorted(self._keys))

    def wrap(self, key: bytes, aad: bytes) -> bytes:
        """Wrap a 32-byte key with the newest version: ``version u32 BE ‖ sealed``."""
        version = self.current_version
        prefix = version.to_bytes(_VERSION_BYTES, "big")
        return prefix + wrap_key(self._keys[version], key, prefix + aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        """Unwrap with whichever version ``wrapped`` names; ``IntegrityError`` on any failure."""
        prefix = bytes(wrapped[:_VERSION_BYTES])
        if len(prefix) != _VERSION_BYTES:
            raise IntegrityError()
        master = self._keys.get(int.from_bytes(prefix, "big"))
        if master is None:
            raise IntegrityError()
        return unwrap_key(master, wrapped[_VERSION_BYTES:], prefix + aad)

    def derive(self, label: str) -> bytes:
        """A 32-byte subkey for ``label`` (HKDF-SHA256 of version 1: stable across rotation)."""
        derived = self._derived.get(label)
        if derived is None:
            base = self._keys.get(_DERIVE_VERSION)
            if base is None:
                raise MasterKeyError("master key version 1 is needed to derive subkeys")
            info = _DERIVE_INFO_PREFIX + label.encode("utf-8")
            derived = self._derived.setdefault(label, hkdf_sha256(base, info=info))
        return derived

    def rotate(self) -> int:
        """Add a fresh newest version, persist it (file provider only) and return it."""
        if self._store is None:
            raise MasterKeyError("only a file master key can be rotated")
        with self._lock:
            version = self.current_version + 1
            if version > _MAX_VERSION:
                raise MasterKeyError("master key version out of range")
            keys = {**self._keys, version: secrets.token_bytes(KEY_SIZE)}
            self._store.save(keys)
            self._keys = keys
        return version


def _file_path(rest: str) -> Path:
    if rest.startswith("//"):
        if not rest.startswith("///"):
            raise MasterKeyError("file: master key URL must not name a host")
        rest = rest[2:]
    path = Path(rest)
    if not path.is_absolute():
        raise MasterKeyError("file: master key URL needs an absolute path")
    return path


def open_master_key(url: str, *, create: bool = False) -> MasterKeyRing:
    """Open the ring at ``file:/abs/path`` or ``env:VARNAME`` (see the module docstring)."""
    scheme, sep, rest = url.partition(":")
    if scheme == "file" and sep:
        store = _KeyFile(_file_path(rest))
        if create and not os.path.lexists(store.path):
            return MasterKeyRing(store.create(), _store=store)
        return MasterKeyRing(store.load(), _store=store)
    if scheme == "env" and sep and rest:
        value = os.environ.get(rest)
        if not value:
            raise MasterKeyError(f"environment variable {rest} holds no master key")
        return MasterKeyRing(_parse_env(value))
    raise MasterKeyError("master key URL must be file:/abs/path or env:VARNAME")
