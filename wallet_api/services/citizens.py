"""Enrolment, profile and erasure of citizen accounts."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import crypto
import storage
from crypto.transparency.entry import AccessAction
from wallet_api.context import Context
from wallet_api.erasure.receipts import ErasureReceipt, record_erasure, signed_receipt
from wallet_api.errors import EnrolmentNeedsIdentityProvider, InvalidRequest
from wallet_api.identity import normalize_name, parse_cccd, parse_date_of_birth
from wallet_api.services.access_log import record_by

if TYPE_CHECKING:
    from wallet_api.recovery.codes import RecoveryCodes  # injected: recovery builds on this module

log = logging.getLogger("wallet.citizens")


@dataclass(frozen=True, slots=True)
class Profile:
    """What a citizen sees of their own account."""

    citizen_id: str
    cccd: str
    full_name: str
    date_of_birth: str
    device_jkt: str
    created_at: dt.datetime


def kek_aad(citizen_id: str) -> bytes:
    """Associated data binding a wrapped citizen key to its owner."""
    return b"citizen-kek|" + citizen_id.encode()


def unwrap_citizen_key(master: crypto.MasterKeyRing, citizen_id: str, wrapped_kek: bytes) -> bytes:
    """The citizen's key-encryption key, unwrapped by the master key (bound to the citizen's id)."""
    return master.unwrap(wrapped_kek, kek_aad(citizen_id))


def field_aad(citizen_id: str, name: str) -> bytes:
    """Associated data binding a sealed personal field to its owner and name."""
    return f"citizen-field|{citizen_id}|{name}".encode()


class CitizenService:
    """Use cases of a citizen's account."""

    def __init__(self, ctx: Context, codes: RecoveryCodes) -> None:
        self.ctx = ctx
        self.codes = codes

    def enrol(
        self, cccd: str, full_name: str, date_of_birth: str, device_jwk: Mapping[str, object]
    ) -> tuple[str, str]:
        """Create a wallet for a self-asserted identity (``dev`` mode only); return the id to log in
        with and a recovery code (shown this once; kept only as a slow hash,
        ``wallet_api.recovery.codes``).

        The answer never says whether the CCCD already had a wallet: for one that had, the id is the
        wallet's when this device is already one of its devices, else a random id nothing is stored
        under (logging in with it fails like any unknown client), and the holder of the wallet reads
        the attempt in their log. In both of those cases the code is a decoy, made and hashed like a
        real one but stored nowhere: enrolment does not prove the device key is held, so it must
        never hand out a working code for an existing wallet. Only the enrolling device learns the
        outcome, by logging in (``docs/rights.md``, "Enrolment that does not reveal a wallet")."""
        if self.ctx.settings.mode != "dev":
            raise EnrolmentNeedsIdentityProvider()
        dob = parse_date_of_birth(date_of_birth, self.ctx.utcnow().date())
        number = parse_cccd(cccd, dob).number
        name = normalize_name(full_name)
        try:
            crypto.public_key_from_jwk(device_jwk)
        except crypto.KeyError_:
            raise InvalidRequest(
                "device key",
                reason_vi="khoá thiết bị phải là JWK công khai EC P-256",
                reason_en="the device key must be a public EC P-256 JWK",
            ) from None
        public = {k: str(device_jwk[k]) for k in ("kty", "crv", "x", "y")}
        record = self.new_record(number, name, dob, public)
        citizen_id, index = record.id, record.blind_index
        code, code_record = self.codes.fresh(citizen_id, record.created_at)
        with self.ctx.metadata.unit_of_work() as uow:
            existing = uow.citizens.find_by_index(index)
            if existing is None:
                try:
                    uow.citizens.add(record)
                    uow.recoveries.set_code(code_record)
                    uow.commit()
                    log.info("citizen enrolled %s", citizen_id)
                    return citizen_id, code
                except storage.Conflict:  # enrolled meanwhile by a concurrent request
                    existing = uow.citizens.find_by_index(index)
            if existing is None:
                raise storage.Unavailable("enrolment raced and lost its citizen")
            if uow.devices.active(existing.id, record.device_jkt) is not None:
                return existing.id, code  # the same device enrolling again (the code: a decoy)
        # Someone else's CCCD (or this citizen from a device the wallet does not know): the answer
        # is the same as for a new wallet, with an id that logs nobody in; the citizen reads the
        # attempt in their log and may add the device by pairing (docs/rights.md).
        record_by(
            self.ctx,
            existing.id,
            ("enrolment", "Một thiết bị chưa được ghép với ví / A device not paired with the wallet"),
            (record.device_jkt, "device"),
            AccessAction.ENROL_ATTEMPT,
            purpose=crypto.thumbprint_words(record.device_jkt),
        )
        log.info("enrolment of an enrolled CCCD answered like a new one")
        return str(uuid.uuid4()), code

    def new_record(
        self, number: str, name: str, dob: dt.date, public: Mapping[str, str] | None
    ) -> storage.CitizenRecord:
        """A new wallet's row (not stored yet): its key, the sealed identity and the enrolment
        device key (``public``; ``None``: a wallet enrolled at a one-stop office, no device)."""
        citizen_id = str(uuid.uuid4())
        kek = crypto.new_key()
        return storage.CitizenRecord(
            id=citizen_id,
            blind_index=crypto.blind_index(self.ctx.blind_key, number),
            wrapped_kek=self.ctx.master.wrap(kek, kek_aad(citizen_id)),
            national_id_sealed=crypto.seal(kek, number.encode(), field_aad(citizen_id, "cccd")),
            full_name_sealed=crypto.seal(kek, name.encode(), field_aad(citizen_id, "name")),
            date_of_birth_sealed=crypto.seal(kek, dob.isoformat().encode(), field_aad(citizen_id, "dob")),
            device_jwk=storage.NO_DEVICE if public is None else json.dumps(dict(public), sort_keys=True),
            device_jkt=storage.NO_DEVICE if public is None else crypto.jwk_thumbprint(dict(public)),
            created_at=self.ctx.utcnow(),
        )

    def citizen_key(self, record: storage.CitizenRecord) -> bytes:
        """Unwrap the citizen's key-encryption key."""
        return unwrap_citizen_key(self.ctx.master, record.id, record.wrapped_kek)

    def profile(self, citizen_id: str) -> Profile:
        """The citizen's own profile, unsealed."""
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            record = uow.citizens.get(citizen_id)
        kek = self.citizen_key(record)

        def unseal(value: bytes, name: str) -> str:
            return crypto.open_sealed(kek, value, field_aad(citizen_id, name)).decode()

        return Profile(
            citizen_id=citizen_id,
            cccd=unseal(record.national_id_sealed, "cccd"),
            full_name=unseal(record.full_name_sealed, "name"),
            date_of_birth=unseal(record.date_of_birth_sealed, "dob"),
            device_jkt=record.device_jkt,
            created_at=record.created_at,
        )

    def erase(self, citizen_id: str) -> ErasureReceipt:
        """Crypto-shred the account: the key and every row go; blobs become unreadable at once.
        Final (no copy in any WAL or backup opens) once the key epochs have turned: the receipt
        says by when (``docs/erasure.md``)."""
        from wallet_api.mandates.service import end_on_erasure  # mandates build on this module

        with self.ctx.metadata.unit_of_work() as uow:
            record = uow.citizens.get(citizen_id)
            ended = end_on_erasure(self.ctx, uow, citizen_id)  # the other citizen's log says so
            uow.recoveries.forget_nonces(record.blind_index)  # nonces handed out for this CCCD
            documents = uow.documents.delete_all(citizen_id)
            # The row's ON DELETE CASCADE takes every other table's rows of the citizen: devices,
            # pairings, credentials, consents and pulls, restrictions, mandates (both sides),
            # recoveries and the recovery code, the re-issue queue, rights requests, the assist card
            # and visits (tests/e2e/test_rights_requests.py scans every table after an erasure).
            uow.citizens.delete(citizen_id)
            parts = [("citizens", record.wrapped_kek), *(("documents", d.wrapped_dek) for d in documents)]
            erasure = record_erasure(self.ctx, uow, "account", parts)
            uow.commit()
        removed = 0
        for document in documents:
            try:
                self.ctx.blobs.delete(document.blob_key)
                removed += 1
            except storage.StorageError:
                log.warning("blob of an erased account left for the collector")
        self.ctx.access_log.erase(citizen_id)  # the log goes with the account
        log.info("citizen erased %s (%d blobs removed, %d mandates ended)", citizen_id, removed, ended)
        return signed_receipt(self.ctx, erasure)
