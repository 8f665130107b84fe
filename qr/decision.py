"""One decision for every verifier: is this credential (or presentation of it) good?

The wallet at issuance, ``POST /v1/verify``, the ``/verify`` page and ``wallet-verify`` all call
``decide_credential`` over a ``TrustStore`` (built from the database online, from the signed cache
offline), so none can be more lenient than another. Reasons come from ``qr.reasons.REASONS``.

Checks, in order: the trust list's freshness; for a delegate's presentation, the mandate
attestation (``qr.mandate``: a trusted wallet key, its lifetime, this very credential); the
issuer's signature with a key the trust list gives a registered ``issuer``; holder binding
(nonce, audience, age) for a presentation, by the ``cnf`` key or, under a mandate, by the
delegate's key the attestation names; times (``exp`` required); the issuer active when it signed
(dissolved agencies); the type from the catalog and registered for that agency (and covered by
the mandate); a status reference (required: a credential that cannot be revoked is refused) and
its value; and, online, that the service registered the credential.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import crypto
from qr.mandate import Attestation, MandateRefused, check_attestation, split_presentation
from qr.trust import AgencyEntry, TrustStore

_STATUS = {1: "revoked", 2: "suspended", 3: "status_invalid"}
# (SHA-256 of the issuer-signed JWT, its status reference) -> did the service store that credential?
Registered = Callable[[bytes, crypto.StatusListReference], bool]
MandateInForce = Callable[[str, int], bool]  # (mandate id, now): still in force by the service's record


@dataclass(slots=True)
class Verdict:
    """The outcome of a check: valid or not, why, and what was disclosed."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    kind: str = ""
    issuer: str | None = None
    issuer_name: str | None = None
    doc_type: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    credential: crypto.VerifiedCredential | None = None
    status_as_of: int | None = None  # the status list consulted is older than its ttl: its time
    mandate: Attestation | None = None  # presented by a delegate under this mandate attestation

    def refuse(self, reason: str) -> Verdict:
        """Mark the verdict invalid for ``reason``."""
        self.valid = False
        if reason not in self.reasons:
            self.reasons.append(reason)
        return self


def issuer_jwt_digest(text: str) -> bytes:
    """What the service registers per issued credential: the SHA-256 of its issuer-signed JWT."""
    return hashlib.sha256(text.split("~", 1)[0].encode("ascii", "replace")).digest()


def _key_lookup(store: TrustStore, sent_by: str | None) -> Callable[[str, str | None], crypto.EcPublicKey]:
    def key_for(iss: str, kid: str | None) -> crypto.EcPublicKey:
        agency = store.agencies.get(iss)
        key = agency.keys.get(kid or "") if agency and "issuer" in agency.roles else None
        if key is None or (sent_by is not None and iss != sent_by):
            raise crypto.CredentialError("unknown_issuer")
        return key

    return key_for


def _checked(
    store: TrustStore,
    text: str,
    now: int,
    nonce: str | None,
    audience: str | None,
    sent_by: str | None,
    mandate: Attestation | None = None,
) -> crypto.VerifiedCredential:
    lookup = _key_lookup(store, sent_by)
    if nonce is not None:
        return crypto.verify_presentation(
            text,
            issuer_key_for=lookup,
            nonce=nonce,
            audience=audience or "",
            now=now,
            binding_key=mandate.binding_key if mandate is not None else None,
        )
    return crypto.verify_sd_jwt(text, issuer_key_for=lookup, now=now)


def decide_credential(
    store: TrustStore,
    text: str,
    *,
    now: int,
    nonce: str | None = None,
    audience: str | None = None,
    sent_by: str | None = None,
    registered: Registered | None = None,
    mandate_in_force: MandateInForce | None = None,
) -> Verdict:
    """The verdict on an SD-JWT VC, or on a presentation of one when ``nonce`` is given.

    ``sent_by``: only this agency may be the issuer (the wallet receiving an issuance).
    ``registered``: online only, the service's own record of what it issued.
    ``mandate_in_force``: online only, the service's record of a mandate a delegate presents
    under: one ended since its attestation was signed is refused at once (offline, the
    attestation's own five minutes are the limit).
    """
    verdict = Verdict(valid=True, kind="presentation" if nonce is not None else "credential")
    if now > store.expires_at:
        verdict.refuse("stale_trust_list")
    attestation, text = split_presentation(text)
    if attestation is not None:  # a delegate presenting under a mandate (qr.mandate)
        if nonce is None:
            return verdict.refuse("malformed")
        try:
            verdict.mandate = check_attestation(attestation, store.service_keys, now=now)
        except MandateRefused as exc:
            return verdict.refuse(exc.reason)
        if verdict.mandate.credential_digest != crypto.b64url_encode(issuer_jwt_digest(text)):
            return verdict.refuse("mandate_wrong_credential")
        if mandate_in_force is not None and not mandate_in_force(verdict.mandate.mandate_id, now):
            return verdict.refuse("mandate_ended")
    try:
        checked = _checked(store, text, now, nonce, audience, sent_by, verdict.mandate)
    except crypto.CredentialError as exc:
        if verdict.mandate is not None and exc.reason == "bad_key_binding":
            return verdict.refuse("mandate_wrong_key")  # not signed by the key the mandate names
        return verdict.refuse(exc.reason)
    agency = store.agencies[checked.issuer]
    verdict.issuer, verdict.issuer_name, verdict.credential = agency.id, agency.name, checked
    verdict.claims = dict(checked.claims)
    _check_issuer(verdict, agency, checked, now)
    _check_type(verdict, store, agency, checked)
    if verdict.mandate is not None and verdict.doc_type not in verdict.mandate.credentials:
        verdict.refuse("mandate_type_not_covered")
    _check_status(verdict, store, checked, now)
    if registered is not None and (
        checked.status is None or not registered(issuer_jwt_digest(text), checked.status)
    ):
        verdict.refuse("not_registered")
    return verdict


def _check_issuer(
    verdict: Verdict, agency: AgencyEntry, checked: crypto.VerifiedCredential, now: int
) -> None:
    # A hidden iat (selectively disclosable) cannot show the issuer was active when it signed:
    # then it must be active now.
    when = checked.iat if checked.iat is not None else now
    if not agency.active_at(when):
        dissolved = agency.dissolved_at is not None and when >= agency.dissolved_at
        verdict.refuse("dissolved_issuer" if dissolved else "inactive_issuer")


def _check_type(
    verdict: Verdict, store: TrustStore, agency: AgencyEntry, checked: crypto.VerifiedCredential
) -> None:
    entry = store.type_for_vct(checked.vct)
    if entry is None:
        verdict.refuse("unknown_type")
        return
    verdict.doc_type = entry.id
    if entry.id not in agency.document_types:
        verdict.refuse("document_type_not_allowed")


def _check_status(verdict: Verdict, store: TrustStore, checked: crypto.VerifiedCredential, now: int) -> None:
    if checked.status is None:
        verdict.refuse("missing_status")
        return
    if checked.status.uri != store.status_list_of(checked.issuer):
        # Only the issuer's own list says anything about its credentials: a key that still signs
        # after its agency was dissolved (its own list frozen) could otherwise point at an unused
        # entry of another agency's list, which reads valid.
        verdict.refuse("bad_status")
        return
    value = store.status(checked.status.uri, checked.status.idx, now=now)
    verdict.status_as_of = store.status_as_of(checked.status.uri, now)
    if value is None:
        verdict.refuse("status_unknown")
    elif value in _STATUS:
        verdict.refuse(_STATUS[value])
