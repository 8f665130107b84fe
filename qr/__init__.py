"""QR payload encoding, rendering, image decoding and offline verification.

Three payload kinds, told apart by a magic prefix (byte layouts in ``qr/format.md``):

- ``WI1`` identity: the citizen's personal QR, signed by the wallet service's
  ES256 key, valid for a short window (2 minutes by default), carrying only
  the disclosed claims and a fresh nonce. A phone keeps a batch of them
  (``issue_identity_batch``) to show one with no network for 24 hours.
- ``WP1`` presentation: a compressed SD-JWT presentation (or any text), unverified here.
- ``WR1`` reference: a URL or code the verifier resolves online when the data is too big.

A verifier reads an image (``read_qr_image``), then ``decode_any`` with the
service keys of its cached trust list and its clock. Every failure is a
``QrError`` with a ``reason`` from ``QR_REASONS``.
"""

from qr._wire import IDENTITY_MAX_BYTES, qr_key_id
from qr.claims import DEFAULT_DISCLOSURE, DISCLOSABLE, IdentityClaims, IdentityStatus, disclose
from qr.decode import read_qr_image
from qr.encode import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LIFETIME,
    PRESENTATION_MAX_VERSION,
    IdentityToken,
    current_token,
    encode_identity,
    encode_presentation,
    encode_reference,
    identity_fits,
    issue_identity_batch,
)
from qr.errors import QR_REASONS, QrError, QrReason
from qr.render import QrMatrix, qr_matrix, qr_version, render_png, render_svg, render_terminal
from qr.verify import (
    DEFAULT_LEEWAY,
    Identity,
    Presentation,
    QrKeySet,
    Reference,
    decode_any,
    decode_presentation,
    decode_reference,
    verify_identity,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_DISCLOSURE",
    "DEFAULT_LEEWAY",
    "DEFAULT_LIFETIME",
    "DISCLOSABLE",
    "IDENTITY_MAX_BYTES",
    "PRESENTATION_MAX_VERSION",
    "QR_REASONS",
    "Identity",
    "IdentityClaims",
    "IdentityStatus",
    "IdentityToken",
    "Presentation",
    "QrError",
    "QrKeySet",
    "QrMatrix",
    "QrReason",
    "Reference",
    "current_token",
    "decode_any",
    "decode_presentation",
    "decode_reference",
    "disclose",
    "encode_identity",
    "encode_presentation",
    "encode_reference",
    "identity_fits",
    "issue_identity_batch",
    "qr_key_id",
    "qr_matrix",
    "qr_version",
    "read_qr_image",
    "render_png",
    "render_svg",
    "render_terminal",
    "verify_identity",
]
