"""Access tokens: compact JWTs MACed with HMAC-SHA256 under a server-only key.

Only the server mints and checks these, so the header is fixed and compared as
bytes: a token whose header says anything else (``alg: none``, ES256, another
``kid``) is refused before any parsing, and the MAC is compared in constant time.
"""

import hmac
from collections.abc import Mapping
from typing import Any

from crypto._encoding import b64url_decode, b64url_encode, json_compact, json_object
from crypto._hazmat import KEY_SIZE, hmac_sha256
from crypto.errors import CryptoError, InvalidToken, KeyError_

__all__ = ["ACCESS_TOKEN_KID", "MAX_TOKEN_LENGTH", "TokenMinter"]

ACCESS_TOKEN_KID = "wallet-at-1"  # noqa: S105 - a key id, not a secret
MAX_TOKEN_LENGTH = 8192
_HEADER = b64url_encode(json_compact({"alg": "HS256", "typ": "at+jwt", "kid": ACCESS_TOKEN_KID}))


class TokenMinter:
    """Mints and checks access tokens under one 32-byte key (e.g. ``derive("access-token")``)."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != KEY_SIZE:
            raise KeyError_("access-token key must be 32 bytes")
        self._key = key

    def _mac(self, signing_input: str) -> str:
        return b64url_encode(hmac_sha256(self._key, signing_input.encode("ascii")))

    def mint(self, claims: Mapping[str, Any]) -> str:
        """``header.claims.mac``; ``claims`` must hold an integer ``exp``."""
        if type(claims.get("exp")) is not int:
            raise CryptoError("access-token claims need an integer exp")
        try:
            payload = b64url_encode(json_compact(claims))
        except ValueError:
            raise CryptoError("access-token claims are not JSON-serialisable") from None
        signing_input = f"{_HEADER}.{payload}"
        return f"{signing_input}.{self._mac(signing_input)}"

    def check(self, token: str, *, now: int) -> dict[str, Any]:
        """The claims of a token this key minted that has not expired at ``now``."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidToken()
        header, _, rest = token.partition(".")
        payload, dot, mac = rest.partition(".")
        if header != _HEADER or not dot:
            raise InvalidToken()
        expected = self._mac(f"{header}.{payload}")
        if not hmac.compare_digest(mac, expected):
            raise InvalidToken()
        try:
            claims = json_object(b64url_decode(payload))
        except ValueError:
            raise InvalidToken() from None
        exp = claims.get("exp")
        if type(exp) is not int or now >= exp:
            raise InvalidToken()
        return claims
