"""Pause points for crash tests: a named spot in the request path where a test can kill the process.

Off unless ``WALLET_TEST_PAUSE_AT`` names the point (read once, at import; the
check is then one string comparison). When on, the first request to reach it
creates the file ``WALLET_TEST_PAUSE_MARK`` (so the test knows it is there)
and sleeps ``PAUSE_SECONDS``; later requests, and a restarted process that
finds the mark, pass straight through. Tests only: nothing in production sets
these variables.
"""

from __future__ import annotations

import os
import time

__all__ = ["PAUSE_SECONDS", "pause_point"]

PAUSE_SECONDS = 30.0
_POINT = os.environ.get("WALLET_TEST_PAUSE_AT", "")
_MARK = os.environ.get("WALLET_TEST_PAUSE_MARK", "")


def pause_point(name: str) -> None:
    """Sleep here once if the environment names this point (see the module docstring)."""
    if not _POINT or name != _POINT or not _MARK:
        return
    try:
        os.close(os.open(_MARK, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return  # paused here once already
    time.sleep(PAUSE_SECONDS)
