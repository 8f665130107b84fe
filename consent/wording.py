"""Access-log entries in plain words, Vietnamese first, then English, as the phone shows them.

"Sở Tư pháp Đà Nẵng đã xem giấy khai sinh của bạn cho thủ tục 1.001193 lúc 10:42
ngày 01/03/2026" / "Sở Tư pháp Đà Nẵng read your birth certificate for procedure
1.001193 at 10:42 on 2026-03-01". Times are Vietnam time (UTC+7). The server and
the phone word an entry with this one function, the phone from the entry it verified.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from consent.catalog import document_types
from consent.entry import AccessAction, AccessEntry

__all__ = ["NO_PROCEDURE", "VIETNAM", "describe"]

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
NO_PROCEDURE = "-"  # an access that served no procedure (an issuance, a revocation)
_VERBS = {
    AccessAction.READ: ("đã xem", "read"),
    AccessAction.ISSUE: ("đã cấp", "issued"),
    AccessAction.REVOKE: ("đã thay đổi trạng thái", "changed the status of"),
    AccessAction.VERIFY: ("đã kiểm tra", "verified"),
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _type_names(type_id: str) -> tuple[str, str]:
    entry = document_types().get(type_id)
    if entry is None:
        return type_id, type_id
    return _lower_first(entry.name_vi), _lower_first(entry.name_en)


def describe(entry: AccessEntry) -> tuple[str, str]:
    """The entry as one Vietnamese and one English sentence."""
    when = dt.datetime.fromtimestamp(entry.at, tz=VIETNAM)
    verb_vi, verb_en = _VERBS[entry.action]
    type_vi, type_en = _type_names(entry.resource_type)
    vi = f"{entry.agency_name} {verb_vi} {type_vi} của bạn"
    en = f"{entry.agency_name} {verb_en} your {type_en}"
    if entry.procedure_code != NO_PROCEDURE:
        vi += f" cho thủ tục {entry.procedure_code}"
        en += f" for procedure {entry.procedure_code}"
    vi += f" lúc {when:%H:%M} ngày {when:%d/%m/%Y}"
    en += f" at {when:%H:%M} on {when:%Y-%m-%d}"
    return unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en)
