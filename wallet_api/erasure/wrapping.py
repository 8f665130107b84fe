"""How each stored master-wrapped value is re-wrapped, and a document's two-layer data key.

A document's data key used to be wrapped by its citizen's key only (61 bytes): a copy of that
row in a WAL or a backup opens with the citizen's key as long as the account lives, so deleting
one document could never be final. It is now ``0x02 ‖ master.wrap(outer) ‖ seal(outer, inner)``
with ``inner`` the citizen-key wrap: a live row's outer layer is re-wrapped each epoch, a deleted
row's is not, and once its master-key version is destroyed no copy of it opens. The account's
erasure still shreds the citizen key at once (the inner layer).
"""

from __future__ import annotations

import crypto
from wallet_api.erasure.layout import DOCUMENT_FORMAT, LEGACY_DEK_SIZE, MASTER_WRAP_SIZE, master_part
from wallet_api.keyring import signing_aad
from wallet_api.services.citizens import kek_aad, unwrap_citizen_key

__all__ = [
    "LEGACY_DEK_SIZE",
    "master_part",
    "rewrap_citizen",
    "rewrap_document",
    "rewrap_signing_key",
    "unwrap_document_key",
    "wrap_document_key",
]

_FORMAT = DOCUMENT_FORMAT
_MASTER_WRAP = MASTER_WRAP_SIZE


def _outer_aad(aad: bytes) -> bytes:
    return b"dek-epoch|" + aad


def wrap_document_key(master: crypto.MasterKeyRing, kek: bytes, dek: bytes, aad: bytes) -> bytes:
    """The stored form of a document's data key (``aad`` binds owner, document and version)."""
    inner = crypto.wrap_key(kek, dek, b"dek|" + aad)
    outer = crypto.new_key()
    return _FORMAT + master.wrap(outer, _outer_aad(aad)) + crypto.seal(outer, inner, _outer_aad(aad))


def unwrap_document_key(master: crypto.MasterKeyRing, kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    """The data key; ``IntegrityError`` when either layer does not open."""
    if len(wrapped) == LEGACY_DEK_SIZE:
        return crypto.unwrap_key(kek, wrapped, b"dek|" + aad)
    if wrapped[:1] != _FORMAT or len(wrapped) <= 1 + _MASTER_WRAP:
        raise crypto.IntegrityError()
    outer = master.unwrap(wrapped[1 : 1 + _MASTER_WRAP], _outer_aad(aad))
    inner = crypto.open_sealed(outer, wrapped[1 + _MASTER_WRAP :], _outer_aad(aad))
    return crypto.unwrap_key(kek, inner, b"dek|" + aad)


def rewrap_citizen(master: crypto.MasterKeyRing, citizen_id: str, wrapped: bytes) -> bytes:
    """A citizen key wrapped under the newest master-key version (the key itself is unchanged)."""
    return master.rewrap(wrapped, kek_aad(citizen_id))


def rewrap_signing_key(master: crypto.MasterKeyRing, kid: str, wrapped: bytes) -> bytes:
    """A signing-key envelope with its wrapped key moved to the newest version."""
    size = int.from_bytes(wrapped[:2], "big")
    moved = master.rewrap(wrapped[2 : 2 + size], signing_aad(kid))
    return len(moved).to_bytes(2, "big") + moved + wrapped[2 + size :]


def rewrap_document(
    master: crypto.MasterKeyRing, aad: bytes, wrapped: bytes, owner_wrapped_kek: bytes | None, owner: str
) -> bytes:
    """A document key with its outer layer under the newest version; a legacy one gains the layer
    (which needs its owner's key, ``owner_wrapped_kek``)."""
    if len(wrapped) == LEGACY_DEK_SIZE:
        if owner_wrapped_kek is None:
            raise crypto.IntegrityError()
        kek = unwrap_citizen_key(master, owner, owner_wrapped_kek)
        return wrap_document_key(master, kek, crypto.unwrap_key(kek, wrapped, b"dek|" + aad), aad)
    moved = master.rewrap(wrapped[1 : 1 + _MASTER_WRAP], _outer_aad(aad))
    return _FORMAT + moved + wrapped[1 + _MASTER_WRAP :]
