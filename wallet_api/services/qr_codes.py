"""QR codes: batches of identity tokens the phone shows offline, presentation references, online checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Collection
from typing import Any

import crypto
import qr
import storage
from consent import type_for_vct
from crypto.transparency.entry import AccessAction
from qr.decision import Verdict, decide_credential
from qr.display import shown_fields
from qr.mandate import MANDATE_TYP, split_presentation
from qr.reasons import REASONS as MESSAGES
from wallet_api.context import Context
from wallet_api.errors import InvalidRequest, WalletError
from wallet_api.mandates.service import state_of
from wallet_api.services.access_log import FETCH_PURPOSE, VERIFIER, record_by
from wallet_api.services.citizens import CitizenService
from wallet_api.services.trust import TrustService
from wallet_api.verifier.nonces import CounterNonces, NonceRefused

MAX_BATCH = 24 * 30  # 24 hours of 2-minute windows
REFERENCE_TTL = 300
MAX_PRESENTATION = 64 * 1024


class ReferenceNotFound(WalletError):
    """No such presentation reference, or it was used or has expired (``state``: which, if known)."""

    code = "not_found"

    def __init__(self, state: str | None = None) -> None:
        super().__init__()
        self.state = state


def _presented_type(text: str) -> str:
    """The catalog type of a parked presentation (checked well-formed when it was parked)."""
    text = split_presentation(text)[1]  # a delegate's: after the mandate attestation
    try:
        vct = crypto.parse_sd_jwt(text).unverified_payload.get("vct")
    except crypto.CryptoError:
        vct = None
    entry = type_for_vct(vct) if isinstance(vct, str) else None
    return entry.id if entry else "presentation"


def _require_presentation(text: str) -> None:
    """Only a well-formed SD-JWT with a key-binding JWT is parked: nothing else is served from here.
    A delegate's presentation may come after a mandate attestation (``qr.mandate``), a JWS of its
    ``typ`` (checked in full by the verifier that resolves it)."""
    attestation, text = split_presentation(text)
    try:
        if attestation is not None and crypto.unverified_header(attestation).get("typ") != MANDATE_TYP:
            raise crypto.CryptoError("not a mandate attestation")
        parsed = crypto.parse_sd_jwt(text)
        kb_typ = crypto.unverified_header(parsed.key_binding_jwt or "").get("typ")
    except crypto.CryptoError:
        kb_typ = None
    if kb_typ != "kb+jwt":
        raise _invalid(
            "not an SD-JWT presentation with key binding",
            "không phải bản trình bày giấy tờ điện tử có ràng buộc thiết bị",
        )


def _invalid(en: str, vi: str) -> InvalidRequest:
    return InvalidRequest(en, reason_en=en, reason_vi=vi)


class QrService:
    """Server side of the QR features."""

    def __init__(
        self, ctx: Context, citizens: CitizenService, trust: TrustService, nonces: CounterNonces
    ) -> None:
        self.ctx = ctx
        self.citizens = citizens
        self.trust = trust
        self.nonces = nonces

    def identity_batch(
        self, citizen_id: str, fields: Collection[str], count: int, lifetime: int
    ) -> list[qr.IdentityToken]:
        """Pre-signed identity tokens for consecutive windows (the phone shows them with no network)."""
        if not 1 <= count <= MAX_BATCH or not 30 <= lifetime <= 600:
            raise _invalid(
                "count must be 1-720 and lifetime 30-600 s", "số lượng 1-720, thời hạn 30-600 giây"
            )
        profile = self.citizens.profile(citizen_id)
        status: qr.IdentityStatus = "self-asserted" if self.ctx.settings.mode == "dev" else "verified"
        try:
            claims = qr.disclose(
                full_name=profile.full_name,
                date_of_birth=profile.date_of_birth,
                cccd=profile.cccd,
                status=status,
                fields=fields,
            )
            key = self.ctx.service_keys.current.private
            return list(
                qr.issue_identity_batch(key, claims, now=self.ctx.now(), count=count, lifetime=lifetime)
            )
        except qr.QrError as exc:
            raise _invalid(
                f"identity QR refused: {exc.reason}", f"không tạo được mã QR: {exc.reason}"
            ) from None

    def create_reference(self, citizen_id: str, presentation: str) -> tuple[str, int]:
        """Store a presentation too big for a QR code; the returned reference resolves it once."""
        if not 1 <= len(presentation) <= MAX_PRESENTATION:
            raise _invalid("presentation too large", "bản trình bày quá lớn")
        _require_presentation(presentation)
        reference = secrets.token_urlsafe(16)
        expires = self.ctx.utcnow() + dt.timedelta(seconds=REFERENCE_TTL)
        with self.ctx.metadata.unit_of_work() as uow:
            uow.presentation_refs.add(
                hashlib.sha256(reference.encode()).digest(), citizen_id, presentation, expires
            )
            uow.commit()
        return reference, REFERENCE_TTL

    def resolve_reference(self, reference: str) -> str:
        """The presentation behind a reference, once, before it expires."""
        digest = hashlib.sha256(reference[:64].encode()).digest()
        now = self.ctx.utcnow()
        with self.ctx.metadata.unit_of_work() as uow:
            try:
                text, citizen_id = uow.presentation_refs.take(digest, now)
            except storage.NotFound:
                raise ReferenceNotFound(uow.presentation_refs.spent(digest, now)) from None
            # The citizen sees that their parked presentation was read (not by whom: the code was
            # enough). Taken and logged in one transaction: a failed append leaves it parked.
            resource = (digest.hex()[:16], _presented_type(text))
            record_by(
                self.ctx,
                citizen_id,
                VERIFIER,
                resource,
                AccessAction.READ,
                purpose=FETCH_PURPOSE,
                store=uow.log_store(),
            )
            uow.commit()
        return text

    def verify_online(self, payload: bytes, *, ticket: str | None, audience: str) -> dict[str, Any]:
        """What the web verifier shows: verdict, reasons and disclosed data of a scanned QR payload.

        A presentation is checked against the nonce of ``ticket`` (issued to the counter at
        ``audience`` by ``CounterNonces``). Every scan spends its ticket, first, whatever the code
        turns out to be; a parked presentation is not fetched (so not used up) without a good one.
        """
        now = self.ctx.now()
        spent: str | NonceRefused
        try:
            spent = self.nonces.spend(ticket, audience)
        except NonceRefused as exc:
            spent = exc
        verdict = Verdict(valid=True, kind="qr")
        try:
            decoded = qr.decode_any(payload, keys=qr.QrKeySet(self.ctx.service_keys.public_keys()), now=now)
        except qr.QrError as exc:
            verdict.refuse(exc.reason)
            return self._json(verdict)
        if isinstance(decoded, qr.Identity):  # time-windowed, signed by the service: no nonce in it
            verdict.kind, verdict.claims = "identity", decoded.claims.disclosed()
            return self._json(verdict)
        verdict.kind = "presentation"
        if isinstance(spent, NonceRefused):
            return self._json(verdict.refuse(spent.reason))
        nonce = spent
        if isinstance(decoded, qr.Reference):
            try:
                text = self.resolve_reference(decoded.value.rsplit("/", 1)[-1])
            except ReferenceNotFound as exc:
                return self._json(
                    verdict.refuse("already_used" if exc.state == "used" else "reference_expired")
                )
        else:
            text = decoded.unverified_text
        verdict = decide_credential(
            self.trust.store_for(text),
            text,
            now=now,
            nonce=nonce,
            audience=audience,
            registered=self._registered,
            mandate_in_force=self._mandate_in_force,
        )
        return self._json(verdict)

    def _json(self, verdict: Verdict) -> dict[str, Any]:
        """The verdict as the page and API clients read it: reasons and fields in both languages."""
        reasons = []
        for reason in verdict.reasons:
            vi, en = MESSAGES.get(reason, (reason, reason))
            reasons.append({"code": reason, "vi": vi, "en": en})
        doc_type = self.trust.type_entries().get(verdict.doc_type) if verdict.doc_type else None
        fields = shown_fields(verdict.claims, kind=verdict.kind, doc_type=doc_type)
        return {
            "valid": verdict.valid,
            "kind": verdict.kind,
            "reasons": reasons,
            "issuer": verdict.issuer_name,
            "document": {"vi": doc_type.name_vi, "en": doc_type.name_en} if doc_type else None,
            # An identity's "status" is a claim (self-asserted / verified); a credential's is technical.
            "claims": {f.key: verdict.claims[f.key] for f in fields},
            "fields": [f.as_json() for f in fields],
            # a delegate presented it under a mandate attestation: who, for whom, until when (vi, en)
            "mandate": verdict.mandate.as_json() if verdict.mandate is not None else None,
        }

    def _mandate_in_force(self, mandate_id: str, now: int) -> bool:
        """Online only: is the mandate a delegate presents under still in force (not revoked, not
        ended by its guardian agency, within its dates)? A revocation stops its attestations here
        at once, not only when their five minutes run out."""
        try:
            with self.ctx.metadata.unit_of_work(readonly=True) as uow:
                mandate = uow.mandates.get(mandate_id)
        except storage.NotFound:
            return False
        return state_of(mandate, dt.datetime.fromtimestamp(now, tz=dt.UTC)) == "active"

    def _registered(self, digest: bytes, status: crypto.StatusListReference) -> bool:
        """Online only: did this service store the credential (a dissolved agency's key may still sign)?"""
        list_id = status.uri.rsplit("/", 1)[-1]
        if status.uri != self.trust.list_uri(list_id):
            return False
        with self.ctx.metadata.unit_of_work(readonly=True) as uow:
            return uow.credentials.registered(digest, list_id, status.idx)
