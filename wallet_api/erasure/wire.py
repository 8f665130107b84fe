"""The erasure answer on the wire (``DELETE /v1/me``, ``DELETE /v1/me/documents/{id}``)."""

from __future__ import annotations

import datetime as dt

import msgspec

from wallet_api.erasure.receipts import ErasureReceipt

__all__ = ["ErasureOut"]


class ErasureOut(msgspec.Struct):
    """What was erased, when, when it becomes final everywhere, and the receipt to keep.

    ``final_by``: from then on no copy (database history, backups, object store) can be opened,
    even with the master key file. ``receipt_jws``: a JWS (``typ`` ``erasure-receipt+jwt``)
    signed by the service's keys in ``/.well-known/jwks.json``; its ``sub`` is ``erasure_id``,
    a random id that names no citizen."""

    erasure_id: str
    kind: str
    erased_at: dt.datetime
    final_by: dt.datetime
    receipt_jws: str

    @classmethod
    def of(cls, receipt: ErasureReceipt) -> ErasureOut:
        """From the service's receipt."""
        return cls(receipt.erasure_id, receipt.kind, receipt.erased_at, receipt.final_by, receipt.receipt_jws)
