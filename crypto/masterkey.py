"""The master key ring: versioned 256-bit keys from a ``file:`` or ``env:`` provider.

``file:/abs/path`` (also ``file:///abs/path``) names a JSON file
``{"keys": {"1": "<b64url 32 bytes>", "2": ...}}`` that must be a regular file
with no group or other permission bits (0600 or stricter). With ``create=True``
a missing file is created atomically with mode 0600 and one fresh key, its
parent directory with 0700; this is the only I/O in ``crypto``.
``env:VARNAME`` reads the b64url of one 32-byte key (version 1) or the same JSON.
A missing or malformed key is a ``MasterKeyError``, never a random fallback.

Key epochs (``docs/erasure.md``): the file may also hold ``"derive"``, the HKDF-SHA256
pseudo-random key extracted from version 1 (so version 1 can be destroyed while every
``derive(label)`` stays the same: HKDF-Extract is one-way, the PRK opens no wrap), and
``"epochs"``: ``{"<version>": {"since": <unix s>, "drained": <unix s> | null}}``, when a
version became the wrapping one and when no live row used it any more. ``destroy(version)``
removes a version for good.

Only one process should rotate a given file (the operator CLI); a ring opened from a file
re-reads it (at most every ``REFRESH_SECONDS``) when asked to unwrap a version it does not
hold, and before wrapping, so running servers follow a rotation without a restart.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto._encoding import b64url_decode, b64url_encode, json_object
from crypto._hazmat import KEY_SIZE, hkdf_expand_sha256, hmac_sha256
from crypto.errors import IntegrityError, MasterKeyError
from crypto.keys import unwrap_key, wrap_key

__all__ = ["EpochInfo", "MasterKeyRing", "open_master_key"]

_VERSION_BYTES = 4
_MAX_VERSION = (1 << 32) - 1
_DERIVE_VERSION = 1
_DERIVE_INFO_PREFIX = b"citizen-wallet/master-derive/"
_MAX_FILE_SIZE = 64 * 1024
REFRESH_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class EpochInfo:
    """When a version began wrapping (``since``) and when no live row used it any more."""

    since: int | None
    drained: int | None


@dataclass(slots=True)
class _Contents:
    """Everything a key file holds."""

    keys: dict[int, bytes]
    derive_root: bytes | None
    epochs: dict[int, EpochInfo]


def _extract(version_one: bytes) -> bytes:
    """HKDF-Extract(salt = 32 zero bytes, version 1): what ``derive`` expands (RFC 5869)."""
    return hmac_sha256(b"\x00" * KEY_SIZE, version_one)


class _KeyFile:
    """The ``file:`` provider: reads, creates and atomically rewrites the JSON key file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> _Contents:
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
        return _parse_contents(data)

    def stamp(self) -> tuple[int, int] | None:
        """Inode and modification time: a changed stamp means the file was replaced."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

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

    def create(self) -> _Contents:
        """Create the file with one fresh key; if another process won the race, load theirs."""
        keys = _Contents({1: secrets.token_bytes(KEY_SIZE)}, None, {1: EpochInfo(int(time.time()), None)})
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

    def save(self, keys: _Contents) -> None:
        """Replace the file atomically (temp file, fsync, rename, fsync the directory)."""
        temp = self._write_temp(keys)
        try:
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise MasterKeyError(f"cannot replace master key file: {exc.strerror}") from None
        self._sync_dir()

    def _write_temp(self, contents: _Contents) -> Path:
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        keys = contents.keys
        document: dict[str, Any] = {"keys": {str(v): b64url_encode(keys[v]) for v in sorted(keys)}}
        if contents.derive_root is not None:
            document["derive"] = b64url_encode(contents.derive_root)
        if contents.epochs:
            document["epochs"] = {
                str(v): {"since": e.since, "drained": e.drained} for v, e in sorted(contents.epochs.items())
            }
        body = json.dumps(document, indent=2).encode("utf-8")
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
    return _parse_contents(data).keys


def _timestamp(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MasterKeyError("master key epochs hold unix seconds or null")
    return value


def _parse_contents(data: bytes | str) -> _Contents:
    try:
        document = json_object(data)
    except ValueError:
        raise MasterKeyError("master key is not valid JSON") from None
    keys = _parse_keys(document)
    root: bytes | None = None
    if "derive" in document:
        encoded = document["derive"]
        try:
            root = b64url_decode(encoded) if isinstance(encoded, str) else b""
        except ValueError:
            root = b""
        if len(root) != KEY_SIZE:
            raise MasterKeyError('master key "derive" is not 32 bytes of b64url')
    if root is None and 1 not in keys:
        raise MasterKeyError('master key file without version 1 needs its "derive" root')
    epochs: dict[int, EpochInfo] = {}
    raw = document.get("epochs", {})
    if not isinstance(raw, dict):
        raise MasterKeyError('master key "epochs" must be an object')
    for name, entry in raw.items():
        if not isinstance(name, str) or not name.isdigit() or not isinstance(entry, dict):
            raise MasterKeyError('master key "epochs" are keyed by version')
        if int(name) in keys:
            epochs[int(name)] = EpochInfo(_timestamp(entry.get("since")), _timestamp(entry.get("drained")))
    return _Contents(keys, root, epochs)


def _parse_env(value: str) -> _Contents:
    value = value.strip()
    if value.startswith("{"):
        return _parse_contents(value)
    try:
        key = b64url_decode(value)
    except ValueError:
        key = b""
    if len(key) != KEY_SIZE:
        raise MasterKeyError("master key variable must hold b64url of 32 bytes, or key JSON")
    return _Contents({1: key}, None, {})


class MasterKeyRing:
    """Versioned master keys: wrap with the newest, unwrap with any, derive from version 1's root."""

    def __init__(
        self,
        keys: Mapping[int, bytes],
        *,
        derive_root: bytes | None = None,
        epochs: Mapping[int, EpochInfo] | None = None,
        _store: _KeyFile | None = None,
    ) -> None:
        if not keys or any(not isinstance(k, bytes) or len(k) != KEY_SIZE for k in keys.values()):
            raise MasterKeyError("master key ring needs at least one 32-byte key")
        self._keys = dict(keys)
        self._root = derive_root
        self._epochs = dict(epochs or {})
        self._store = _store
        self._stamp = _store.stamp() if _store is not None else None
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._derived: dict[str, bytes] = {}

    @classmethod
    def _from(cls, contents: _Contents, store: _KeyFile | None) -> MasterKeyRing:
        return cls(contents.keys, derive_root=contents.derive_root, epochs=contents.epochs, _store=store)

    @property
    def current_version(self) -> int:
        """The newest version, used by :meth:`wrap`."""
        return max(self._keys)

    @property
    def versions(self) -> tuple[int, ...]:
        """Every version present, oldest first."""
        return tuple(sorted(self._keys))

    def epoch(self, version: int) -> EpochInfo:
        """When ``version`` began wrapping and when it was drained (``None`` when not recorded)."""
        return self._epochs.get(version, EpochInfo(None, None))

    @staticmethod
    def version_of(wrapped: bytes) -> int:
        """The master-key version a wrapped key names (0 if it is too short to name one)."""
        prefix = bytes(wrapped[:_VERSION_BYTES])
        return int.from_bytes(prefix, "big") if len(prefix) == _VERSION_BYTES else 0

    def wrap(self, key: bytes, aad: bytes) -> bytes:
        """Wrap a 32-byte key with the newest version: ``version u32 BE ‖ sealed``."""
        self.refresh()
        version = self.current_version
        prefix = version.to_bytes(_VERSION_BYTES, "big")
        return prefix + wrap_key(self._keys[version], key, prefix + aad)

    def unwrap(self, wrapped: bytes, aad: bytes) -> bytes:
        """Unwrap with whichever version ``wrapped`` names; ``IntegrityError`` on any failure."""
        prefix = bytes(wrapped[:_VERSION_BYTES])
        if len(prefix) != _VERSION_BYTES:
            raise IntegrityError()
        version = int.from_bytes(prefix, "big")
        master = self._keys.get(version)
        if master is None and version > self.current_version:
            self.refresh(force=True)  # a rotation by the operator CLI: follow it
            master = self._keys.get(version)
        if master is None:
            raise IntegrityError()
        return unwrap_key(master, wrapped[_VERSION_BYTES:], prefix + aad)

    def rewrap(self, wrapped: bytes, aad: bytes) -> bytes:
        """``wrapped`` under the newest version (the same bytes when it already is)."""
        if self.version_of(wrapped) == self.current_version:
            return wrapped
        return self.wrap(self.unwrap(wrapped, aad), aad)

    def derive(self, label: str) -> bytes:
        """A 32-byte subkey for ``label``: HKDF-SHA256 of version 1, stable across rotation and
        across version 1's destruction (its extracted root is kept)."""
        derived = self._derived.get(label)
        if derived is None:
            root = self._root
            if root is None:
                base = self._keys.get(_DERIVE_VERSION)
                if base is None:
                    raise MasterKeyError("master key version 1 is needed to derive subkeys")
                root = _extract(base)
            info = _DERIVE_INFO_PREFIX + label.encode("utf-8")
            derived = self._derived.setdefault(label, hkdf_expand_sha256(root, info=info))
        return derived

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the key file if it changed (at most every ``REFRESH_SECONDS`` unless forced)."""
        store = self._store
        if store is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < REFRESH_SECONDS:
            return
        self._checked = now
        stamp = store.stamp()
        if stamp is None or stamp == self._stamp:
            return
        try:
            contents = store.load()
        except MasterKeyError:
            return  # keep what we hold; the next look tries again
        with self._lock:
            self._keys, self._root, self._epochs, self._stamp = (
                contents.keys,
                contents.derive_root,
                contents.epochs,
                stamp,
            )

    def _contents(self) -> _Contents:
        root = self._root
        if root is None and _DERIVE_VERSION in self._keys:
            root = _extract(self._keys[_DERIVE_VERSION])
        return _Contents(dict(self._keys), root, dict(self._epochs))

    def _persist(self, contents: _Contents) -> None:
        if self._store is None:
            raise MasterKeyError("only a file master key can be rotated or destroyed")
        self._store.save(contents)
        self._keys, self._root, self._epochs = contents.keys, contents.derive_root, contents.epochs
        self._stamp = self._store.stamp()

    def _reloaded(self) -> _Contents:
        if self._store is None:
            raise MasterKeyError("only a file master key can be rotated or destroyed")
        contents = self._store.load()  # another operator command may have changed it
        self._keys, self._root, self._epochs = contents.keys, contents.derive_root, contents.epochs
        return self._contents()

    def rotate(self, *, now: int | None = None) -> int:
        """Add a fresh newest version, persist it (file provider only) and return it."""
        with self._lock:
            contents = self._reloaded()
            version = max(contents.keys) + 1
            if version > _MAX_VERSION:
                raise MasterKeyError("master key version out of range")
            contents.keys[version] = secrets.token_bytes(KEY_SIZE)
            contents.epochs[version] = EpochInfo(int(time.time()) if now is None else now, None)
            self._persist(contents)
        return version

    def mark_drained(self, version: int, at: int) -> None:
        """Record that no live row uses ``version`` since ``at`` (kept if recorded earlier)."""
        with self._lock:
            contents = self._reloaded()
            if version not in contents.keys or version == max(contents.keys):
                raise MasterKeyError("only an old master key version can be drained")
            info = contents.epochs.get(version, EpochInfo(None, None))
            if info.drained is not None:
                return
            contents.epochs[version] = EpochInfo(info.since, at)
            self._persist(contents)

    def destroy(self, version: int) -> None:
        """Remove ``version`` from the key file for good (never the newest one).

        Its wraps can never be opened again, wherever they were copied; ``derive`` keeps working
        from the saved root. The caller checks that no live row uses it (``wallet keys destroy-master``).
        """
        with self._lock:
            contents = self._reloaded()
            if version not in contents.keys:
                raise MasterKeyError(f"master key version {version} does not exist")
            if version == max(contents.keys):
                raise MasterKeyError("the newest master key version cannot be destroyed")
            del contents.keys[version]
            contents.epochs.pop(version, None)
            self._persist(contents)


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
            return MasterKeyRing._from(store.create(), store)
        return MasterKeyRing._from(store.load(), store)
    if scheme == "env" and sep and rest:
        value = os.environ.get(rest)
        if not value:
            raise MasterKeyError(f"environment variable {rest} holds no master key")
        return MasterKeyRing._from(_parse_env(value), None)
    raise MasterKeyError("master key URL must be file:/abs/path or env:VARNAME")
