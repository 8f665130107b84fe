"""A throwaway PKI and real signed PDFs for tests: nothing here is ever committed.

``TestPki`` builds a root CA (RSA 2048 or EC P-256, as Vietnamese agencies
use both), an optional intermediate, and leaf certificates with chosen
validity windows and Vietnamese organisation names, all with
``cryptography``'s X.509 builder at run time. ``make_pdf`` writes a small real
PDF by hand (uncompressed, so a test can find and flip a byte of its text);
``sign_pdf`` signs it with pyHanko (PAdES, ``/ETSI.CAdES.detached``) at a
chosen signing time; ``replace_page_text`` and ``add_validation_info`` append
incremental updates after signing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

KeyType = Literal["rsa", "ec"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

ROOT_NAME = "Cục Chứng thực số (thử nghiệm)"
AGENCY = "Sở Tư pháp thành phố Đà Nẵng"
EPOCH = datetime(2015, 1, 1, tzinfo=UTC)
FAR = datetime(2045, 1, 1, tzinfo=UTC)
SIGNING_USAGE = ("digital_signature", "content_commitment")


def new_key(key_type: KeyType) -> PrivateKey:
    """A fresh RSA 2048 or EC P-256 private key."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organisation: str | None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation is not None:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _key_usage(names: Sequence[str]) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    flags.update(dict.fromkeys(names, True))
    return x509.KeyUsage(**flags)


@dataclass(frozen=True)
class Issued:
    """A key, its certificate and the issuers above it (nearest first, root last)."""

    key: PrivateKey = field(repr=False)
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


class TestPki:
    """A root CA (and optionally an intermediate) that issues signing certificates."""

    __test__ = False  # a helper, not a pytest test class

    def __init__(
        self,
        root_name: str = ROOT_NAME,
        *,
        key_type: KeyType = "rsa",
        intermediate: bool = False,
        not_before: datetime = EPOCH,
        not_after: datetime = FAR,
    ) -> None:
        self.key_type = key_type
        self.root = self._issue(
            _name(root_name, "Ban Cơ yếu Chính phủ"),
            new_key(key_type),
            None,
            not_before=not_before,
            not_after=not_after,
            ca=True,
        )
        self.issuer = self.root
        self.intermediate: Issued | None = None
        if intermediate:
            self.intermediate = self.issue_ca("CA trung gian Chính phủ (thử nghiệm)")
            self.issuer = self.intermediate

    @property
    def root_pem(self) -> bytes:
        """The root certificate in PEM, as a caller configures a trust root."""
        return self.root.pem

    def issue_ca(
        self, common_name: str, *, not_before: datetime = EPOCH, not_after: datetime = FAR
    ) -> Issued:
        """An intermediate CA under the root."""
        return self._issue(
            _name(common_name, "Ban Cơ yếu Chính phủ"),
            new_key(self.key_type),
            self.root,
            not_before=not_before,
            not_after=not_after,
            ca=True,
        )

    def issue_signer(
        self,
        common_name: str = "Nguyễn Văn An",
        organisation: str | None = AGENCY,
        *,
        not_before: datetime = EPOCH,
        not_after: datetime = FAR,
        key_type: KeyType | None = None,
        key_usage: Sequence[str] = SIGNING_USAGE,
        issuer: Issued | None = None,
    ) -> Issued:
        """A leaf signing certificate from the intermediate (if any), else the root."""
        return self._issue(
            _name(common_name, organisation),
            new_key(key_type or self.key_type),
            issuer or self.issuer,
            not_before=not_before,
            not_after=not_after,
            key_usage=key_usage,
        )

    def issue_tsa(self, *, not_before: datetime = EPOCH, not_after: datetime = FAR) -> Issued:
        """A time-stamping authority certificate (critical EKU ``timeStamping``).

        Always RSA: pyHanko's ``DummyTimeStamper`` signs with RSA only.
        """
        return self._issue(
            _name("Dịch vụ cấp dấu thời gian (thử nghiệm)", "Ban Cơ yếu Chính phủ"),
            new_key("rsa"),
            self.issuer,
            not_before=not_before,
            not_after=not_after,
            key_usage=SIGNING_USAGE,
            eku=ExtendedKeyUsageOID.TIME_STAMPING,
        )

    def _issue(
        self,
        subject: x509.Name,
        key: PrivateKey,
        issuer: Issued | None,
        *,
        not_before: datetime,
        not_after: datetime,
        ca: bool = False,
        key_usage: Sequence[str] = SIGNING_USAGE,
        eku: x509.ObjectIdentifier | None = None,
    ) -> Issued:
        signing_key = key if issuer is None else issuer.key
        issuer_name = subject if issuer is None else issuer.cert.subject
        public = key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
            )
            .add_extension(_key_usage(("key_cert_sign", "crl_sign") if ca else key_usage), critical=True)
        )
        if eku is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
        cert = builder.sign(signing_key, hashes.SHA256())
        chain = () if issuer is None else (issuer.cert, *issuer.chain)
        return Issued(key, cert, chain)


def _pdf_text(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(text: str = "Giay xac nhan", *, pages: int = 1) -> bytes:
    """A small real PDF: ``pages`` pages showing ``text`` in an uncompressed content stream."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
        + b"] /Count %d >>" % pages,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i in range(pages):
        content = b"BT /F1 18 Tf 72 720 Td (" + _pdf_text(text) + b") Tj ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _asn1_cert(cert: x509.Certificate) -> Any:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: PrivateKey) -> Any:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def timestamper(tsa: Issued, at: datetime) -> DummyTimeStamper:
    """A TSA answering every request with ``at`` as its time (pyHanko's test TSA)."""
    return DummyTimeStamper(
        tsa_cert=_asn1_cert(tsa.cert),
        tsa_key=_asn1_key(tsa.key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in tsa.chain]),
        fixed_dt=at,
    )


class _PinnedTimeSigner(signers.PdfSigner):
    """``PdfSigner`` always takes the wall clock; this one claims a chosen signing time."""

    def __init__(self, *args: Any, signing_time: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signing_time = signing_time

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time  # the /M entry of the signature dictionary
        return session


def sign_pdf(
    pdf: bytes,
    key: PrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: datetime,
    field_name: str = "Signature1",
    tsa: DummyTimeStamper | None = None,
    md_algorithm: str = "sha256",
    certify: bool = False,
) -> bytes:
    """``pdf`` signed (PAdES) by ``cert`` with ``chain`` embedded, claiming ``signing_time``."""
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=_asn1_key(key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm=md_algorithm,
        certify=certify,
    )
    pdf_signer = _PinnedTimeSigner(meta, signer=signer, timestamper=tsa, signing_time=signing_time)
    out = io.BytesIO()
    pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def replace_page_text(pdf: bytes, text: str, *, page: int = 0) -> bytes:
    """``pdf`` with an incremental update that replaces one page's content stream."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[page]
    page_obj = page_ref.get_object()
    content = generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 720 Td (" + _pdf_text(text) + b") Tj ET")
    page_obj[generic.pdf_name("/Contents")] = writer.add_object(content)
    writer.update_container(page_obj)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_validation_info(pdf: bytes, certs: Sequence[x509.Certificate]) -> bytes:
    """``pdf`` with an incremental update adding a DSS holding ``certs`` (as LTV tools do)."""
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, certs=[_asn1_cert(c) for c in certs], force_write=True)
    return out.getvalue()
