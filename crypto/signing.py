"""The service's own ES256 keys: a ring that signs with the newest and verifies by ``kid``.

A key signs from its ``created_at`` (which may lie ahead: a rotation *announces* a key in the
JWKS and the trust list before it signs anything) until its ``retired_at``. Retired keys stay in
the ring (and in the JWKS) so what they signed still verifies; the operator drops a key once
everything it signed has expired. Trust lists are signed by the *anchor*, the oldest key still
signing, so that a verifier that pinned it follows a rotation without being reset.
"""

import time
from collections.abc import Callable, Mapping, Sequence
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
    created_at: int  # signs from then on (announced before, when it lies in the future)
    retired_at: int | None = None  # verify-only from then on

    def signs_at(self, now: float) -> bool:
        """Whether this key signs at ``now``."""
        return self.created_at <= now and (self.retired_at is None or now < self.retired_at)

    def public_jwk(self) -> dict[str, str]:
        """The published JWK: public part plus ``kid``, ``alg`` and ``use``."""
        return {**public_jwk(self.private), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


class ServiceKeyRing:
    """Signs with the newest unretired key, verifies with any key found by ``kid``."""

    def __init__(self, keys: Sequence[ServiceKey], *, clock: Callable[[], float] = time.time) -> None:
        if not keys:
            raise KeyError_("a service key ring needs at least one key")
        public: dict[str, EcPublicKey] = {}
        for key in keys:
            if not key.kid or key.kid in public:
                raise KeyError_("service key ids must be unique and non-empty")
            public_jwk(key.private)  # KeyError_ now, not at first use, for a non-P-256 key
            public[key.kid] = key.private.public_key()
        self._keys = tuple(sorted(keys, key=lambda k: (k.created_at, k.kid)))
        self._public: Mapping[str, EcPublicKey] = public
        self._clock = clock

    @property
    def keys(self) -> tuple[ServiceKey, ...]:
        """Every key in the ring, oldest first."""
        return self._keys

    def _signing(self) -> list[ServiceKey]:
        now = self._clock()
        signing = [key for key in self._keys if key.signs_at(now)]
        if not signing:
            raise KeyError_("no service key signs now (every key is retired or not yet active)")
        return signing

    @property
    def current(self) -> ServiceKey:
        """The newest key that signs now; ``KeyError_`` if none does."""
        return self._signing()[-1]

    @property
    def anchor(self) -> ServiceKey:
        """The oldest key that signs now: it signs trust lists during a rotation's overlap."""
        return self._signing()[0]

    def sign(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """A compact ES256 JWS by the current key, with its ``kid`` in the header."""
        current = self.current
        return sign_jws(current.private, claims, typ=typ, kid=current.kid)

    def sign_anchored(self, claims: Mapping[str, Any], *, typ: str) -> str:
        """A JWS by the anchor key: what verifiers that pinned an older key must still accept."""
        anchor = self.anchor
        return sign_jws(anchor.private, claims, typ=typ, kid=anchor.kid)

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
