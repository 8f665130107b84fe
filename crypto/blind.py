"""Blind index: a keyed, deterministic lookup value for a secret such as a national ID."""

import unicodedata

from crypto._hazmat import KEY_SIZE, hmac_sha256
from crypto.errors import KeyError_

__all__ = ["blind_index"]


def blind_index(key: bytes, value: str) -> str:
    """Hex HMAC-SHA256 under ``key`` of the NFC-normalised, UTF-8 encoded ``value``.

    NFC makes composed and decomposed spellings of the same text (common in
    Vietnamese input) give one index. Nothing else is normalised: callers that
    want case or whitespace folding do it before, on purpose.
    """
    if not isinstance(key, bytes) or len(key) != KEY_SIZE:
        raise KeyError_("blind-index key must be 32 bytes")
    normalised = unicodedata.normalize("NFC", value)
    # surrogatepass: a str with lone surrogates still gets a deterministic index, no error.
    return hmac_sha256(key, normalised.encode("utf-8", "surrogatepass")).hex()
