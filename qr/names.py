"""Names packed one byte per letter of the Vietnamese alphabet, so every enrolable name fits an
identity QR a phone screen can show.

UTF-8 spends two or three bytes on each letter with a diacritic (``ễ`` is three); a long name
such as "Công Tằng Tôn Nữ Thị …" pushed the identity QR past version 10. A packed name is one
byte per printable ASCII character and per precomposed Vietnamese letter (the 134 of them), and
``ESCAPE`` followed by the UTF-8 of anything else (self-delimiting). The table is generated in a
fixed order and pinned by tests/vectors/qr/names.json: changing it changes the wire format.
"""

from __future__ import annotations

import unicodedata

__all__ = ["pack_name", "unpack_name"]

ESCAPE = 0xFF
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # none, huyền, hỏi, ngã, sắc, nặng


def _alphabet() -> tuple[str, ...]:
    ascii_printable = [chr(c) for c in range(0x20, 0x7F)]
    lower = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES]
    vietnamese = [c for c in lower if not c.isascii()] + ["đ"]
    return (*ascii_printable, *vietnamese, *(c.upper() for c in vietnamese))


ALPHABET = _alphabet()
_CODES = {ch: code for code, ch in enumerate(ALPHABET)}
assert len(ALPHABET) == len(_CODES) == 95 + 134 < ESCAPE  # a wire-format invariant at import


class NameError_(ValueError):
    """Bytes that are not a packed name."""


def pack_name(name: str) -> bytes:
    """The name (NFC) in one byte per ASCII or Vietnamese letter, anything else escaped."""
    out = bytearray()
    for ch in name:
        code = _CODES.get(ch)
        if code is None:
            out.append(ESCAPE)
            out += ch.encode("utf-8")
        else:
            out.append(code)
    return bytes(out)


def unpack_name(data: bytes) -> str:
    """The name ``pack_name`` packed; ``NameError_`` for anything it could not have written."""
    chars: list[str] = []
    i = 0
    while i < len(data):
        code = data[i]
        if code == ESCAPE:
            ch, i = _escaped(data, i + 1)
            if ch in _CODES:  # pack_name never escapes a letter of the table: one text, one packing
                raise NameError_("needlessly escaped")
            chars.append(ch)
            continue
        if code >= len(ALPHABET):
            raise NameError_("unknown code")
        chars.append(ALPHABET[code])
        i += 1
    return "".join(chars)


def _escaped(data: bytes, start: int) -> tuple[str, int]:
    if start >= len(data):
        raise NameError_("escape at the end")
    first = data[start]
    size = 1 if first < 0x80 else 2 if first >> 5 == 0b110 else 3 if first >> 4 == 0b1110 else 4
    try:
        ch = data[start : start + size].decode("utf-8")
    except UnicodeDecodeError:
        raise NameError_("bad UTF-8 after an escape") from None
    if len(ch) != 1:
        raise NameError_("bad UTF-8 after an escape")
    return ch, start + size
