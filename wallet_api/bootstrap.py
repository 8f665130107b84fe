"""The composition root: the only place adapters and keys are chosen from settings."""

from __future__ import annotations

import logging
import time

import crypto
import storage
from consent.log import AccessLog
from storage.reserve import SpaceReserve
from storage.sql import SqlMetadata
from storage.sql_log import SqlLogStore
from wallet_api import keyring
from wallet_api.context import Clock, Context
from wallet_api.keyring import Rotation
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
        keyring.first_signing_key(master, metadata, now=int(time.time()))
    finally:
        metadata.close()
    storage.open_blob_store(settings.blob_url, timeouts=settings.timeouts)


def build_context(settings: Settings, *, clock: Clock = time.time) -> Context:
    """Open every adapter named by ``settings`` (the data directory must be initialised)."""
    master = crypto.open_master_key(settings.master_key_url)
    reserve = space_reserve(settings)
    metadata = storage.open_metadata(
        settings.database_url,
        timeouts=settings.timeouts,
        reserve=reserve,
        replay_purge=storage.ReplayPurge(settings.replay_purge_every, settings.replay_purge_batch, clock),
    )
    blobs = storage.open_blob_store(settings.blob_url, timeouts=settings.timeouts, reserve=reserve)
    keys = keyring.LiveKeyRing(
        lambda: keyring.load_service_keys(master, metadata, clock=clock), refresh=settings.key_refresh_seconds
    )
    return Context(
        settings=settings,
        master=master,
        metadata=metadata,
        blobs=blobs,
        keys=keys,
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


def rotate_signing_key(
    master: crypto.MasterKeyRing, metadata: storage.Metadata, settings: Settings, *, now: bool = False
) -> Rotation:
    """Rotate with the configured announcement and overlap (``now``: sign at once, an emergency)."""
    announce = 0 if now else settings.key_announce_seconds
    return keyring.rotate_signing_key(
        master, metadata, now=int(time.time()), announce=announce, overlap=settings.key_overlap_seconds
    )
