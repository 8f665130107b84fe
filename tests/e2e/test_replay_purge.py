"""Expired replay ids go while the service runs, in bounded batches, without ``wallet collect``.

A real ``wallet serve`` of each backend purging one batch of at most 50
expired ids every 5 new ones. Expired rows are planted as an insider would
(straight into ``replay``), then ordinary authenticated requests are made:
the expired rows are gone, the live ones stay, and a DPoP proof used before
the purges is still refused when replayed after them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable

import httpx
from sqlalchemy import Engine, func, insert, select

import storage
from storage.tables import REPLAY
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]
PLANTED = 120


def _counts(engine: Engine) -> tuple[int, int]:
    """(expired rows, live rows) in ``replay`` now."""
    now = dt.datetime.now(dt.UTC)
    with engine.connect() as connection:
        expired = connection.execute(
            select(func.count()).select_from(REPLAY).where(REPLAY.c.expires_at < now)
        ).scalar_one()
        live = connection.execute(
            select(func.count()).select_from(REPLAY).where(REPLAY.c.expires_at >= now)
        ).scalar_one()
    return int(expired), int(live)


def test_expired_replay_ids_are_purged_while_serving_and_live_ones_still_refuse(
    make_server: Callable[..., WalletServer], backend_of: Backend
) -> None:
    server = make_server(env={"WALLET_REPLAY_PURGE_EVERY": "5", "WALLET_REPLAY_PURGE_BATCH": "50"})
    citizen = RawCitizen(server.url)
    assert citizen.enrol().status_code == 201 and citizen.login().status_code == 200
    metadata, _ = backend_of(server)
    engine: Engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine, as an insider sees it
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with engine.begin() as connection:
        connection.execute(
            insert(REPLAY),
            [
                {"scope": "dpop", "jti_sha256": hashlib.sha256(os.urandom(16)).digest(), "expires_at": past}
                for _ in range(PLANTED)
            ],
        )
    assert _counts(engine)[0] >= PLANTED

    path = "/v1/me"
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": citizen.proof("GET", path)}
    assert httpx.get(server.url + path, headers=headers).status_code == 200  # its id is now live
    for _ in range(40):  # ordinary traffic: 8 batches of up to 50 in this process
        assert citizen.request("GET", path).status_code == 200

    expired, live = _counts(engine)
    assert expired == 0, f"{expired} expired replay ids left without wallet collect"
    assert live >= 41  # every id of the traffic above is kept until it expires
    replayed = httpx.get(server.url + path, headers=headers)
    assert replayed.status_code == 401
    assert replayed.headers["content-type"].startswith("application/problem+json")
