"""Validation of signed PDF documents (PAdES / ``adbe.pkcs7.detached``) with pyHanko.

``verify_signed_pdf(data, trust_roots=..., now=...)`` accepts a PDF holding
exactly one signature and returns a ``SignedPdf``, or raises
``PdfSignatureError`` whose ``reason`` is one of ``PDF_SIGNATURE_REASONS``.
Pure apart from reading the bytes given: the clock is injected and nothing is
fetched over the network.

What is checked, in this order:

- the file parses (pyHanko's strict reader, its default decode limits for
  untrusted input; encrypted PDFs are refused as ``malformed``);
- exactly one filled signature field of type ``/Sig`` (document timestamps
  are not counted); none is ``not_signed``, more is ``multiple_signatures``;
  a signature in a format pyHanko cannot check is ``malformed``;
- the digest of the signed byte range matches (else ``modified_after_signing``)
  and the signature value verifies (else ``bad_signature``); MD5/SHA-1 are
  ``weak_algorithm``;
- incremental updates after the signature: accepted only when pyHanko's
  difference analysis classifies every one as signature maintenance
  (``ModificationLevel.LTA_UPDATES``: DSS/VRI validation data, document
  timestamps, invisible empty signature fields, document-information or XMP
  metadata) and the DocMDP policy of the signature allows it. Anything else
  (page content, annotations, form filling, a visible field, an unclear byte
  range) is ``modified_after_signing``, and so is anything but white space
  after the last ``%%EOF``. Bytes between revisions that no cross-reference
  points to are not inspected (no reader shows them): a caller that wants the
  file exactly as signed keeps ``data[:SignedPdf.signed_length]``, itself a
  valid PDF. ``SignedPdf.covers_whole_file`` says whether there was no update
  at all;
- the signing time: the time of an embedded signature timestamp token when
  there is one (it must then verify and chain to a configured root, TSA roots
  included), else the time the signer claims (``/M`` or the signed
  ``signingTime`` attribute; a time without zone is read as UTC), else none;
  a time later than ``now`` (plus ``SIGNING_TIME_LEEWAY``) is
  ``signing_time_in_future``. A claimed time is only the signer's word;
- the certificate chains to one of ``trust_roots`` (intermediates come from
  the signature itself), every certificate of the path valid AT THE SIGNING
  TIME (``now`` when there is none): a certificate that expired later is fine,
  one expired or not yet valid when it signed is refused;
- the signer's key usage holds ``digitalSignature`` or ``nonRepudiation``
  (a certificate without the extension is refused); extended key usage is not
  checked.

Revocation is out of scope: no OCSP, CRL or AIA fetching (``allow_fetching``
is off), and revocation data embedded in the file is not consulted.

pyHanko's synchronous API runs its own event loop (``asyncio.run``): call this
from a worker thread, never from a coroutine (a ``CryptoError`` says so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any, Literal

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    PdfSignatureStatus,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import InvalidCertificateError

from crypto.errors import CryptoError, PdfSignatureError, PdfSignatureReason

__all__ = ["SIGNING_TIME_LEEWAY", "PdfCertificate", "SignedPdf", "verify_signed_pdf"]

SIGNING_TIME_LEEWAY = timedelta(minutes=5)
"""How far a signing time may lie ahead of ``now`` (the signer's clock may run fast)."""

SigningTimeSource = Literal["timestamp", "signer"]

_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
_WEAK = frozenset(
    {AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE, AdESIndeterminate.CRYPTO_CONSTRAINTS_FAILURE_NO_POE}
)
_MAINTENANCE = frozenset({ModificationLevel.NONE, ModificationLevel.LTA_UPDATES})


@dataclass(frozen=True, slots=True)
class PdfCertificate:
    """One certificate of a verified signature: its names, fingerprint and validity window."""

    subject: str
    common_name: str | None
    organisation: str | None
    issuer: str
    serial_number: int
    sha256_fingerprint: str  # lower-case hex of the SHA-256 of the DER
    not_before: datetime
    not_after: datetime
    der: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class SignedPdf:
    """A PDF whose one signature verified: who signed, when, and what it covers."""

    signer: PdfCertificate
    chain: tuple[PdfCertificate, ...]  # the issuers used, nearest first, the trust root last
    signing_time: datetime | None
    signing_time_source: SigningTimeSource | None  # "timestamp": a TSA vouches for it
    validated_at: datetime  # the moment the certificates were checked at
    covers_whole_file: bool  # False: signature-maintenance updates were appended
    signed_length: int  # data[:signed_length] is the PDF exactly as signed
    page_count: int | None
    field_name: str


def verify_signed_pdf(data: bytes, *, trust_roots: Sequence[bytes], now: datetime) -> SignedPdf:
    """Validate the one signature of ``data`` against ``trust_roots`` (PEM or DER certificates)."""
    if now.utcoffset() is None:
        raise CryptoError("now must be timezone-aware")
    _refuse_inside_event_loop()
    roots = _load_trust_roots(trust_roots)
    reader, embedded = _the_signature(data)
    signing_time, source = _signing_time(embedded)
    moment = signing_time or now
    status = _validate(embedded, roots, moment)
    _check_integrity(status)
    _check_tail(data, status)
    if moment > now + SIGNING_TIME_LEEWAY:
        raise PdfSignatureError("signing_time_in_future")
    if source == "timestamp":
        _check_timestamp(status, moment)
    _check_certificate(status, moment)
    if not status.bottom_line:  # seed-value constraints, content timestamp: nothing above caught it
        raise PdfSignatureError("bad_signature")
    return _result(reader, embedded, status, signing_time, source, moment)


def _refuse_inside_event_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise CryptoError("verify_signed_pdf blocks and runs its own event loop: call it from a worker thread")


def _load_trust_roots(trust_roots: Sequence[bytes]) -> list[Any]:
    roots: list[Any] = []
    for blob in trust_roots:
        try:
            loaded = list(load_certs_from_pemder_data(blob))
            for cert in loaded:
                _ = cert.native  # asn1crypto parses lazily: force it now
        except Exception as exc:  # asn1crypto raises ValueError, TypeError and friends
            raise CryptoError("a trust root is not a PEM or DER X.509 certificate") from exc
        roots.extend(loaded)
    if not roots:
        raise CryptoError("no trust roots configured")
    return roots


def _malformed(exc: BaseException) -> PdfSignatureError:
    # The class name helps debugging; pyHanko's messages may quote the file, so they stay out.
    return PdfSignatureError("malformed", f"PDF signature is not valid: malformed ({type(exc).__name__})")


def _the_signature(data: bytes) -> tuple[PdfFileReader, EmbeddedPdfSignature]:
    try:
        reader = PdfFileReader(BytesIO(data), strict=True)
        if reader.encrypted:
            raise PdfSignatureError("malformed", "PDF signature is not valid: malformed (encrypted)")
        filled = [
            sig_obj
            for _, sig_obj, _ in enumerate_sig_fields(reader, filled_status=True)
            if sig_obj.get_object().get("/Type", "/Sig") != "/DocTimeStamp"
        ]
        supported = reader.embedded_regular_signatures
    except PdfSignatureError:
        raise
    except Exception as exc:  # any parser failure on untrusted bytes is "malformed"
        raise _malformed(exc) from None
    if not filled:
        raise PdfSignatureError("not_signed")
    if len(filled) > 1:
        raise PdfSignatureError("multiple_signatures")
    if len(supported) != 1:  # pyHanko skips sub-filters it does not know (e.g. adbe.x509.rsa_sha1)
        raise PdfSignatureError("malformed", "PDF signature is not valid: malformed (unsupported sub-filter)")
    return reader, supported[0]


def _signing_time(embedded: EmbeddedPdfSignature) -> tuple[datetime | None, SigningTimeSource | None]:
    try:
        token_times = _timestamp_token_times(embedded.signer_info)
        claimed = embedded.self_reported_timestamp if not token_times else None
    except Exception as exc:  # a bad time encoding, a bad token, a bad /M
        raise _malformed(exc) from None
    if len(token_times) > 1:
        raise PdfSignatureError("malformed", "PDF signature is not valid: malformed (several timestamps)")
    if token_times:
        return _aware(token_times[0]), "timestamp"
    if claimed is not None:
        return _aware(claimed), "signer"
    return None, None


def _timestamp_token_times(signer_info: Any) -> list[datetime]:
    """``genTime`` of every signature timestamp token among the unsigned attributes."""
    attributes = signer_info["unsigned_attrs"]
    times: list[datetime] = []
    for attribute in attributes if attributes.native is not None else ():
        if attribute["type"].native != "signature_time_stamp_token":
            continue
        for token in attribute["values"]:
            tst_info = token["content"]["encap_content_info"]["content"].parsed
            gen_time = tst_info["gen_time"].native
            if not isinstance(gen_time, datetime):
                raise TypeError("genTime")
            times.append(gen_time)
    return times


def _aware(moment: datetime) -> datetime:
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _validate(embedded: EmbeddedPdfSignature, roots: list[Any], moment: datetime) -> PdfSignatureStatus:
    context = ValidationContext(
        trust_roots=roots,
        moment=moment,
        allow_fetching=False,  # no OCSP, CRL or AIA requests, ever
        revocation_mode="soft-fail",  # revocation is out of scope: none is fetched nor required
    )
    try:
        return validate_pdf_signature(embedded, context, key_usage_settings=_KEY_USAGE)
    except Exception as exc:  # CMS structure, hybrid xrefs, bad byte range: all "malformed"
        raise _malformed(exc) from None


def _check_integrity(status: PdfSignatureStatus) -> None:
    if not status.intact:
        raise PdfSignatureError("modified_after_signing")
    if not status.valid:
        raise PdfSignatureError("bad_signature")
    if status.trust_problem_indic in _WEAK:
        raise PdfSignatureError("weak_algorithm")
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return
    diff = status.diff_result
    if (
        status.coverage != SignatureCoverageLevel.ENTIRE_REVISION
        or not isinstance(diff, DiffResult)
        or diff.modification_level not in _MAINTENANCE
        or status.docmdp_ok is not True
    ):
        raise PdfSignatureError("modified_after_signing")


def _check_tail(data: bytes, status: PdfSignatureStatus) -> None:
    """Refuse bytes after the last ``%%EOF`` that are not white space (readers ignore them)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return
    end = data.rfind(b"%%EOF")
    if end < 0 or data[end + len(b"%%EOF") :].strip(b" \t\r\n\f\x00"):
        raise PdfSignatureError("modified_after_signing")


def _check_timestamp(status: PdfSignatureStatus, moment: datetime) -> None:
    token = status.timestamp_validity
    if token is None:
        raise PdfSignatureError("malformed", "PDF signature is not valid: malformed (timestamp not read)")
    if not (token.intact and token.valid):
        raise PdfSignatureError("bad_signature")
    if token.trust_problem_indic in _WEAK:
        raise PdfSignatureError("weak_algorithm")
    if not token.trusted:
        raise PdfSignatureError("untrusted_certificate")
    if token.timestamp != moment:
        raise PdfSignatureError("malformed", "PDF signature is not valid: malformed (timestamp mismatch)")


def _check_certificate(status: PdfSignatureStatus, moment: datetime) -> None:
    if status.trust_problem_indic is None and status.validation_path is not None:
        return
    raise PdfSignatureError(_certificate_reason(status, moment))


def _certificate_reason(status: PdfSignatureStatus, moment: datetime) -> PdfSignatureReason:
    """Why pyHanko did not trust the signer: it reports AdES sub-indications, coarser than ours."""
    if status.trust_problem_indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return "untrusted_certificate"
    path = status.validation_path
    # The trust anchor's own window is not checked by pyHanko, so not here either.
    for cert in path.iter_certs(include_root=False) if path is not None else ():
        if moment > cert.not_valid_after:
            return "certificate_expired_at_signing"
        if moment < cert.not_valid_before:
            return "certificate_not_yet_valid_at_signing"
    if status.trust_problem_indic == AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE:
        try:
            _KEY_USAGE.validate(status.signing_cert)
        except InvalidCertificateError:
            return "unsuitable_key_usage"
    return "untrusted_certificate"


def _certificate(cert: Any) -> PdfCertificate:
    subject = cert.subject
    return PdfCertificate(
        subject=subject.human_friendly,
        common_name=_name_part(subject, "common_name"),
        organisation=_name_part(subject, "organization_name"),
        issuer=cert.issuer.human_friendly,
        serial_number=cert.serial_number,
        sha256_fingerprint=cert.sha256.hex(),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
        der=cert.dump(),
    )


def _name_part(name: Any, key: str) -> str | None:
    value = name.native.get(key)
    if isinstance(value, list):  # a multi-valued attribute: keep them all, in order
        return ", ".join(str(part) for part in value)
    return None if value is None else str(value)


def _page_count(reader: PdfFileReader) -> int | None:
    try:
        count = reader.root["/Pages"]["/Count"]
    except Exception:  # the signature is fine; a page tree we cannot read costs only the count
        return None
    return count if isinstance(count, int) and count >= 0 else None


def _signed_length(embedded: EmbeddedPdfSignature) -> int:
    _, _, start, length = embedded.byte_range  # four integers: checked by the coverage analysis
    return int(start) + int(length)


def _result(
    reader: PdfFileReader,
    embedded: EmbeddedPdfSignature,
    status: PdfSignatureStatus,
    signing_time: datetime | None,
    source: SigningTimeSource | None,
    moment: datetime,
) -> SignedPdf:
    path = status.validation_path
    if path is None:  # _check_certificate already refused this; kept for the type checker
        raise PdfSignatureError("untrusted_certificate")
    signer = status.signing_cert
    issuers = [cert for cert in path.iter_certs(include_root=True) if cert.sha256 != signer.sha256]
    return SignedPdf(
        signer=_certificate(signer),
        chain=tuple(_certificate(cert) for cert in reversed(issuers)),
        signing_time=signing_time,
        signing_time_source=source,
        validated_at=moment,
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signed_length=_signed_length(embedded),
        page_count=_page_count(reader),
        field_name=str(embedded.field_name),
    )
