"""Validation of what a citizen asserts at enrolment: CCCD number, name, date of birth."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import qr
from wallet_api.errors import InvalidCccd, InvalidDate, InvalidName

MAX_NAME_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Cccd:
    """A validated 12-digit citizen ID number and what its digits encode."""

    number: str
    province_code: str
    province: str
    sex: str
    birth_year_digits: str
    century: int


@cache
def provinces() -> dict[str, str]:
    """Province code → name, from the packaged data file."""
    raw = resources.files("wallet_api").joinpath("data/provinces.json").read_text("utf-8")
    codes: dict[str, str] = json.loads(raw)["codes"]
    return codes


def _cccd_error(vi: str, en: str) -> InvalidCccd:
    return InvalidCccd(en, reason_vi=vi, reason_en=en)


def parse_cccd(raw: str, date_of_birth: dt.date) -> Cccd:
    """Check a CCCD number against its rules and the date of birth; raise ``InvalidCccd``."""
    number = unicodedata.normalize("NFKC", raw).strip()
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise _cccd_error("phải gồm đúng 12 chữ số", "it must be exactly 12 digits")
    code = number[:3]
    if code not in provinces():
        raise _cccd_error(f"mã tỉnh {code} không tồn tại", f"province code {code} does not exist")
    digit = int(number[3])
    century = 20 + digit // 2  # 0/1: 20th century (1900s), 2/3: 21st, ... per Circular 07/2016
    sex = "female" if digit % 2 else "male"
    if (date_of_birth.year // 100) + 1 != century:
        raise _cccd_error(
            "chữ số thế kỷ/giới tính không khớp năm sinh",
            "the century/sex digit does not match the year of birth",
        )
    if number[4:6] != f"{date_of_birth.year % 100:02d}":
        raise _cccd_error(
            "hai chữ số năm sinh không khớp ngày sinh",
            "the two year digits do not match the date of birth",
        )
    return Cccd(number, code, provinces()[code], sex, number[4:6], century)


def parse_cccd_number(raw: str) -> str:
    """The NFKC-normalised number if it has 12 digits and a real province code (no birth check)."""
    number = unicodedata.normalize("NFKC", raw).strip()
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        raise _cccd_error("phải gồm đúng 12 chữ số", "it must be exactly 12 digits")
    if number[:3] not in provinces():
        raise _cccd_error(f"mã tỉnh {number[:3]} không tồn tại", f"province code {number[:3]} does not exist")
    return number


def parse_date_of_birth(raw: str, today: dt.date) -> dt.date:
    """An ISO date, not in the future and not before 1900."""
    try:
        value = dt.date.fromisoformat(raw.strip())
    except (ValueError, AttributeError):
        raise InvalidDate("not an ISO date") from None
    if value > today or value.year < 1900:
        raise InvalidDate("out of range")
    return value


def normalize_name(raw: str) -> str:
    """NFC, trimmed, single spaces; letters, spaces, hyphens and apostrophes only."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise InvalidName("length")
    for ch in name:
        if ch in " -'’.":
            continue
        if not unicodedata.category(ch).startswith(("L", "M")):
            raise InvalidName("character")
    if not qr.identity_fits(name):  # every enrolled citizen can show an identity QR
        raise InvalidName("length")
    return name
