"""Erasure receipts the phone keeps (``docs/erasure.md``): what replaces the access log once the
account is erased, and the proof that a deleted document is gone.

Each answer to ``DELETE /v1/me`` or ``DELETE /v1/me/documents/{id}`` carries a JWS
(``typ`` ``erasure-receipt+jwt``) signed by a service key of ``/.well-known/jwks.json``. The
phone checks it against the answer, then keeps it in ``<home>/erasure-receipts/<id>.json``
(0600), where it survives the account's erasure and can be verified again at any time.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto import CryptoError, public_key_from_jwk, unverified_header, verify_jws
from mobile_stub.device import read_private, write_private
from mobile_stub.errors import MobileError

__all__ = ["RECEIPT_TYP", "Receipt", "ReceiptInvalid", "keep", "kept", "verify"]

RECEIPT_TYP = "erasure-receipt+jwt"
_DIR = "erasure-receipts"


class ReceiptInvalid(MobileError):
    """An erasure receipt that does not verify, or does not match the answer it came with."""

    code = "erasure_receipt_invalid"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A verified erasure receipt."""

    erasure_id: str
    kind: str
    erased_at: int
    final_by: int
    jws: str


def verify(token: str, jwks: dict[str, Any]) -> Receipt:
    """The receipt in ``token`` if a key of ``jwks`` signed it (ES256 only, ``typ`` checked)."""
    try:
        kid = unverified_header(token).get("kid")
        jwk = next(k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid)
        key = public_key_from_jwk({name: jwk.get(name) for name in ("kty", "crv", "x", "y")})
        claims = verify_jws(token, key, typ=RECEIPT_TYP)
    except (CryptoError, StopIteration, ValueError):
        raise ReceiptInvalid("the erasure receipt does not verify") from None
    subject, kind = claims.get("sub"), claims.get("kind")
    erased_at, final_by = claims.get("erased_at"), claims.get("final_by")
    if not isinstance(subject, str) or kind not in ("account", "document"):
        raise ReceiptInvalid("the erasure receipt names no erasure")
    if not isinstance(erased_at, int) or not isinstance(final_by, int) or final_by < erased_at:
        raise ReceiptInvalid("the erasure receipt has no valid dates")
    try:
        uuid.UUID(subject)
    except ValueError:
        raise ReceiptInvalid("the erasure receipt names no erasure") from None
    return Receipt(subject, str(kind), erased_at, final_by, token)


def keep(home: Path, answer: dict[str, Any], jwks: dict[str, Any]) -> Receipt:
    """Check an erasure answer's receipt against the answer, then store it."""
    receipt = verify(str(answer.get("receipt_jws", "")), jwks)
    if receipt.erasure_id != answer.get("erasure_id") or receipt.kind != answer.get("kind"):
        raise ReceiptInvalid("the erasure receipt does not match the answer")
    path = home / _DIR / f"{receipt.erasure_id}.json"
    write_private(path, json.dumps({"receipt_jws": receipt.jws}).encode())
    return receipt


def kept(home: Path, jwks: dict[str, Any]) -> list[Receipt]:
    """Every kept receipt, each verified again (a tampered one raises ``ReceiptInvalid``)."""
    folder = home / _DIR
    if not folder.is_dir():
        return []
    receipts = []
    for path in sorted(folder.glob("*.json")):
        try:
            token = json.loads(read_private(path))["receipt_jws"]
        except (ValueError, KeyError, TypeError):
            raise ReceiptInvalid("a kept erasure receipt is unreadable", subject=path.name) from None
        receipts.append(verify(str(token), jwks))
    return sorted(receipts, key=lambda r: r.erased_at)
