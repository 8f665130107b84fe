"""Make a citizen's log refuse every append, for real, to test that a change and its entry are one.

The stored head's root no longer matches the stored tree, so the next append finds the log
corrupted and refuses (500 ``access_log_corrupted``); the change made in the same transaction must
then be rolled back with it. ``broken_log`` mends the head on leaving.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import Engine, text

__all__ = ["assert_corrupted", "broken_log", "log_size"]


def log_size(engine: Engine, citizen_id: str) -> int:
    """The citizen's log size as stored (0 before its first entry)."""
    with engine.connect() as connection:
        size = connection.execute(
            text("SELECT size FROM log_heads WHERE citizen_id = :c"), {"c": citizen_id}
        ).scalar()
    return int(size or 0)


def _set_root(engine: Engine, citizen_id: str, root: bytes) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE log_heads SET root_hash = :r WHERE citizen_id = :c"), {"r": root, "c": citizen_id}
        )


@contextmanager
def broken_log(engine: Engine, citizen_id: str) -> Iterator[None]:
    """Within: every append to the citizen's log is refused as corrupted. Mended on leaving."""
    with engine.connect() as connection:
        root = connection.execute(
            text("SELECT root_hash FROM log_heads WHERE citizen_id = :c"), {"c": citizen_id}
        ).scalar_one()
    _set_root(engine, citizen_id, bytes(32))
    try:
        yield
    finally:
        _set_root(engine, citizen_id, bytes(root))


def assert_corrupted(response: httpx.Response) -> None:
    """The answer to a step whose log entry could not be appended: a 500 problem, in vi and en."""
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "access_log_corrupted" and problem["title"] and problem["detail"]
