"""Key hierarchy, streaming AEAD, ES256 signatures and JOSE helpers.

Pure: no I/O except the master-key provider. Other packages import only the
names below. The recipes offer one way to do each thing; the single module
that touches ``cryptography.hazmat`` is ``crypto._hazmat``.
"""

from crypto.blind import blind_index
from crypto.dpop import DpopProof, check_dpop_proof, make_dpop_proof
from crypto.errors import (
    CryptoError,
    IntegrityError,
    InvalidSignature,
    InvalidToken,
    KeyError_,
    MasterKeyError,
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
from crypto.seal import open_sealed, seal
from crypto.signing import ServiceKey, ServiceKeyRing
from crypto.stream import SEGMENT_SIZE, ciphertext_size, decrypt_stream, encrypt_stream
from crypto.tokens import TokenMinter

__all__ = [
    "SEGMENT_SIZE",
    "ClientAssertion",
    "CryptoError",
    "DpopProof",
    "EcPrivateKey",
    "EcPublicKey",
    "IntegrityError",
    "InvalidSignature",
    "InvalidToken",
    "KeyError_",
    "MasterKeyError",
    "MasterKeyRing",
    "ServiceKey",
    "ServiceKeyRing",
    "TokenMinter",
    "blind_index",
    "check_client_assertion",
    "check_dpop_proof",
    "ciphertext_size",
    "decrypt_stream",
    "encrypt_stream",
    "generate_private_key",
    "jwk_thumbprint",
    "load_private_key_pem",
    "make_client_assertion",
    "make_dpop_proof",
    "new_key",
    "open_master_key",
    "open_sealed",
    "private_key_pem",
    "public_jwk",
    "public_key_from_jwk",
    "seal",
    "sign_jws",
    "unverified_header",
    "unwrap_key",
    "verify_jws",
    "wrap_key",
]
