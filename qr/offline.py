"""Offline verification for counters with a weak signal: credentials, presentations, documents, QR codes.

Everything is checked against a ``TrustStore`` loaded from the verifier's cache:
issuer signature and registration, issuer validity and dissolution at signing
time, holder binding (nonce, audience, freshness), status (revoked, suspended),
and the cache's own freshness. The verdict names precise reasons in Vietnamese
and English, because the verifier, unlike an HTTP client, must know why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import crypto
from qr.trust import TrustStore

MESSAGES: dict[str, tuple[str, str]] = {
    "ok": ("Hợp lệ", "Valid"),
    "expired": ("Đã hết hạn", "Expired"),
    "not_yet_valid": ("Chưa có hiệu lực", "Not yet valid"),
    "revoked": ("Đã bị thu hồi", "Revoked"),
    "suspended": ("Đang bị tạm dừng", "Suspended"),
    "untrusted_issuer": (
        "Cơ quan cấp không có trong danh sách tin cậy",
        "The issuer is not on the trust list",
    ),
    "dissolved_issuer": ("Cơ quan cấp đã giải thể trước khi ký", "The issuer was dissolved before it signed"),
    "tampered": ("Dữ liệu đã bị sửa hoặc chữ ký không hợp lệ", "Tampered with, or the signature is invalid"),
    "wrong_nonce": ("Không gắn với mã kiểm tra này", "Not bound to this verifier's nonce"),
    "wrong_audience": ("Không dành cho bên kiểm tra này", "Meant for another verifier"),
    "stale_key_binding": ("Bản trình bày đã cũ", "The presentation is too old"),
    "missing_key_binding": ("Thiếu xác nhận của người giữ", "No holder key binding"),
    "not_holder": ("Không phải người giữ giấy tờ", "Not presented by its holder"),
    "status_unknown": ("Chưa có danh sách trạng thái: hãy đồng bộ", "Status list not cached: run sync"),
    "stale_trust_list": ("Danh sách tin cậy đã cũ: hãy đồng bộ", "The trust list is out of date: run sync"),
    "malformed": ("Không đúng định dạng", "Malformed"),
    "unknown_key": ("Khoá ký không có trong danh sách tin cậy", "Signed by a key not on the trust list"),
    "bad_signature": ("Chữ ký không hợp lệ", "Invalid signature"),
}
_CREDENTIAL_REASONS = {
    "bad_signature": "tampered",
    "disclosure_not_in_sd_jwt": "tampered",
    "duplicate_disclosure": "tampered",
    "sd_hash_mismatch": "tampered",
    "unsupported_algorithm": "tampered",
    "bad_key_binding": "not_holder",
    "unknown_issuer": "untrusted_issuer",
}


def message(reason: str, lang: str = "vi") -> str:
    """The reason in the reader's language."""
    vi, en = MESSAGES.get(reason, (reason, reason))
    return en if lang == "en" else vi


@dataclass(slots=True)
class Verdict:
    """The outcome of an offline check: valid or not, why, and what was disclosed."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    kind: str = ""
    issuer: str | None = None
    issuer_name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    def refuse(self, reason: str) -> Verdict:
        """Mark the verdict invalid for ``reason``."""
        self.valid = False
        if reason not in self.reasons:
            self.reasons.append(reason)
        return self


def _issuer_key_lookup(store: TrustStore) -> Any:
    def key_for(iss: str, kid: str | None) -> crypto.EcPublicKey:
        agency = store.agencies.get(iss)
        key = agency.keys.get(kid or "") if agency and "issuer" in agency.roles else None
        if key is None:
            raise crypto.CredentialError("unknown_issuer")
        return key

    return key_for


def verify_credential(
    store: TrustStore, text: str, *, now: int, nonce: str | None = None, audience: str | None = None
) -> Verdict:
    """An SD-JWT VC, or a presentation with key binding when ``nonce``/``audience`` are given."""
    verdict = Verdict(valid=True, kind="presentation" if nonce is not None else "credential")
    if now > store.expires_at:
        verdict.refuse("stale_trust_list")
    try:
        if nonce is not None:
            checked = crypto.verify_presentation(
                text, issuer_key_for=_issuer_key_lookup(store), nonce=nonce, audience=audience or "", now=now
            )
        else:
            checked = crypto.verify_sd_jwt(text, issuer_key_for=_issuer_key_lookup(store), now=now)
    except crypto.CredentialError as exc:
        return verdict.refuse(_CREDENTIAL_REASONS.get(exc.reason, exc.reason))
    agency = store.agencies[checked.issuer]
    verdict.issuer, verdict.issuer_name = agency.id, agency.name
    verdict.claims = dict(checked.claims)
    if not agency.active_at(checked.iat):
        verdict.refuse("dissolved_issuer" if agency.dissolved_at is not None else "untrusted_issuer")
    if checked.status is not None:
        value = store.status(checked.status.uri, checked.status.idx, now=now)
        if value is None:
            verdict.refuse("status_unknown")
        elif value in (1, 2):
            verdict.refuse("revoked" if value == 1 else "suspended")
    return verdict


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
