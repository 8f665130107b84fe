"""The service context: adapters and keys chosen once by the composition root."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import crypto
import storage
from consent.log import AccessLog
from wallet_api.keyring import LiveKeyRing
from wallet_api.settings import Settings

Clock = Callable[[], float]


@dataclass(slots=True)
class Context:
    """What every service needs; built by ``wallet_api.bootstrap.build_context``."""

    settings: Settings
    master: crypto.MasterKeyRing
    metadata: storage.Metadata
    blobs: storage.BlobStore
    keys: LiveKeyRing
    tokens: crypto.TokenMinter
    blind_key: bytes
    access_log: AccessLog
    clock: Clock = time.time

    @property
    def service_keys(self) -> crypto.ServiceKeyRing:
        """The signing keys, as rotated (re-read from the database every few seconds)."""
        return self.keys.get()

    def now(self) -> int:
        """Whole seconds since the epoch, from the injected clock."""
        return int(self.clock())

    def base_url(self) -> str:
        """The service's canonical base URL (the first of ``WALLET_PUBLIC_URL``, else where it listens)."""
        return self.settings.origins[0]

    def utcnow(self) -> dt.datetime:
        """The injected clock as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.clock(), tz=dt.UTC)
