"""The service's signing keys as every worker sees them: re-read from the database as it runs.

A rotation (``wallet keys rotate-signing``) writes a new key that signs only from a later time,
and the date the current one retires; each worker process re-reads the keys every
``WALLET_KEY_REFRESH_SECONDS`` (and the ring itself follows its keys' dates on the injected
clock), so no worker needs a restart and none signs with a key the others do not publish.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import crypto
import storage

log = logging.getLogger("wallet.keys")


def signing_aad(kid: str) -> bytes:
    """Associated data binding a sealed signing key to its ``kid``."""
    return b"service-signing-key|" + kid.encode()


def envelope(master: crypto.MasterKeyRing, secret: bytes, aad: bytes) -> bytes:
    """Seal ``secret`` under a fresh key wrapped by the master key: ``len(wrapped) ‖ wrapped ‖ sealed``."""
    key = crypto.new_key()
    wrapped = master.wrap(key, aad)
    return len(wrapped).to_bytes(2, "big") + wrapped + crypto.seal(key, secret, aad)


def open_envelope(master: crypto.MasterKeyRing, blob: bytes, aad: bytes) -> bytes:
    """The secret sealed by ``envelope``."""
    size = int.from_bytes(blob[:2], "big")
    key = master.unwrap(blob[2 : 2 + size], aad)
    return crypto.open_sealed(key, blob[2 + size :], aad)


def _seconds(value: dt.datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def load_service_keys(
    master: crypto.MasterKeyRing, metadata: storage.Metadata, *, clock: Callable[[], float] = time.time
) -> crypto.ServiceKeyRing:
    """Unwrap the service's signing keys from the metadata store."""
    with metadata.unit_of_work(readonly=True) as uow:
        records = uow.signing_keys.all()
    keys = [
        crypto.ServiceKey(
            kid=r.kid,
            private=crypto.load_private_key_pem(open_envelope(master, r.wrapped_private, signing_aad(r.kid))),
            created_at=int(r.created_at.timestamp()),
            retired_at=_seconds(r.retired_at),
        )
        for r in records
    ]
    return crypto.ServiceKeyRing(keys, clock=clock)


@dataclass(frozen=True, slots=True)
class Rotation:
    """What a rotation did: the new key, when it signs, and when the one before it retires."""

    kid: str
    signs_from: dt.datetime
    previous: str | None
    previous_retires: dt.datetime | None


def first_signing_key(master: crypto.MasterKeyRing, metadata: storage.Metadata, *, now: int) -> str | None:
    """The service's first signing key, made unless some key is current already; its ``kid``, or
    None when there was one. Safe when several nodes start at once on one fresh database: the check
    and the insert are one transaction (on SQLite one writer at a time), and the database keeps at
    most one current key (migration 0015), so the later of two racing nodes fails its insert,
    re-reads and keeps the other's key."""
    key = crypto.ServiceKeyRing.new_key(now)
    record = storage.SigningKeyRecord(
        kid=key.kid,
        wrapped_private=envelope(master, crypto.private_key_pem(key.private), signing_aad(key.kid)),
        created_at=dt.datetime.fromtimestamp(key.created_at, tz=dt.UTC),
        retired_at=None,
    )
    try:
        with metadata.unit_of_work() as uow:
            if any(r.retired_at is None for r in uow.signing_keys.all()):
                return None
            uow.signing_keys.add(record)
            uow.commit()
    except storage.Conflict:
        with metadata.unit_of_work(readonly=True) as uow:
            if any(r.retired_at is None for r in uow.signing_keys.all()):
                log.info("another node made the first service signing key first: using it")
                return None
        raise
    log.info("first service signing key %s", key.kid)
    return key.kid


def rotate_signing_key(
    master: crypto.MasterKeyRing, metadata: storage.Metadata, *, now: int, announce: int, overlap: int
) -> Rotation:
    """Add a key that signs from ``now + announce``; the current key retires ``overlap`` later.

    In between both sign and verify: the new one everything but trust lists, the old one trust
    lists, so a verifier that pinned the old key learns the new one on its next sync.
    """
    key = crypto.ServiceKeyRing.new_key(now + announce)
    signs_from = dt.datetime.fromtimestamp(key.created_at, tz=dt.UTC)
    retires = signs_from + dt.timedelta(seconds=overlap)
    record = storage.SigningKeyRecord(
        kid=key.kid,
        wrapped_private=envelope(master, crypto.private_key_pem(key.private), signing_aad(key.kid)),
        created_at=signs_from,
        retired_at=None,
    )
    with metadata.unit_of_work() as uow:
        live = [r for r in uow.signing_keys.all() if r.retired_at is None or r.retired_at > retires]
        for earlier in live:
            uow.signing_keys.retire(earlier.kid, retires)
        uow.signing_keys.add(record)
        uow.commit()
    previous = max(live, key=lambda r: r.created_at).kid if live else None
    log.info("new service signing key %s signs from %s", key.kid, signs_from.isoformat())
    return Rotation(key.kid, signs_from, previous, retires if live else None)


class LiveKeyRing:
    """The key ring, re-read every ``refresh`` seconds; a failed read keeps the last ring."""

    def __init__(self, load: Callable[[], crypto.ServiceKeyRing], *, refresh: float) -> None:
        self._load = load
        self._refresh = refresh
        self._ring = load()
        self._loaded = time.monotonic()
        self._lock = threading.Lock()

    def get(self) -> crypto.ServiceKeyRing:
        """The ring, fresh within ``refresh`` seconds."""
        if time.monotonic() - self._loaded >= self._refresh and self._lock.acquire(blocking=False):
            try:
                self._ring = self._load()
            except (storage.StorageError, crypto.CryptoError) as exc:
                log.warning("signing keys not re-read (%s): keeping the last ones", type(exc).__name__)
            finally:
                self._loaded = time.monotonic()
                self._lock.release()
        return self._ring
