"""The verifier's cached trust list and status lists, re-checked on every load.

A verifier pins the wallet service's JWKS on its first ``sync`` (or is given it),
then accepts a trust list only when one of the pinned keys signed it; a signed
trust list may announce rotated service keys (``service_jwks``). Status lists are
IETF Token Status Lists signed by the same keys. Nothing here touches the network:
``wallet-verify sync`` fetches, this module checks and stores.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crypto

TRUST_TYP = "trust-list+jwt"
STATUS_TYP = "statuslist+jwt"
MAX_STATUS_BYTES = 1 << 24  # 64 million entries at 2 bits


class TrustError(Exception):
    """The cache is missing, or a document in it is not signed by a trusted service key."""

    code = "untrusted_cache"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AgencyEntry:
    """An agency as the signed trust list describes it."""

    id: str
    name: str
    roles: frozenset[str]
    keys: dict[str, crypto.EcPublicKey]
    valid_from: int
    valid_until: int
    dissolved_at: int | None
    successor: str | None
    document_types: frozenset[str] = frozenset()  # what it is registered to issue

    def active_at(self, when: int) -> bool:
        """Inside its validity and not yet dissolved at ``when``."""
        if self.dissolved_at is not None and when >= self.dissolved_at:
            return False
        return self.valid_from <= when < self.valid_until


@dataclass(frozen=True, slots=True)
class TypeEntry:
    """A document type of the catalog as the signed trust list carries it (labels for verifiers)."""

    id: str
    vct: str | None
    name_vi: str
    name_en: str
    claims: dict[str, tuple[str, str]]  # claim name -> (Vietnamese label, English label)


@dataclass(slots=True)
class TrustStore:
    """What an offline verifier knows: service keys, agencies, status lists, PDF roots."""

    service_keys: dict[str, crypto.EcPublicKey]
    agencies: dict[str, AgencyEntry] = field(default_factory=dict)
    status_lists: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # uri -> (bits, expires)
    pdf_roots: list[bytes] = field(default_factory=list)
    issued_at: int = 0
    expires_at: int = 0
    types: dict[str, TypeEntry] = field(default_factory=dict)
    status_times: dict[str, tuple[int, int]] = field(default_factory=dict)  # uri -> (iat, ttl)
    # where agency X's status list lives: ``status_list_base + X`` (a credential must use its
    # issuer's own list; empty: no list is anyone's, every status reference is refused)
    status_list_base: str = ""

    def status_list_of(self, agency_id: str) -> str:
        """The URI of ``agency_id``'s own status list."""
        return self.status_list_base + agency_id

    def status_as_of(self, uri: str, now: int) -> int | None:
        """When the cached list at ``uri`` was issued, if it is older than its ``ttl`` (else None)."""
        issued, ttl = self.status_times.get(uri, (now, 0))
        return issued if now > issued + ttl else None

    def stale_status_lists(self, now: int) -> bool:
        """Whether any cached status list is past its ``ttl``: time to refresh when online."""
        return any(self.status_as_of(uri, now) is not None for uri in self.status_times)

    def type_for_vct(self, vct: str) -> TypeEntry | None:
        """The catalog type a credential's ``vct`` names, if any."""
        return next((t for t in self.types.values() if t.vct is not None and t.vct == vct), None)

    def status(self, uri: str, idx: int, *, now: int) -> int | None:
        """The 2-bit status of entry ``idx`` of the list at ``uri``; None (fail closed) if the list is not
        cached, has expired, or does not reach ``idx``."""
        entry = self.status_lists.get(uri)
        if entry is None:
            return None
        bits, expires = entry
        byte, shift = divmod(idx * 2, 8)
        if now >= expires or not 0 <= byte < len(bits):
            return None
        return (bits[byte] >> shift) & 0b11


def keys_of(jwks: Mapping[str, Any]) -> dict[str, crypto.EcPublicKey]:
    """The ES256 keys of a JWKS by ``kid``."""
    keys = {}
    for jwk in jwks.get("keys", []):
        public = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")}
        keys[str(jwk.get("kid") or crypto.jwk_thumbprint(public))] = crypto.public_key_from_jwk(public)
    return keys


def _verify(token: str, keys: Mapping[str, crypto.EcPublicKey], typ: str) -> dict[str, Any]:
    try:
        key = keys.get(str(crypto.unverified_header(token).get("kid", "")))
        if key is None:
            raise TrustError("unknown_service_key")
        return crypto.verify_jws(token, key, typ=typ)
    except crypto.CryptoError:
        raise TrustError("bad_signature") from None


def agency_entry(raw: Mapping[str, Any]) -> AgencyEntry:
    """An agency from its trust-list entry."""
    return AgencyEntry(
        id=str(raw["id"]),
        name=str(raw["name"]),
        roles=frozenset(raw.get("roles", [])),
        keys=keys_of(raw.get("jwks", {})),
        valid_from=int(raw["valid_from"]),
        valid_until=int(raw["valid_until"]),
        dissolved_at=int(raw["dissolved_at"]) if raw.get("dissolved_at") is not None else None,
        successor=raw.get("successor"),
        document_types=frozenset(str(t) for t in raw.get("document_types", [])),
    )


def type_entry(type_id: str, raw: Mapping[str, Any]) -> TypeEntry:
    """A document type from the trust list's ``document_types`` member."""
    claims = {str(name): (str(label[0]), str(label[1])) for name, label in raw.get("claims", {}).items()}
    vct = raw.get("vct")
    return TypeEntry(
        id=type_id,
        vct=str(vct) if vct is not None else None,
        name_vi=str(raw["name_vi"]),
        name_en=str(raw["name_en"]),
        claims=claims,
    )


def load_trust_list(token: str, pinned: Mapping[str, crypto.EcPublicKey]) -> TrustStore:
    """Check the trust list's signature with the pinned keys and read it."""
    claims = _verify(token, pinned, TRUST_TYP)
    try:
        store = TrustStore(service_keys={**pinned, **keys_of(claims.get("service_jwks", {}))})
        store.agencies = {a["id"]: agency_entry(a) for a in claims.get("agencies", [])}
        store.types = {str(k): type_entry(str(k), v) for k, v in claims.get("document_types", {}).items()}
        store.pdf_roots = [str(pem).encode() for pem in claims.get("pdf_roots", [])]
        store.issued_at, store.expires_at = int(claims["iat"]), int(claims["exp"])
        store.status_list_base = str(claims["status_list_base"])
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, crypto.KeyError_):
        raise TrustError("malformed") from None
    return store


def add_status_list(store: TrustStore, token: str) -> None:
    """Check a status list's signature with the service keys and cache its bits."""
    claims = _verify(token, store.service_keys, STATUS_TYP)
    try:
        raw = claims["status_list"]
        if type(raw["bits"]) is not int or raw["bits"] != 2:
            raise TrustError("malformed")
        inflater = zlib.decompressobj()
        bits = inflater.decompress(crypto.b64url_decode(str(raw["lst"])), MAX_STATUS_BYTES)
        if inflater.unconsumed_tail or not inflater.eof:  # a decompression bomb, or a cut-off list
            raise TrustError("malformed")
        uri, expires = str(claims["sub"]), int(claims["exp"])
        store.status_lists[uri] = (bits, expires)
        issued = int(claims.get("iat", expires))
        store.status_times[uri] = (issued, int(claims.get("ttl", max(expires - issued, 0))))
    except (KeyError, TypeError, ValueError, zlib.error):
        raise TrustError("malformed") from None


class TrustCache:
    """The verifier's cache directory: pinned JWKS, trust list, status lists (all re-verified on load)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(
        self, jwks: Mapping[str, Any], trust_list: str, status_lists: Mapping[str, str], server: str = ""
    ) -> None:
        """Store what ``sync`` fetched (after the caller checked it) and where from."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        if server:
            _write(self.root / "server.txt", server)
        _write(self.root / "jwks.json", json.dumps(jwks))
        _write(self.root / "trust-list.jwt", trust_list)
        lists = self.root / "status-lists"
        lists.mkdir(exist_ok=True)
        for uri, token in status_lists.items():
            _write(lists / (hashlib.sha256(uri.encode()).hexdigest()[:32] + ".jwt"), token)

    def server(self) -> str | None:
        """The service the cache was last synced from, if known."""
        path = self.root / "server.txt"
        return path.read_text().strip() or None if path.exists() else None

    def pinned(self) -> dict[str, crypto.EcPublicKey] | None:
        """The pinned service keys, if any sync happened."""
        path = self.root / "jwks.json"
        return keys_of(json.loads(path.read_text())) if path.exists() else None

    def load(self) -> TrustStore:
        """The trust store, every signature checked again."""
        pinned = self.pinned()
        trust = self.root / "trust-list.jwt"
        if pinned is None or not trust.exists():
            raise TrustError("no_cache")
        store = load_trust_list(trust.read_text().strip(), pinned)
        for path in sorted((self.root / "status-lists").glob("*.jwt")):
            add_status_list(store, path.read_text().strip())
        return store


def _write(path: Path, text: str) -> None:
    temp = path.with_suffix(path.suffix + ".tmp")
    temp.write_text(text)
    os.replace(temp, path)
