"""Wire types of the recovery routes: msgspec structs at the HTTP edge, apart from storage records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from wallet_api.recovery.reissue import QueuedCredential
from wallet_api.recovery.service import IssuedNonce, RecoveryView

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Cccd = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Nonce = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Jws = Annotated[str, msgspec.Meta(min_length=1, max_length=16384)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class NonceIn(msgspec.Struct, forbid_unknown_fields=True):
    """The CCCD whose wallet is to be recovered."""

    cccd: Cccd


class NonceOut(msgspec.Struct):
    """A nonce for the identity provider's assertion (or the recovery code), valid ten minutes."""

    nonce: str
    expires_at: dt.datetime

    @classmethod
    def of(cls, n: IssuedNonce) -> NonceOut:
        """From the service's nonce."""
        return cls(n.nonce, n.expires_at)


class RecoveryIn(msgspec.Struct, forbid_unknown_fields=True):
    """The new device starts a recovery: its key (the DPoP proof's), a name, the nonce, and either
    the identity provider's assertion or (dev mode) the recovery code."""

    name: Name
    device_jwk: dict[str, Any]
    nonce: Nonce
    assertion: Jws | None = None
    code: Code | None = None


class RecoveryOut(msgspec.Struct, omit_defaults=True):
    """A recovery: pending until ``completes_at`` unless cancelled; ``recovery_code`` shown once."""

    recovery_id: str
    citizen_id: str
    status: str
    name: str
    jkt: str
    words: str
    method: str
    vouched_by: str
    started_at: dt.datetime
    completes_at: dt.datetime
    assurance: str | None = None
    ended_at: dt.datetime | None = None
    device_id: str | None = None
    recovery_code: str | None = None

    @classmethod
    def of(cls, v: RecoveryView) -> RecoveryOut:
        """From the service's view."""
        r = v.record
        return cls(
            recovery_id=r.id,
            citizen_id=r.citizen_id,
            status=r.status,
            name=r.name,
            jkt=r.jkt,
            words=v.words,
            method=r.method,
            vouched_by=v.vouched_by,
            started_at=r.started_at,
            completes_at=r.completes_at,
            assurance=r.assurance,
            ended_at=r.ended_at,
            device_id=r.device_id,
            recovery_code=v.recovery_code,
        )


class ReissueItemOut(msgspec.Struct):
    """A credential to re-issue: the same type and claims, for ``holder_jwk`` (a key the citizen holds)."""

    credential_id: str
    type: str
    vct: str
    cccd: str
    claims: dict[str, Any]
    holder_jwk: dict[str, Any]
    queued_at: dt.datetime
    expires_at: dt.datetime

    @classmethod
    def of(cls, q: QueuedCredential) -> ReissueItemOut:
        """From the service's queue item."""
        return cls(
            q.credential_id, q.doc_type, q.vct, q.cccd, q.claims, q.holder_jwk, q.queued_at, q.expires_at
        )


class ReissueListOut(msgspec.Struct):
    """The agency's re-issuance queue, oldest first (at most 100; re-issued ones leave it)."""

    items: list[ReissueItemOut]


class ReissueIn(msgspec.Struct, forbid_unknown_fields=True):
    """The re-issued SD-JWT VC: same type and claims, ``cnf`` a key the citizen holds, a new status entry."""

    credential: Jws


class ReissueStatusRef(msgspec.Struct):
    """Where the new credential's status lives."""

    uri: str
    idx: int


class ReissueOut(msgspec.Struct):
    """The new credential, and the one it replaces (whose status entry is now revoked)."""

    credential_id: str
    type: str
    status: ReissueStatusRef
    replaces: str
