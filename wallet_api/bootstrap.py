"""The composition root: the only place adapters and keys are chosen from settings."""

from __future__ import annotations

import datetime as dt
import logging
import time

import crypto
import storage
from consent.log import AccessLog
from storage.reserve import SpaceReserve
from storage.sql import SqlMetadata
from storage.sql_log import SqlLogStore
from wallet_api.context import Clock, Context
from wallet_api.services.access_log import SerialAccessLog
from wallet_api.settings import Settings

log = logging.getLogger("wallet.bootstrap")
MIGRATION_SECONDS = 3600.0


def initialise(settings: Settings) -> None:
    """Create the data directory, master key, schema and first signing key if missing."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    master = crypto.open_master_key(settings.master_key_url, create=True)
    # A migration may rewrite a large table: bound the connect, not the statements.
    timeouts = storage.Timeouts(connect=settings.connect_timeout_seconds, read=MIGRATION_SECONDS)
    metadata = storage.open_metadata(settings.database_url, timeouts=timeouts)
    try:
        metadata.migrate()
        _ensure_signing_key(master, metadata)
    finally:
        metadata.close()
    storage.open_blob_store(settings.blob_url, timeouts=settings.timeouts)


def build_context(settings: Settings, *, clock: Clock = time.time) -> Context:
    """Open every adapter named by ``settings`` (the data directory must be initialised)."""
    master = crypto.open_master_key(settings.master_key_url)
    reserve = space_reserve(settings)
    metadata = storage.open_metadata(settings.database_url, timeouts=settings.timeouts, reserve=reserve)
    blobs = storage.open_blob_store(settings.blob_url, timeouts=settings.timeouts, reserve=reserve)
    keys = load_service_keys(master, metadata)
    return Context(
        settings=settings,
        master=master,
        metadata=metadata,
        blobs=blobs,
        service_keys=keys,
        tokens=crypto.TokenMinter(master.derive("access-token")),
        blind_key=master.derive("blind-index"),
        access_log=open_access_log(metadata),
        clock=clock,
    )


def space_reserve(settings: Settings) -> SpaceReserve | None:
    """The embedded default's disk reserve for SQLite (``storage.reserve``); none for other backends."""
    if not (settings.database_url.startswith("sqlite:") and settings.blob_url.startswith("file:")):
        return None
    reserve = SpaceReserve(settings.data_dir / "space.reserve")
    if not reserve.ensure():
        log.warning("disk full at start-up: no space reserve for the metadata database")
    return reserve


def open_access_log(metadata: storage.Metadata) -> AccessLog:
    """The citizens' access logs, on the metadata database (its own short transactions)."""
    if not isinstance(metadata, SqlMetadata):
        raise TypeError("the access log needs the SQL metadata backend")
    return SerialAccessLog(SqlLogStore(metadata.engine))


def _signing_aad(kid: str) -> bytes:
    return b"service-signing-key|" + kid.encode()


def _envelope(master: crypto.MasterKeyRing, secret: bytes, aad: bytes) -> bytes:
    """Seal ``secret`` under a fresh key wrapped by the master key: ``len(wrapped) ‖ wrapped ‖ sealed``."""
    key = crypto.new_key()
    wrapped = master.wrap(key, aad)
    return len(wrapped).to_bytes(2, "big") + wrapped + crypto.seal(key, secret, aad)


def _open_envelope(master: crypto.MasterKeyRing, blob: bytes, aad: bytes) -> bytes:
    size = int.from_bytes(blob[:2], "big")
    key = master.unwrap(blob[2 : 2 + size], aad)
    return crypto.open_sealed(key, blob[2 + size :], aad)


def load_service_keys(master: crypto.MasterKeyRing, metadata: storage.Metadata) -> crypto.ServiceKeyRing:
    """Unwrap the service's signing keys from the metadata store."""
    with metadata.unit_of_work(readonly=True) as uow:
        records = uow.signing_keys.all()
    keys = [
        crypto.ServiceKey(
            kid=r.kid,
            private=crypto.load_private_key_pem(
                _open_envelope(master, r.wrapped_private, _signing_aad(r.kid))
            ),
            created_at=int(r.created_at.timestamp()),
            retired_at=int(r.retired_at.timestamp()) if r.retired_at else None,
        )
        for r in records
    ]
    return crypto.ServiceKeyRing(keys)


def _ensure_signing_key(master: crypto.MasterKeyRing, metadata: storage.Metadata) -> None:
    with metadata.unit_of_work(readonly=True) as uow:
        if any(r.retired_at is None for r in uow.signing_keys.all()):
            return
    rotate_signing_key(master, metadata)


def rotate_signing_key(master: crypto.MasterKeyRing, metadata: storage.Metadata) -> str:
    """Add a new service signing key; older ones stay published for verification."""
    now = int(time.time())
    key = crypto.ServiceKeyRing.new_key(now)
    record = storage.SigningKeyRecord(
        kid=key.kid,
        wrapped_private=_envelope(master, crypto.private_key_pem(key.private), _signing_aad(key.kid)),
        created_at=dt.datetime.fromtimestamp(now, tz=dt.UTC),
        retired_at=None,
    )
    with metadata.unit_of_work() as uow:
        uow.signing_keys.add(record)
        uow.commit()
    log.info("new service signing key %s", key.kid)
    return key.kid
