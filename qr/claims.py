"""What an identity QR may show a stranger: a closed set of claims, each present only if disclosed.

``disclose`` picks the claims the citizen allows from their record; by default
``DEFAULT_DISCLOSURE``: full name, year of birth, last four digits of the CCCD
number and the wallet's verification status. Nothing else is ever put in the
payload but the validity window and a fresh nonce (see ``qr/format.md``).
"""

import dataclasses
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from qr.errors import QrError
from qr.names import NameError_, pack_name, unpack_name

__all__ = [
    "DEFAULT_DISCLOSURE",
    "DISCLOSABLE",
    "IdentityClaims",
    "IdentityStatus",
    "claims_from_wire",
    "claims_to_wire",
    "disclose",
]

IdentityStatus = Literal["verified", "self-asserted"]
"""How the wallet established the identity: checked by an identity provider, or as the citizen said."""

DISCLOSABLE = ("name", "birth_year", "cccd_last4", "status", "birth_date", "cccd")
DEFAULT_DISCLOSURE: frozenset[str] = frozenset({"name", "birth_year", "cccd_last4", "status"})

MAX_NAME_LENGTH = 100
MIN_BIRTH_YEAR, MAX_BIRTH_YEAR = 1900, 2100

# Wire keys of the claims (the map also holds 4 exp, 5 nbf, 7 nonce: see qr/format.md).
WIRE_KEYS: Mapping[str, int] = {
    "name": -1,
    "birth_year": -2,
    "cccd_last4": -3,
    "status": -4,
    "birth_date": -5,
    "cccd": -6,
}
STATUS_CODES: Mapping[str, int] = {"self-asserted": 1, "verified": 2}
_STATUS_BY_CODE = {code: status for status, code in STATUS_CODES.items()}
_DIGITS4 = re.compile(r"[0-9]{4}")
_DIGITS12 = re.compile(r"[0-9]{12}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _name(value: object) -> str:
    if not isinstance(value, str):
        raise QrError("invalid_claims")
    name = unicodedata.normalize("NFC", value)
    # isprintable: no control, format (bidi), surrogate, private-use, unassigned or
    # separator character but the ASCII space.
    if not 0 < len(name) <= MAX_NAME_LENGTH or name != name.strip() or not name.isprintable():
        raise QrError("invalid_claims")
    return name


def _birth_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise QrError("invalid_claims")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QrError("invalid_claims") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True, slots=True)
class IdentityClaims:
    """The disclosed claims of an identity QR; ``None`` means not disclosed. Names are kept NFC."""

    name: str | None = None
    birth_year: int | None = None
    cccd_last4: str | None = None
    status: IdentityStatus | None = None
    birth_date: str | None = None
    """ISO 8601 ``YYYY-MM-DD``."""
    cccd: str | None = None
    """The full 12-digit citizen ID number."""

    def __post_init__(self) -> None:
        if self.name is not None:
            object.__setattr__(self, "name", _name(self.name))  # frozen: normalised once, here
        if self.birth_year is not None and not (
            _is_int(self.birth_year) and MIN_BIRTH_YEAR <= self.birth_year <= MAX_BIRTH_YEAR
        ):
            raise QrError("invalid_claims")
        for value, pattern in ((self.cccd_last4, _DIGITS4), (self.cccd, _DIGITS12)):
            if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
                raise QrError("invalid_claims")
        if self.status is not None and self.status not in STATUS_CODES:
            raise QrError("invalid_claims")
        if self.birth_date is not None:
            born = _birth_date(self.birth_date) if isinstance(self.birth_date, str) else None
            if born is None or not MIN_BIRTH_YEAR <= born.year <= MAX_BIRTH_YEAR:
                raise QrError("invalid_claims")
            if self.birth_year is not None and born.year != self.birth_year:
                raise QrError("invalid_claims")
        if self.cccd is not None and self.cccd_last4 is not None and self.cccd[-4:] != self.cccd_last4:
            raise QrError("invalid_claims")

    def disclosed(self) -> dict[str, str | int]:
        """The disclosed claims by name, for display or JSON."""
        values = ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))
        return {name: value for name, value in values if value is not None}


def disclose(
    *,
    full_name: str,
    date_of_birth: str | date,
    cccd: str,
    status: IdentityStatus,
    fields: Iterable[str] = DEFAULT_DISCLOSURE,
) -> IdentityClaims:
    """The claims of a citizen's record that ``fields`` (names from ``DISCLOSABLE``) allow."""
    if isinstance(fields, str):  # a lone name would iterate as letters
        raise QrError("invalid_claims")
    chosen = frozenset(fields)
    if not chosen <= frozenset(DISCLOSABLE):
        raise QrError("invalid_claims")
    born = _birth_date(date_of_birth)
    if not (isinstance(cccd, str) and _DIGITS12.fullmatch(cccd)):
        raise QrError("invalid_claims")
    return IdentityClaims(
        name=full_name if "name" in chosen else None,
        birth_year=born.year if "birth_year" in chosen else None,
        cccd_last4=cccd[-4:] if "cccd_last4" in chosen else None,
        status=status if "status" in chosen else None,
        birth_date=born.isoformat() if "birth_date" in chosen else None,
        cccd=cccd if "cccd" in chosen else None,
    )


def claims_to_wire(claims: IdentityClaims) -> dict[int, str | int | bytes]:
    """The CBOR map entries of the disclosed claims (status as its code, the name packed)."""
    wire: dict[int, str | int | bytes] = {}
    for name, value in claims.disclosed().items():
        wire[WIRE_KEYS[name]] = STATUS_CODES[str(value)] if name == "status" else value
    if isinstance(claims.name, str):
        wire[WIRE_KEYS["name"]] = pack_name(claims.name)
    return wire


def claims_from_wire(wire: Mapping[Any, Any], *, packed: bool = True) -> IdentityClaims:
    """Claims from the CBOR map entries with negative keys; ``QrError('malformed')`` if not valid.

    Types and values are checked by ``IdentityClaims`` itself; only what it would
    quietly fix (a name not in NFC) or could not see (the status code, the packing) is checked here.
    ``packed``: the name is a byte string (``WI2``), else UTF-8 text (``WI1``).
    """
    by_name = {claim: wire[key] for claim, key in WIRE_KEYS.items() if key in wire}
    if "name" in by_name:
        by_name["name"] = _wire_name(by_name["name"], packed)
    if "status" in by_name:
        code = by_name["status"]
        by_name["status"] = _STATUS_BY_CODE.get(code) if _is_int(code) else None
        if by_name["status"] is None:
            raise QrError("malformed")
    name = by_name.get("name")
    if isinstance(name, str) and not unicodedata.is_normalized("NFC", name):
        raise QrError("malformed")
    try:
        return IdentityClaims(**by_name)
    except QrError:
        raise QrError("malformed") from None


def _wire_name(value: object, packed: bool) -> object:
    if not packed:
        if not isinstance(value, str):
            raise QrError("malformed")
        return value
    if not isinstance(value, bytes):
        raise QrError("malformed")
    try:
        return unpack_name(value)
    except NameError_:
        raise QrError("malformed") from None
