"""Typed reads of verified JWT claims; any surprise is an opaque ``InvalidSignature``."""

from collections.abc import Mapping
from typing import Any

from crypto.errors import InvalidSignature

__all__ = ["MAX_ID_LENGTH", "int_claim", "str_claim"]

MAX_ID_LENGTH = 256
"""Longest ``jti`` / client id / URL-ish claim we accept."""


def int_claim(claims: Mapping[str, Any], name: str) -> int:
    """The integer claim ``name`` (a JSON boolean is not an integer)."""
    value = claims.get(name)
    if type(value) is not int:
        raise InvalidSignature()
    return value


def str_claim(claims: Mapping[str, Any], name: str, *, max_length: int = MAX_ID_LENGTH) -> str:
    """The non-empty string claim ``name`` of at most ``max_length`` characters."""
    value = claims.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise InvalidSignature()
    return value
