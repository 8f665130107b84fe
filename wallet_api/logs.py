"""Structured, secret-free logging."""

from __future__ import annotations

import logging
import os
import sys


def configure_logging(level: str | None = None) -> None:
    """Key=value lines on stderr; request headers and bodies are never logged."""
    logging.basicConfig(
        level=(level or os.environ.get("WALLET_LOG_LEVEL", "INFO")).upper(),
        stream=sys.stderr,
        format="ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)r",
    )
