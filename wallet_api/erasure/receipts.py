"""Erasure receipts: what the citizen keeps once the account (and its log) or a document is gone.

A receipt is a compact JWS signed by the service (``typ`` ``erasure-receipt+jwt``, ES256, the
keys of ``/.well-known/jwks.json``) over ``{iss, sub, kind, erased_at, final_by, iat}``: ``sub``
is the erasure's random id (also what ``wallet erasures`` lists), never the citizen's id or any
personal data. ``final_by`` is when no stored copy anywhere can be opened any more.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import storage
from wallet_api.context import Context
from wallet_api.erasure.layout import master_part
from wallet_api.erasure.schedule import final_by

__all__ = ["RECEIPT_TYP", "ErasureReceipt", "record_erasure", "signed_receipt"]

RECEIPT_TYP = "erasure-receipt+jwt"
KINDS = ("account", "document")


@dataclass(frozen=True, slots=True)
class ErasureReceipt:
    """The answer to an erasure: when it happened, when it is final, and the signed receipt."""

    erasure_id: str
    kind: str
    erased_at: dt.datetime
    final_by: dt.datetime
    receipt_jws: str


def record_erasure(
    ctx: Context, uow: storage.UnitOfWork, kind: str, wrapped: Iterable[tuple[str, bytes]] = ()
) -> storage.ErasureRecord:
    """Add a pending erasure of ``kind`` to ``uow``: committed with the erasure, or not at all.

    Its version is the newest the key file holds (re-read now: the epoch job may have rotated),
    or newer if one of the erased values (``(table, stored bytes)``) names a newer one."""
    if kind not in KINDS:
        raise ValueError(kind)
    ctx.master.refresh(force=True)
    parts = [part for table, value in wrapped if (part := master_part(table, value)) is not None]
    version = max([ctx.master.current_version, *(ctx.master.version_of(p) for p in parts)])
    erasure = storage.ErasureRecord(
        id=str(uuid.uuid4()),
        kind=kind,
        erased_at=ctx.utcnow().replace(microsecond=0),
        master_version=version,
    )
    uow.erasures.add(erasure)
    return erasure


def signed_receipt(ctx: Context, erasure: storage.ErasureRecord) -> ErasureReceipt:
    """The receipt of a committed erasure, signed by the service."""
    final = final_by(ctx.master, ctx.settings, ctx.now(), erasure.master_version)
    claims = {
        "iss": ctx.base_url(),
        "sub": erasure.id,
        "kind": erasure.kind,
        "erased_at": int(erasure.erased_at.timestamp()),
        "final_by": int(final.timestamp()),
        "iat": ctx.now(),
    }
    jws = ctx.service_keys.sign(claims, typ=RECEIPT_TYP)
    return ErasureReceipt(erasure.id, erasure.kind, erasure.erased_at, final, jws)
