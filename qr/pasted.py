"""A code typed or pasted at a counter with no camera, turned into the payload a scan would give.

What a citizen can hand over without a camera: the text of a reference (``https://…`` URL or a
short code, with or without its ``WR1`` prefix), the base64 of a QR payload, or a presentation's
text (``…~…~``). ``payload_from_text`` maps each to the QR payload bytes ``decode_any`` reads, so
a pasted code goes through exactly the checks a scanned one does. Anything else comes back as its
own bytes, which ``decode_any`` refuses as ``malformed``.
"""

from __future__ import annotations

import base64
import binascii

from qr._wire import MAGIC_IDENTITY, MAGIC_IDENTITY_V1, MAGIC_PRESENTATION, MAGIC_REFERENCE
from qr.encode import encode_presentation, encode_reference
from qr.errors import QrError

__all__ = ["MAX_PASTED", "payload_from_text"]

MAX_PASTED = 200_000
_MAGICS = (MAGIC_IDENTITY, MAGIC_IDENTITY_V1, MAGIC_PRESENTATION, MAGIC_REFERENCE)


def payload_from_text(text: str) -> bytes:
    """The QR payload a pasted ``text`` stands for (unverified: ``decode_any`` decides)."""
    text = "".join(text.split()) if len(text) <= MAX_PASTED else text  # line breaks from copying
    raw = text.encode("utf-8", "replace")
    if raw[:3] in _MAGICS:
        return raw
    if "~" in text:  # an SD-JWT presentation's own text
        try:
            return encode_presentation(text, max_version=40)
        except QrError:
            return raw
    try:
        decoded = base64.b64decode(text, validate=True) if len(text) % 4 == 0 else b""
    except (binascii.Error, ValueError):
        decoded = b""
    if decoded[:3] in _MAGICS:
        return decoded
    try:
        return encode_reference(text)
    except QrError:
        return raw
