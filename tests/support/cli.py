"""Run the project's console programs (wallet-mobile, wallet-verify) as real subprocesses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``module.main()`` with ``args``, as a separate process (its own imports, exit code, output)."""
    command = [sys.executable, "-c", f"from {module} import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def phone(server_url: str, home: Path) -> Run:
    """A ``wallet-mobile`` bound to one server and one device home."""

    def run(*args: str, lang: str = "vi") -> subprocess.CompletedProcess[str]:
        return run_module(
            "mobile_stub.cli", "--server", server_url, "--home", str(home), "--lang", lang, *args
        )

    return run
