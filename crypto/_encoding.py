"""Strict base64url and JSON helpers shared by the JOSE, token and key-file code.

These raise ``ValueError``; every caller translates it into its own opaque
``crypto`` error at the module boundary.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["MAX_JSON_DEPTH", "b64url_decode", "b64url_encode", "json_compact", "json_object"]

MAX_JSON_DEPTH = 32  # arrays and objects inside one another; nothing we read needs more than a handful


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2) of ``data``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Decode canonical unpadded base64url; anything else (padding, ``+/``, stray bits) fails.

    The definition is the round trip: ``b64url_encode(result)`` is ``text``. It is checked without
    one: the alphabet swapped onto the standard one (``-_`` to ``+/`` and ``+/`` onto ``-_``, which the
    standard one refuses), no padding of the caller's, decoded strictly (no character outside the
    alphabet), then the unused low bits of the last character must be zero."""
    raw = text.encode("ascii", "strict") if isinstance(text, str) else bytes(text)
    rest = len(raw) % 4
    if rest == 1:
        raise ValueError("base64url length")
    if b"=" in raw:  # the strict decoder would take correct padding
        raise ValueError("base64url padded")
    try:
        data = binascii.a2b_base64(raw.translate(_TO_STANDARD) + b"=" * (-rest % 4), strict_mode=True)
    except binascii.Error as exc:
        raise ValueError("base64url") from exc
    if rest and _SIXBITS[raw[-1]] & (0x0F if rest == 2 else 0x03):
        raise ValueError("base64url not canonical")
    return data


_URLSAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_STANDARD = bytes.maketrans(b"-_+/", b"+/-_")
_SIXBITS = {byte: index for index, byte in enumerate(_URLSAFE)}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate JSON member")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError("non-finite JSON number")


def json_object(data: bytes | str) -> dict[str, Any]:
    """Parse a JSON object, refusing duplicate members, NaN/Infinity, non-objects, invalid UTF-8,
    lone surrogates (``"\\ud800"``: not text) and nesting deeper than ``MAX_JSON_DEPTH``."""
    if isinstance(data, bytes):
        fast = _canonical_object(data)
        if fast is not None:
            return fast
    try:
        text = data.decode("utf-8") if isinstance(data, bytes | bytearray) else data
    except UnicodeDecodeError as exc:
        raise ValueError("JSON text is not UTF-8") from exc
    try:
        value = _DECODER.decode(text)  # one decoder for all calls: building one per call costs µs
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    except ValueError as exc:
        raise ValueError("malformed JSON") from exc
    if not isinstance(value, dict):
        raise ValueError("JSON value is not an object")
    # Counting brackets (strings included) over-estimates the depth: most texts skip the walk.
    deep = text.count("[") + text.count("{") > MAX_JSON_DEPTH
    escaped = "\\u" in text  # only an escape can spell a lone surrogate
    if deep or escaped:
        _check_tree(value, escaped)
    return value


def _check_tree(value: Any, escaped: bool) -> None:
    """Walk without recursion: depth bound, and every string (keys too) encodable as UTF-8."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if escaped:
                _text(key)
            if isinstance(child, dict | list):
                pending.append((child, depth + 1))
            elif escaped:
                _text(child)


def _text(value: object) -> None:
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("lone surrogate in JSON string") from exc


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
_FAST_DECODER = msgspec.json.Decoder()
_FAST_ENCODER = msgspec.json.Encoder()


def _canonical_object(data: bytes) -> dict[str, Any] | None:
    """The object ``data`` spells when it is compact JSON as msgspec writes it (what tokens and
    proofs carry), else None and the full reader decides. msgspec alone would take a duplicate
    member (the last wins): but a text with one re-encodes longer than its value, so a value that
    re-encodes to ``data`` byte for byte had each member once, and no literal NaN or Infinity (not
    JSON to msgspec). Texts with a ``\\u`` escape (a lone surrogate?) or possibly deep go to the
    full reader untried."""
    if b"\\u" in data or data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:
        return None
    try:
        value = _FAST_DECODER.decode(data)
    except (msgspec.MsgspecError, ValueError, RecursionError):  # invalid UTF-8: UnicodeDecodeError
        return None  # the full reader says why
    if type(value) is not dict or _FAST_ENCODER.encode(value) != data:
        return None
    return value


def json_compact(value: Mapping[str, Any]) -> bytes:
    """Serialise ``value`` as compact UTF-8 JSON (no whitespace, non-ASCII kept)."""
    try:
        text = json.dumps(dict(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError("value is not JSON-serialisable") from exc
    return text.encode("utf-8")
