"""What a verifier shows of a verdict, in words: one table of labels and one date format.

``wallet-verify``, ``POST /v1/verify`` and the ``/verify`` page all show disclosed data through
``shown_fields``: a credential's claims labelled from the catalog carried by the trust list, an
identity QR's claims from ``IDENTITY_LABELS``, dates as Vietnamese write them, technical claims
(``iss``, ``cnf``, ``status`` …) never. So a label or a date cannot differ between verifiers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from qr.trust import TypeEntry

__all__ = ["IDENTITY_LABELS", "TECHNICAL", "Field", "format_date", "shown_fields"]

TECHNICAL = frozenset({"iss", "vct", "iat", "exp", "cnf", "status", "nbf", "_sd_alg", "sub"})

IDENTITY_LABELS: dict[str, tuple[str, str]] = {
    "name": ("Họ và tên", "Full name"),
    "birth_year": ("Năm sinh", "Year of birth"),
    "cccd_last4": ("4 số cuối CCCD", "Last 4 digits of the ID number"),
    "status": ("Xác thực danh tính", "Identity"),
    "birth_date": ("Ngày sinh", "Date of birth"),
    "cccd": ("Số CCCD", "ID number"),
}
_IDENTITY_STATUS = {
    "self-asserted": ("tự khai báo", "self-asserted"),
    "verified": ("đã xác minh", "verified"),
}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True, slots=True)
class Field:
    """One line of a verdict: the claim's name, its labels and its value, in each language."""

    key: str
    label_vi: str
    label_en: str
    value_vi: str
    value_en: str

    def as_json(self) -> dict[str, str]:
        return {
            "key": self.key,
            "label_vi": self.label_vi,
            "label_en": self.label_en,
            "value_vi": self.value_vi,
            "value_en": self.value_en,
        }


def format_date(value: str) -> tuple[str, str] | None:
    """``YYYY-MM-DD`` as ``DD/MM/YYYY`` (Vietnamese) and ``D Month YYYY`` (English); None if not a date."""
    match = _ISO_DATE.fullmatch(value)
    if not match:
        return None
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return (
        f"{day.day:02d}/{day.month:02d}/{day.year:04d}",
        f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}",
    )


def _text(value: Any) -> tuple[str, str]:
    if isinstance(value, bool):
        return ("có", "yes") if value else ("không", "no")
    if isinstance(value, str):
        return format_date(value) or (value, value)
    if isinstance(value, (dict, list)):
        parts = value.values() if isinstance(value, dict) else value
        texts = [_text(part) for part in parts]
        return ", ".join(t[0] for t in texts), ", ".join(t[1] for t in texts)
    return str(value), str(value)


def shown_fields(claims: dict[str, Any], *, kind: str, doc_type: TypeEntry | None = None) -> list[Field]:
    """The claims a verifier shows, in order, labelled; ``kind`` is "identity" for an identity QR."""
    shown: list[Field] = []
    if kind == "identity":
        for key, value in claims.items():
            vi_label, en_label = IDENTITY_LABELS.get(key, (key, key))
            vi, en = _IDENTITY_STATUS.get(value, _text(value)) if key == "status" else _text(value)
            shown.append(Field(key, vi_label, en_label, vi, en))
        return shown
    labels = doc_type.claims if doc_type else {}
    ordered = [k for k in labels if k in claims] + [k for k in claims if k not in labels]
    for key in ordered:
        if key in TECHNICAL:
            continue
        vi_label, en_label = labels.get(key, (key, key))
        vi, en = _text(claims[key])
        shown.append(Field(key, vi_label, en_label, vi, en))
    return shown
