"""Bad input in the reader's language: the framework's validation messages, localised and cleaned.

Litestar and msgspec word their refusals in English ("Expected `str`, got
`int`", "Validation failed for POST /v1/me/documents?filename=…") and echo
the request. ``framework_reasons`` turns them into a short Vietnamese and
English reason that names at most a few fields, each cleaned and cut short;
nothing else from the request comes back.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.exceptions import HTTPException

INPUT_PROBLEMS: dict[str, tuple[int, str, str, str, str]] = {
    "unsupported_body_type": (
        415,
        "Định dạng dữ liệu không được hỗ trợ",
        "Unsupported media type",
        "Hãy gửi nội dung dạng {expected} (UTF-8).",
        "Send the body as {expected} (UTF-8).",
    ),
}

MAX_FIELDS = 3  # errors named in one answer
MAX_NAME = 40  # characters of one field name
_TYPES = {
    "str": ("chuỗi", "a string"),
    "int": ("số nguyên", "an integer"),
    "float": ("số", "a number"),
    "bool": ("true hoặc false", "true or false"),
    "object": ("đối tượng JSON", "a JSON object"),
    "array": ("mảng", "an array"),
    "null": ("null", "null"),
}
_EXPECTED = re.compile(r"Expected `([^`]{1,60})`(?:, got `[^`]*`)?$")
_BOUND = re.compile(r"Expected `([^`]{1,60})`(?: of length)? ([<>]=?) (-?\d{1,20})$")
_MISSING = re.compile(r"Object missing required field `([^`]{0,200})`")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]{0,200})`")
_ENUM = re.compile(r"Invalid enum value")
_PARAMETER = re.compile(r"Missing required (\w{1,16}) parameter '([^']{0,200})'")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\[\]-]")


def clean_name(raw: str) -> str:
    """A field name safe to repeat: letters, digits and ``_.-[]`` only, at most ``MAX_NAME`` characters."""
    name = _UNSAFE.sub("", raw)
    return name[:MAX_NAME] + ("…" if len(name) > MAX_NAME else "")


def framework_reasons(exc: HTTPException) -> dict[str, str]:
    """``reason_vi`` / ``reason_en`` for a litestar client error; never the request's own text."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    reasons = [_reason(entry) for entry in extra if isinstance(entry, dict)][:MAX_FIELDS]
    if not reasons:
        missing = _PARAMETER.search(str(exc.detail))
        if missing:
            reasons = [_pair("Thiếu tham số '{0}'", "Missing parameter '{0}'", clean_name(missing.group(2)))]
        else:
            reasons = [("Yêu cầu không đúng định dạng", "The request is malformed")]
    return {"reason_vi": "; ".join(r[0] for r in reasons), "reason_en": "; ".join(r[1] for r in reasons)}


def _reason(entry: dict[str, Any]) -> tuple[str, str]:
    name = clean_name(str(entry.get("key", "")))
    message = str(entry.get("message", ""))
    if found := _MISSING.search(message):
        field = clean_name(f"{name}.{found.group(1)}" if name and name != "data" else found.group(1))
        return _pair("Thiếu trường '{0}'", "Missing field '{0}'", field)
    if found := _UNKNOWN.search(message):
        field = clean_name(found.group(1))
        return _pair("Trường '{0}' không được hỗ trợ", "Unknown field '{0}'", field)
    if _ENUM.search(message):
        return _pair(
            "Trường '{0}' có giá trị không được hỗ trợ", "Field '{0}' has an unsupported value", name
        )
    if found := _BOUND.search(message):
        return _bound(name, found.group(1), found.group(2), found.group(3), "length" in message)
    if found := _EXPECTED.search(message):
        vi, en = _type_names(found.group(1))
        return (f"Trường '{name}' phải là {vi}", f"Field '{name}' must be {en}")
    return _pair("Trường '{0}' không hợp lệ", "Field '{0}' is invalid", name)


def _bound(name: str, kind: str, op: str, limit: str, length: bool) -> tuple[str, str]:
    words_vi = {">=": "ít nhất", ">": "hơn", "<=": "nhiều nhất", "<": "ít hơn"}[op]
    words_en = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}[op]
    if length:
        unit_vi, unit_en = ("ký tự", "characters") if kind == "str" else ("phần tử", "items")
        return (
            f"Trường '{name}' phải có {words_vi} {limit} {unit_vi}",
            f"Field '{name}' must have {words_en} {limit} {unit_en}",
        )
    compare_vi = {">=": "không nhỏ hơn", ">": "lớn hơn", "<=": "không lớn hơn", "<": "nhỏ hơn"}[op]
    return (f"Trường '{name}' phải {compare_vi} {limit}", f"Field '{name}' must be {words_en} {limit}")


def _type_names(spec: str) -> tuple[str, str]:
    parts = [_TYPES.get(part.strip(), ("giá trị khác", "another value")) for part in spec.split("|")]
    return " hoặc ".join(p[0] for p in parts), " or ".join(p[1] for p in parts)


def _pair(vi: str, en: str, name: str) -> tuple[str, str]:
    return vi.format(name), en.format(name)
