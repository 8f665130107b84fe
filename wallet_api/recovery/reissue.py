"""Credentials follow the citizen: the issuers' re-issuance queue.

A revocation or a completed recovery queues every valid credential whose ``cnf`` names a key the
citizen no longer holds (``services.credentials.queue_unheld``). Its issuer (or the issuer's
successor) lists its queue: each item carries what re-issuing needs — the CCCD, the claims it
issued, and the key of the newest device the citizen holds — and each listing is a ``lookup`` in
the citizen's access log. It signs the same claims for the new key with a new status entry and
sends them back: the wallet checks them like any issuance, checks the claims and type are the
old ones, stores the new credential, revokes the old one's status entry and logs
``credential-reissue``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import crypto
import storage
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest
from wallet_api.recovery.errors import ReissueNotFound
from wallet_api.services.access_log import record_access
from wallet_api.services.agencies import AgencyService
from wallet_api.services.citizens import field_aad, unwrap_citizen_key
from wallet_api.services.credentials import open_credential
from wallet_api.services.issuance import IssuanceService

log = logging.getLogger("wallet.reissue")
QUEUE_LIMIT = 100
LOOKUP_PURPOSE = "Cấp lại giấy tờ cho thiết bị bạn đang giữ / Re-issuing a credential to a device you hold"
REISSUE_PURPOSE = "Cấp lại cho thiết bị bạn đang giữ / Re-issued to a device you hold"
_NOT_CLAIMS = frozenset({"iss", "vct", "iat", "exp", "nbf", "cnf", "status"})


@dataclass(frozen=True, slots=True)
class QueuedCredential:
    """One credential to re-issue, with what the issuer needs to sign it again."""

    credential_id: str
    doc_type: str
    vct: str
    cccd: str
    claims: dict[str, Any]
    holder_jwk: dict[str, Any]
    queued_at: dt.datetime
    expires_at: dt.datetime  # the old credential's: the new one need not outlive it


def issued_claims(sd_jwt: str) -> dict[str, Any]:
    """The claims a stored credential carries (every disclosure resolved), without the registered
    JWT claims (``iss``, ``cnf``, ``status``, times) that re-issuance changes."""
    claims = crypto.parse_sd_jwt(sd_jwt).unverified_claims
    return {k: v for k, v in claims.items() if k not in _NOT_CLAIMS}


class ReissueService:
    """List an issuer's queue and store its re-issued credentials."""

    def __init__(self, ctx: Context, agencies: AgencyService, issuance: IssuanceService) -> None:
        self.ctx = ctx
        self.agencies = agencies
        self.issuance = issuance

    def queue(self, agency_id: str) -> list[QueuedCredential]:
        """The oldest credentials (at most ``QUEUE_LIMIT``) waiting for this agency to re-issue them."""
        agency = self.issuance.issuer(agency_id)
        lineage = [a.id for a in self.agencies.lineage_of(agency_id)]
        items: list[tuple[QueuedCredential, str]] = []
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            for entry in uow.reissues.queue(lineage, QUEUE_LIMIT):
                held = [d for d in uow.devices.list(entry.citizen_id) if d.revoked_at is None]
                if not held:
                    continue  # no device left to bind to (recovery pending, or every one revoked)
                record = uow.credentials.get_any(entry.credential_id)
                citizen = uow.citizens.get(entry.citizen_id)
                kek = unwrap_citizen_key(self.ctx.master, citizen.id, citizen.wrapped_kek)
                cccd = crypto.open_sealed(kek, citizen.national_id_sealed, field_aad(citizen.id, "cccd"))
                newest = max(held, key=lambda d: (d.added_at, d.id))
                claims = issued_claims(open_credential(record, kek))
                item = QueuedCredential(
                    record.id, record.doc_type, record.vct, cccd.decode(), claims,
                    crypto.json_object(newest.jwk), entry.queued_at, record.expires_at,
                )  # fmt: skip
                items.append((item, citizen.id))
        for item, citizen_id in items:
            resource = (item.credential_id, item.doc_type)
            record_access(self.ctx, citizen_id, agency, resource, AccessAction.LOOKUP, purpose=LOOKUP_PURPOSE)
        return [item for item, _ in items]

    def of_citizen(self, citizen_id: str) -> list[storage.ReissueRecord]:
        """The citizen's credentials queued for re-issue, waiting or done (the export says which)."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return list(uow.reissues.of_citizen(citizen_id))

    def reissue(self, agency_id: str, credential_id: str, sd_jwt: str) -> dict[str, Any]:
        """Store the re-issued credential (same type and claims, a key the citizen holds), revoke the
        old one's status entry and close the queue item."""
        agency = self.issuance.issuer(agency_id)
        entry, old, cccd = self._queued(agency_id, credential_id)
        try:
            same = crypto.parse_sd_jwt(sd_jwt).unverified_payload.get("vct") == old.vct
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                citizen = uow.citizens.get(entry.citizen_id)
                kek = unwrap_citizen_key(self.ctx.master, citizen.id, citizen.wrapped_kek)
                same = same and issued_claims(sd_jwt) == issued_claims(open_credential(old, kek))
        except crypto.CryptoError:
            same = False
        if not same:
            raise InvalidRequest(
                "credential",
                reason_vi="giấy tờ cấp lại phải cùng loại và cùng các trường như giấy tờ cũ",
                reason_en="the re-issued credential must have the old one's type and claims",
            )

        def claim(uow: storage.UnitOfWork, new_id: str, now: dt.datetime) -> None:
            # The queue item is claimed by a conditional UPDATE in the transaction that stores the
            # new credential: of two issuers racing, the second finds it done (SQLite's write lock or
            # PostgreSQL's row lock orders them) and its credential is rolled back with the claim.
            if not uow.reissues.done(credential_id, new_id, now):
                raise ReissueNotFound()
            uow.status_lists.set_status(old.status_list_id, old.status_idx, 1, now)
            record_access(  # with the new credential, the claim and the old one's revocation
                self.ctx,
                old.citizen_id,
                agency,
                (new_id, old.doc_type),
                AccessAction.CREDENTIAL_REISSUE,
                purpose=REISSUE_PURPOSE,
                store=uow.log_store(),
            )

        issued = self.issuance.issue_credential(agency_id, cccd, sd_jwt, None, within=claim)
        log.info("credential %s re-issued as %s by %s", old.id, issued["credential_id"], agency_id)
        return {**issued, "replaces": old.id}

    def _queued(
        self, agency_id: str, credential_id: str
    ) -> tuple[storage.ReissueRecord, storage.CredentialRecord, str]:
        try:
            uuid.UUID(credential_id)
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                entry = uow.reissues.get(credential_id)
                old = uow.credentials.get_any(credential_id)
                citizen = uow.citizens.get(entry.citizen_id)
        except (ValueError, storage.NotFound):
            raise ReissueNotFound() from None
        if entry.done_at is not None or not self.agencies.answers_for(entry.agency_id, agency_id):
            raise ReissueNotFound()
        kek = unwrap_citizen_key(self.ctx.master, citizen.id, citizen.wrapped_kek)
        cccd = crypto.open_sealed(kek, citizen.national_id_sealed, field_aad(citizen.id, "cccd")).decode()
        return entry, old, cccd
