"""The service's own ES256 keys: a ring that signs with the newest and verifies by ``kid``.

Retired keys stay in the ring (and in the JWKS) so what they signed still
verifies; the operator drops a key once everything it signed has expired.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crypto.errors import InvalidSignature, KeyError_
from crypto.jose import (
    ALGORITHM,
    EcPrivateKey,
    EcPublicKey,
    generate_private_key,
    jwk_thumbprint,
    parse_compact,
    public_jwk,
    sign_jws,
    verify_parsed,
)

__all__ = ["ServiceKey", "ServiceKeyRing"]


@dataclass(frozen=True, slots=True)
class ServiceKey:
    """One service signing key; ``retired_at`` set means verify-only."""

    kid: str
    private: EcPrivateKey = field(repr=False)
    created_at: int
    retired_at: int | None = None

    def public_jwk(self) -> dict[str, str]:
        """The published JWK: public part plus ``kid``, ``alg`` and ``use``."""
        return {**public_jwk(self.private), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


class ServiceKeyRing:
    """Signs with the newest unretired key, verifies with any key found by ``kid``."""

    def __init__(self, keys: Sequence[ServiceKey]) -> None:
        if not keys:
            raise KeyError_("a service key ring needs at least one key")
        public: dict[str, EcPublicKey] = {}
        for key in keys:
            if not key.kid or key.kid in public:
                raise KeyError_("service key ids must be unique and non-empty")
            public_jwk(key.private)  # KeyError_ now, not at first use, for a non-P-256 key
            public[key.kid] = key.private.public_key()
        self._keys = tuple(keys)
        self._public: Mapping[str, EcPublicKey] = public
        active = [key for key in self._keys if key.retired_at is None]
        self._current = max(active, key=lambda k: k.created_at) if active else None

    @property
    def keys(self) -> tuple[ServiceKey, ...]:
        """Every key in the ring, as given."""
        return self._keys

    @property
    def current(self) -> ServiceKey:
        """The newest key that is not retired; ``KeyError_`` if all are."""
        if self._current is None:
            raise KeyError_("every service key is retired")
        return self._current

    def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """A compact ES256 JWS by the current key, with its ``kid`` in the header."""
        current = self.current
        return sign_jws(current.private, claims, typ=typ, kid=current.kid)

    def verify(self, token: str, *, typ: str) -> dict[str, Any]:
        """Claims of a token signed by any key of the ring (found by ``kid``)."""
        parsed = parse_compact(token)  # parsed once, as check_dpop_proof does
        kid = parsed.header.get("kid")
        public = self._public.get(kid) if isinstance(kid, str) else None
        if public is None:
            raise InvalidSignature()
        return verify_parsed(parsed, public, typ=typ)

    def public_keys(self) -> dict[str, EcPublicKey]:
        """Every published verification key by ``kid`` (current and rotated)."""
        return dict(self._public)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS to publish: every key in the ring, retired ones included."""
        return {"keys": [key.public_jwk() for key in self._keys]}

    @staticmethod
    def new_key(now: int) -> ServiceKey:
        """A fresh key created at ``now`` whose ``kid`` is its RFC 7638 thumbprint."""
        private = generate_private_key()
        return ServiceKey(kid=jwk_thumbprint(public_jwk(private)), private=private, created_at=now)
