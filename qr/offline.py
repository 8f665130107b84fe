"""Offline verification for counters with a weak signal: credentials, presentations, documents, QR codes.

Everything is checked against a ``TrustStore`` loaded from the verifier's cache:
issuer signature and registration, issuer validity and dissolution at signing
time, holder binding (nonce, audience, freshness), status (revoked, suspended),
and the cache's own freshness. The verdict names precise reasons in Vietnamese
and English, because the verifier, unlike an HTTP client, must know why.
Credentials are decided by ``qr.decision``, the one decision the wallet and every
verifier share; reasons come from the one table in ``qr.reasons``.
"""

from __future__ import annotations

import datetime as dt

import crypto
from qr.decision import Verdict, decide_credential
from qr.reasons import REASONS, message
from qr.trust import TrustStore

__all__ = ["MESSAGES", "Verdict", "message", "verify_credential", "verify_pdf"]

MESSAGES = REASONS  # the one table of reasons (qr.reasons)


def verify_credential(
    store: TrustStore, text: str, *, now: int, nonce: str | None = None, audience: str | None = None
) -> Verdict:
    """An SD-JWT VC, or a presentation with key binding when ``nonce`` is given (``decide_credential``)."""
    return decide_credential(store, text, now=now, nonce=nonce, audience=audience)


def verify_pdf(store: TrustStore, data: bytes, *, now: int) -> Verdict:
    """A PAdES-signed PDF against the trust list's roots, and its signer's validity at signing time."""
    verdict = Verdict(valid=True, kind="pdf")
    try:
        signed = crypto.verify_signed_pdf(
            data, trust_roots=store.pdf_roots, now=dt.datetime.fromtimestamp(now, tz=dt.UTC)
        )
    except crypto.PdfSignatureError as exc:
        return verdict.refuse(exc.reason)
    except crypto.CryptoError:
        return verdict.refuse("untrusted_issuer")  # no roots cached at all
    organisation = " ".join((signed.signer.organisation or "").casefold().split())
    matches = [a for a in store.agencies.values() if " ".join(a.name.casefold().split()) == organisation]
    when = int((signed.signing_time or dt.datetime.fromtimestamp(now, tz=dt.UTC)).timestamp())
    verdict.claims = {
        "signer": signed.signer.subject,
        "signing_time": signed.signing_time.isoformat() if signed.signing_time else None,
    }
    if not matches:
        return verdict.refuse("untrusted_issuer")
    verdict.issuer, verdict.issuer_name = matches[0].id, matches[0].name
    if not any(a.active_at(when) for a in matches):
        verdict.refuse("dissolved_issuer" if any(a.dissolved_at for a in matches) else "untrusted_issuer")
    return verdict
