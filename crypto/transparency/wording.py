"""Access-log entries in plain words, Vietnamese first, then English, as the phone shows them.

"Sở Tư pháp Đà Nẵng đã xem giấy khai sinh của bạn cho thủ tục 1.001193 lúc 10:42
ngày 01/03/2026" / "Sở Tư pháp Đà Nẵng read your birth certificate for procedure
1.001193 at 10:42 on 2026-03-01". Times are Vietnam time (UTC+7). The server and
the phone word an entry with this one function, the phone from the entry it verified; the catalog's
type names are passed in (``consent.wording`` on the server, the server's labels on the phone).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable

from crypto.transparency.entry import AccessAction, AccessEntry

__all__ = ["ACTING_FOR", "NO_PROCEDURE", "ON_BEHALF", "VIETNAM", "TypeNames", "describe"]

TypeNames = Callable[[str], tuple[str, str] | None]
"""A document type id's name in Vietnamese and English (``None``: unknown, the id is shown)."""

VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")
NO_PROCEDURE = "-"  # an access that served no procedure (an issuance, a revocation)
ON_BEHALF = "mandate:"  # ``agency_id`` prefix: a delegate did it for you (``agency_name``: the delegate)
ACTING_FOR = "acting-for:"  # ``agency_id`` prefix: you did it for someone (``agency_name``: them)
_VERBS = {
    AccessAction.READ: ("đã xem", "read"),
    AccessAction.ISSUE: ("đã cấp", "issued"),
    AccessAction.REVOKE: ("đã thay đổi trạng thái", "changed the status of"),
    AccessAction.VERIFY: ("đã kiểm tra", "verified"),
    AccessAction.LOOKUP: ("đã tra cứu", "looked up"),
    AccessAction.REQUEST_PAUSED: ("đã bị chặn khi xin", "was blocked asking for"),
    AccessAction.INCIDENT: ("đã thông báo", "reported"),
    AccessAction.CREDENTIAL_REISSUE: ("đã cấp lại", "re-issued"),
    AccessAction.DECIDE: ("đã trả lời", "answered"),
    AccessAction.PRESENT: ("đã xuất trình", "presented"),
    AccessAction.VISIT: ("đã mở tại quầy một cửa", "opened at the one-stop counter"),
}
_MANDATE_EVENTS = {  # the purpose names "delegate → represented"; who did it, agency_name
    AccessAction.MANDATE_GRANT: (
        "{actor} đã lập uỷ quyền: {subject}",
        "{actor} granted a mandate: {subject}",
    ),
    AccessAction.MANDATE_END: (
        "{actor} đã chấm dứt uỷ quyền: {subject}",
        "{actor} ended a mandate: {subject}",
    ),
}
_DEVICE_EVENTS = {  # the subject device's name is the entry's purpose; who did it, its agency_name
    AccessAction.DEVICE_ADD: (
        'Thiết bị mới "{subject}" đã được thêm vào ví của bạn, do thiết bị "{actor}" phê duyệt',
        'New device "{subject}" was added to your wallet, approved by device "{actor}"',
    ),
    AccessAction.DEVICE_REVOKE: (
        'Thiết bị "{subject}" đã bị thu hồi khỏi ví của bạn, bởi thiết bị "{actor}"',
        'Device "{subject}" was revoked from your wallet by device "{actor}"',
    ),
    AccessAction.RECOVERY_START: (
        'Yêu cầu khôi phục ví cho thiết bị mới "{subject}" đã bắt đầu, xác minh bởi {actor}; '
        "nếu không phải bạn, hãy huỷ trên thiết bị bạn còn giữ",
        'A recovery of your wallet for new device "{subject}" was started, vouched for by {actor}; '
        "if it was not you, cancel it on a device you still hold",
    ),
    AccessAction.RECOVERY_CANCEL: (
        'Yêu cầu khôi phục ví cho thiết bị "{subject}" đã bị huỷ bởi thiết bị "{actor}"',
        'The recovery of your wallet for device "{subject}" was cancelled by device "{actor}"',
    ),
    AccessAction.RECOVERY_COMPLETE: (
        'Khôi phục ví đã hoàn tất: thiết bị "{subject}" thay thế mọi thiết bị cũ (xác minh bởi {actor})',
        'The recovery of your wallet completed: device "{subject}" replaced every earlier device '
        "(vouched for by {actor})",
    ),
    AccessAction.RECOVERY_EXPIRE: (
        'Yêu cầu khôi phục ví cho thiết bị "{subject}" đã hết hạn vì thiết bị đó không quay lại '
        "sau thời gian chờ; ví của bạn không thay đổi",
        'The recovery of your wallet for device "{subject}" expired: that device never came back after '
        "the cooling-off; your wallet is unchanged",
    ),
    AccessAction.ENROL_ATTEMPT: (  # the subject: the key's four words, as pairing shows them
        'Một thiết bị lạ (khoá "{subject}") đã thử đăng ký ví mới bằng số CCCD của bạn; ví của bạn '
        "không thay đổi. Nếu đó là bạn, hãy ghép thiết bị đó từ thiết bị này",
        'A device unknown to your wallet (key "{subject}") tried to enrol a new wallet with your CCCD; '
        "your wallet is unchanged. If it was you, pair that device from this one",
    ),
    AccessAction.CARD_ISSUE: (  # the subject: what was done ("Đăng ký ví tại quầy / Enrolled at ...")
        "{actor} đã cấp thẻ ví cho bạn ({subject}); mọi thẻ cũ không còn dùng được",
        "{actor} issued you a wallet card ({subject}); every earlier card no longer works",
    ),
    AccessAction.CARD_REFUSED: (
        "{actor} đã thử cấp thẻ ví cho số CCCD của bạn tại quầy nhưng mã PIN không khớp; ví và thẻ "
        "của bạn không thay đổi",
        "{actor} tried to issue a wallet card for your CCCD at the counter but the PIN did not match; "
        "your wallet and card are unchanged",
    ),
}

# Events whose subject is a fixed "Vietnamese / English" phrase (what was done), not a name.
_BILINGUAL_SUBJECT = frozenset({AccessAction.CARD_ISSUE})

# The citizen's requests to an agency: {agency}, {what} (the type, lower case), {why} (the purpose).
_REQUEST_EVENTS = {
    AccessAction.DELETION_ASKED: (
        "Bạn đã yêu cầu {agency} xoá dữ liệu của bạn mà cơ quan đã nhận{procedure_vi}",
        "You asked {agency} to delete the data of yours it received{procedure_en}",
    ),
    AccessAction.DELETION_AUTO_ASKED: (
        "Ví đã tự động yêu cầu {agency} xoá dữ liệu của bạn vì thời hạn lưu giữ cơ quan đã cam kết "
        "đã hết{procedure_vi}",
        "The wallet asked {agency} to delete your data: the retention it promised has passed{procedure_en}",
    ),
    AccessAction.DELETION_ATTESTED: (
        "{agency} đã xác nhận có chữ ký rằng đã xoá dữ liệu của bạn{procedure_vi}",
        "{agency} attested, signed, that it deleted your data{procedure_en}",
    ),
    AccessAction.DELETION_REFUSED: (
        "{agency} đã từ chối xoá dữ liệu của bạn{procedure_vi}, căn cứ pháp lý: {why}",
        "{agency} refused to delete your data{procedure_en}, legal basis: {why}",
    ),
    AccessAction.CORRECTION_ASKED: (
        "Bạn đã yêu cầu {agency} sửa thông tin trong {what_vi} của bạn ({why})",
        "You asked {agency} to correct your {what_en} ({why})",
    ),
    AccessAction.CORRECTION_REISSUED: (
        "{agency} đã sửa và cấp lại {what_vi} của bạn; bản cũ đã bị thu hồi",
        "{agency} corrected and re-issued your {what_en}; the old one is revoked",
    ),
    AccessAction.CORRECTION_REFUSED: (
        "{agency} đã từ chối sửa {what_vi} của bạn, lý do: {why}",
        "{agency} refused to correct your {what_en}, reason: {why}",
    ),
    AccessAction.REQUEST_OVERDUE: (
        "{agency} chưa trả lời {what_vi} của bạn đúng hạn; đơn vị vận hành ví đã được báo",
        "{agency} has not answered your {what_en} in time; the wallet's operator was told",
    ),
}


# What the log names that is not a document type of the catalog.
_OWN_NAMES = {
    "device-key": ("Khoá thiết bị", "Device key"),
    "device": ("Thiết bị", "Device"),
    "consent": ("Yêu cầu đồng ý", "Consent request"),
    "documents": ("Danh sách giấy tờ", "Document list"),
    "visit": ("Phiên làm việc", "Visit"),
    "presentation": ("Bản trình bày giấy tờ", "Presented credential"),
    "consent-request": ("Sự đồng ý (bạn đã tạm dừng các yêu cầu này)", "Consent (you paused such requests)"),
    "incident": ("Sự cố lộ lọt dữ liệu", "Data breach"),
    "deletion-request": ("Yêu cầu xoá dữ liệu", "Deletion request"),
    "correction-request": ("Yêu cầu sửa thông tin", "Correction request"),
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def describe(
    entry: AccessEntry, type_names: TypeNames, procedure_names: TypeNames | None = None
) -> tuple[str, str]:
    """The entry as one Vietnamese and one English sentence: who, what, for which procedure (its
    name by ``procedure_names``), which case and purpose, when; the type named by ``type_names``."""
    when = dt.datetime.fromtimestamp(entry.at, tz=VIETNAM)
    if entry.action in _DEVICE_EVENTS:
        return _device_event(entry, when, _DEVICE_EVENTS)
    if entry.action in _MANDATE_EVENTS:
        return _device_event(entry, when, _MANDATE_EVENTS)
    if entry.action in _REQUEST_EVENTS:
        return _request_event(entry, when, type_names, procedure_names)
    verb_vi, verb_en = _VERBS[entry.action]
    names = type_names(entry.resource_type) or _OWN_NAMES.get(entry.resource_type)
    type_vi, type_en = (
        (_lower_first(names[0]), _lower_first(names[1])) if names else (entry.resource_type,) * 2
    )
    if entry.agency_id.startswith(ACTING_FOR):
        vi = f"Bạn {verb_vi} {type_vi} của {entry.agency_name} (theo uỷ quyền)"
        en = f"You {verb_en} the {type_en} of {entry.agency_name} (under a mandate)"
    else:
        vi = f"{entry.agency_name} {verb_vi} {type_vi} của bạn"
        en = f"{entry.agency_name} {verb_en} your {type_en}"
    if entry.agency_id.startswith(ON_BEHALF):
        vi += " thay bạn (theo uỷ quyền)"
        en += " for you (under a mandate)"
    if entry.procedure_code != NO_PROCEDURE:
        named = procedure_names(entry.procedure_code) if procedure_names else None
        vi += f" cho thủ tục {entry.procedure_code}" + (f" {named[0]}" if named else "")
        en += f" for procedure {entry.procedure_code}" + (f" {named[1]}" if named else "")
        if entry.case_number:
            vi += f", hồ sơ số {entry.case_number}"
            en += f", case {entry.case_number}"
        vi += f" (mục đích: {entry.purpose})"
        en += f" (purpose: {entry.purpose})"
    elif entry.action == AccessAction.LOOKUP and entry.purpose:  # why: the issuance it serves
        why_vi, _, why_en = entry.purpose.partition(" / ")
        vi += f" ({_lower_first(why_vi)})"
        en += f" ({_lower_first(why_en or why_vi)})"
        if entry.case_number:
            vi += f", hồ sơ số {entry.case_number}"
            en += f", case {entry.case_number}"
    elif entry.action == AccessAction.INCIDENT:  # the purpose holds the incident's title, vi / en
        title_vi, _, title_en = entry.purpose.partition(" / ")
        vi = f"{entry.agency_name} {verb_vi} một sự cố lộ lọt dữ liệu liên quan đến bạn: {title_vi}"
        en = f"{entry.agency_name} {verb_en} a data breach affecting you: {title_en or title_vi}"
    vi += f" lúc {when:%H:%M} ngày {when:%d/%m/%Y}"
    en += f" at {when:%H:%M} on {when:%Y-%m-%d}"
    return unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en)


def _device_event(
    entry: AccessEntry, when: dt.datetime, texts: dict[AccessAction, tuple[str, str]]
) -> tuple[str, str]:
    """A device added or revoked, a mandate granted or ended: what (``purpose``), by whom."""
    subjects = (entry.purpose, entry.purpose)
    if entry.action in _BILINGUAL_SUBJECT and " / " in entry.purpose:  # "vi / en": each its own
        vi_part, _, en_part = entry.purpose.partition(" / ")
        subjects = (vi_part, en_part)
    vi, en = (
        t.format(subject=subject, actor=entry.agency_name)
        for t, subject in zip(texts[entry.action], subjects, strict=True)
    )
    vi += f" lúc {when:%H:%M} ngày {when:%d/%m/%Y}"
    en += f" at {when:%H:%M} on {when:%Y-%m-%d}"
    return unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en)


def _request_event(
    entry: AccessEntry, when: dt.datetime, type_names: TypeNames, procedure_names: TypeNames | None
) -> tuple[str, str]:
    """A request of the citizen to an agency (deletion, correction), its answer or its escalation."""
    names = type_names(entry.resource_type) or _OWN_NAMES.get(entry.resource_type)
    what_vi, what_en = (
        (_lower_first(names[0]), _lower_first(names[1])) if names else (entry.resource_type,) * 2
    )
    procedure_vi = procedure_en = ""
    if entry.procedure_code != NO_PROCEDURE:
        named = procedure_names(entry.procedure_code) if procedure_names else None
        procedure_vi = f" cho thủ tục {entry.procedure_code}" + (f" {named[0]}" if named else "")
        procedure_en = f" for procedure {entry.procedure_code}" + (f" {named[1]}" if named else "")
        if entry.case_number:
            procedure_vi += f", hồ sơ số {entry.case_number}"
            procedure_en += f", case {entry.case_number}"
    fields = {
        "agency": entry.agency_name,
        "what_vi": what_vi,
        "what_en": what_en,
        "why": entry.purpose,
        "procedure_vi": procedure_vi,
        "procedure_en": procedure_en,
    }
    vi, en = (template.format(**fields) for template in _REQUEST_EVENTS[entry.action])
    vi += f" lúc {when:%H:%M} ngày {when:%d/%m/%Y}"
    en += f" at {when:%H:%M} on {when:%Y-%m-%d}"
    return unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en)
