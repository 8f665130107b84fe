"""Key hierarchy, streaming AEAD, ES256 signatures, JOSE helpers and SD-JWT VC credentials.

Pure: no I/O except the master-key provider. Other packages import only the
names below. The recipes offer one way to do each thing; the single module
that touches ``cryptography.hazmat`` is ``crypto._hazmat``.
"""

from crypto._encoding import MAX_JSON_DEPTH, b64url_decode, b64url_encode, json_object
from crypto._hazmat import ES256_SIGNATURE_SIZE, es256_sign_raw, es256_verify_raw
from crypto.blind import blind_index
from crypto.dpop import DpopProof, check_dpop_proof, make_dpop_proof
from crypto.errors import (
    PDF_SIGNATURE_REASONS,
    CredentialError,
    CredentialFailure,
    CryptoError,
    IntegrityError,
    InvalidSignature,
    InvalidToken,
    KeyError_,
    MasterKeyError,
    PdfSignatureError,
    PdfSignatureReason,
)
from crypto.jose import (
    ClientAssertion,
    EcPrivateKey,
    EcPublicKey,
    check_client_assertion,
    generate_private_key,
    jwk_thumbprint,
    load_private_key_pem,
    make_client_assertion,
    private_key_pem,
    public_jwk,
    public_key_from_jwk,
    sign_jws,
    unverified_header,
    verify_jws,
)
from crypto.keys import new_key, unwrap_key, wrap_key
from crypto.masterkey import MasterKeyRing, open_master_key
from crypto.pdfsig import PdfCertificate, SignedPdf, verify_signed_pdf
from crypto.sdjwt import (
    ClaimPath,
    IssuedCredential,
    IssuerKeyLookup,
    ParsedSdJwt,
    StatusListReference,
    VerifiedCredential,
    claimed_issuer,
    disclosure_name,
    issue_sd_jwt_vc,
    parse_sd_jwt,
    present,
    verify_presentation,
    verify_sd_jwt,
)
from crypto.seal import open_sealed, seal
from crypto.signing import ServiceKey, ServiceKeyRing
from crypto.slowhash import check_secret, hash_secret
from crypto.stream import SEGMENT_SIZE, ciphertext_size, decrypt_stream, encrypt_stream
from crypto.tokens import TokenMinter
from crypto.words import thumbprint_words

__all__ = [
    "ES256_SIGNATURE_SIZE",
    "MAX_JSON_DEPTH",
    "PDF_SIGNATURE_REASONS",
    "SEGMENT_SIZE",
    "ClaimPath",
    "ClientAssertion",
    "CredentialError",
    "CredentialFailure",
    "CryptoError",
    "DpopProof",
    "EcPrivateKey",
    "EcPublicKey",
    "IntegrityError",
    "InvalidSignature",
    "InvalidToken",
    "IssuedCredential",
    "IssuerKeyLookup",
    "KeyError_",
    "MasterKeyError",
    "MasterKeyRing",
    "ParsedSdJwt",
    "PdfCertificate",
    "PdfSignatureError",
    "PdfSignatureReason",
    "ServiceKey",
    "ServiceKeyRing",
    "SignedPdf",
    "StatusListReference",
    "TokenMinter",
    "VerifiedCredential",
    "b64url_decode",
    "b64url_encode",
    "blind_index",
    "check_client_assertion",
    "check_dpop_proof",
    "check_secret",
    "ciphertext_size",
    "claimed_issuer",
    "decrypt_stream",
    "disclosure_name",
    "encrypt_stream",
    "es256_sign_raw",
    "es256_verify_raw",
    "generate_private_key",
    "hash_secret",
    "issue_sd_jwt_vc",
    "json_object",
    "jwk_thumbprint",
    "load_private_key_pem",
    "make_client_assertion",
    "make_dpop_proof",
    "new_key",
    "open_master_key",
    "open_sealed",
    "parse_sd_jwt",
    "present",
    "private_key_pem",
    "public_jwk",
    "public_key_from_jwk",
    "seal",
    "sign_jws",
    "thumbprint_words",
    "unverified_header",
    "unwrap_key",
    "verify_jws",
    "verify_presentation",
    "verify_sd_jwt",
    "verify_signed_pdf",
    "wrap_key",
]
