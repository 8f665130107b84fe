"""The phone's log check reports a misshapen server answer as tampering instead of crashing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mobile_stub.log_check import LogTampered, check_log


class _Server:
    """Answers the log check's questions with whatever page a test gives it."""

    def __init__(self, home: Path, page: Any, jwks: Any) -> None:
        self.device = SimpleNamespace(home=home)
        self._page, self._jwks = page, jwks

    def log_page(self, start: int, count: int) -> Any:
        return self._page

    def service_jwks(self) -> Any:
        return self._jwks

    def consistency(self, first: int, second: int) -> Any:
        return {}


@pytest.mark.parametrize(
    "page, jwks",
    [
        ({"tree_head": "not-a-jws", "tree_size": 1, "entries": []}, {"keys": []}),
        ({"tree_head": "a.b.c", "tree_size": "many", "entries": []}, {"keys": [{"kid": "x"}]}),
        ({"tree_head": None, "entries": ["x"]}, {"keys": [None, {"kid": None, "kty": 1}]}),
    ],
)
def test_a_misshapen_page_is_tampering(tmp_path: Path, page: Any, jwks: Any) -> None:
    with pytest.raises(LogTampered):
        check_log(_Server(tmp_path, page, jwks), "00000000-0000-4000-8000-000000000000")  # type: ignore[arg-type]
    assert not (tmp_path / "log_head.json").exists()  # nothing remembered from a bad answer
