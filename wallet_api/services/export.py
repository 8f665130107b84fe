"""Export of everything a citizen holds, and everything done with it, as one ZIP archive.

Streamed in bounded memory. ``manifest.json`` follows ``schema.json`` (JSON Schema 2020-12, also
in the archive and served at ``/v1/schemas/export.json``): the profile; every document (its
content in ``documents/``) and credential (its SD-JWT in ``credentials/``); every consent with the
request, the device-signed decision and the service-signed receipt; every access-log entry with
its inclusion proof against one signed tree head (checkable offline with the service's JWKS); the
citizen's devices, active and revoked; the mandates the citizen granted and holds (with state and
scope); the recoveries of the wallet, pending or ended (never a recovery code); each credential's
re-issue status; the pauses on new requests; the breach notices.
``summary.html`` says the same in Vietnamese words (English beside), for a person rather than a
program. This is the right of access in a machine-readable form (Decree 13/2023, art. 14; GDPR
art. 15 and 20 for comparison).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import zipfile
from collections.abc import Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from crypto.transparency import VIETNAM

if TYPE_CHECKING:
    import storage
    from wallet_api.rights.requests import RequestView
    from wallet_api.services import Services

FORMAT = "citizen-data-wallet-export/2"
SCHEMA = resources.files("wallet_api").joinpath("data/export.schema.json")
_STATES = {
    "pending": ("chờ bạn quyết định", "waiting for you"),
    "approved": ("đã đồng ý", "approved"),
    "denied": ("đã từ chối", "denied"),
    "revoked": ("đã rút lại", "revoked"),
    "closed": ("cơ quan đã đóng hồ sơ", "closed by the agency"),
    "expired": ("hết hạn", "expired"),
    "used_up": ("đã dùng hết lượt", "used up"),
    "valid": ("còn hiệu lực", "valid"),
    "suspended": ("tạm dừng", "suspended"),
    "active": ("đang có hiệu lực", "active"),
    "ended": ("đã chấm dứt", "ended"),
    "cancelled": ("đã huỷ", "cancelled"),
    "completed": ("đã hoàn tất", "completed"),
    "not_needed": ("không cần", "not needed"),
    "done": ("đã cấp lại", "re-issued"),
}
_NOT_YET = {"pending": ("chưa đến ngày hiệu lực", "not yet valid")}
_COOLING_OFF = {
    "pending": ("đang chờ, thiết bị cũ còn huỷ được", "cooling off, a held device can cancel"),
    "expired": ("hết hạn, thiết bị mới không quay lại", "expired, the new device never came back"),
}
_ROLES = {"granted": ("bạn uỷ quyền", "you granted"), "held": ("bạn được uỷ quyền", "you hold")}


class _Sink:
    """A write-only file object whose bytes are drained by the generator."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._offset = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self._offset

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_archive(services: Services, citizen_id: str) -> Iterator[bytes]:
    """Yield the ZIP: ``manifest.json``, ``schema.json``, ``summary.html``, documents, credentials."""
    profile = services.citizens.profile(citizen_id)
    sink = _Sink()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "schema": "schema.json",
        "exported_at": services.ctx.utcnow().isoformat(),
        "citizen": {
            "citizen_id": profile.citizen_id,
            "cccd": profile.cccd,
            "full_name": profile.full_name,
            "date_of_birth": profile.date_of_birth,
            "enrolled_at": profile.created_at.isoformat(),
        },
    }
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:  # type: ignore[call-overload]  # a write-only stream is enough for "w"
        documents: list[dict[str, Any]] = []
        for meta, content in services.documents.records_with_plaintext(citizen_id):
            path = f"documents/{meta.id}-{meta.filename}"
            with archive.open(path, "w", force_zip64=True) as target:
                for chunk in content:
                    target.write(chunk)
                    yield sink.drain()
            documents.append(
                {
                    "id": meta.id,
                    "type": meta.doc_type,
                    "provenance": meta.provenance,
                    "content_type": meta.content_type,
                    "size": meta.size,
                    "filename": meta.filename,
                    "version": meta.version,
                    "created_at": meta.created_at.isoformat(),
                    "path": path,
                }
            )
            yield sink.drain()
        manifest["documents"] = documents
        held = []
        reissues = {r.credential_id: r for r in services.reissues.of_citizen(citizen_id)}
        replaces = {r.new_credential_id: r.credential_id for r in reissues.values() if r.new_credential_id}
        for credential in services.credentials.list(citizen_id):
            path = f"credentials/{credential.id}.sd-jwt"
            archive.writestr(path, credential.sd_jwt)
            held.append(
                {
                    "id": credential.id,
                    "type": credential.doc_type,
                    "vct": credential.vct,
                    "issuer": credential.issuer_id,
                    "issuer_name": credential.issuer_name,
                    "issued_at": credential.issued_at.isoformat(),
                    "expires_at": credential.expires_at.isoformat(),
                    "status": credential.status,
                    "path": path,
                    **_reissue(credential.id, credential.needs_reissue, reissues, replaces),
                }
            )
        manifest["credentials"] = held
        yield sink.drain()
        manifest["consents"] = _consents(services, citizen_id)
        manifest["access_log"] = _access_log(services, citizen_id)
        manifest["devices"] = [
            {
                "device_id": d.record.id,
                "name": d.record.name,
                "jkt": d.record.jkt,
                "words": d.words,
                "how_added": d.record.how_added,
                "added_at": d.record.added_at.isoformat(),
                "last_used_at": _iso(d.record.last_used_at),
                "revoked_at": _iso(d.record.revoked_at),
            }
            for d in services.devices.list(citizen_id, "")
        ]
        manifest["mandates"] = _mandates(services, citizen_id)
        manifest["recoveries"] = [
            {
                "id": r.record.id,
                "status": r.record.status,
                "method": r.record.method,
                "vouched_by": r.vouched_by,
                "assurance": r.record.assurance,
                "device_name": r.record.name,
                "device_words": r.words,
                "started_at": r.record.started_at.isoformat(),
                "completes_at": r.record.completes_at.isoformat(),
                "ended_at": _iso(r.record.ended_at),
            }
            for r in services.recovery.of_citizen(citizen_id)
        ]
        manifest["restrictions"] = [
            {
                "id": r.id,
                "agency_id": r.agency_id,
                "agency_name": r.agency_name,
                "procedure_code": r.procedure_code,
                "since": r.since.isoformat(),
            }
            for r in services.restrictions.active(citizen_id)
        ]
        manifest["incidents"] = [
            {
                "id": i.id,
                "title_vi": i.title_vi,
                "title_en": i.title_en,
                "detail_vi": i.detail_vi,
                "detail_en": i.detail_en,
                "occurred_at": i.occurred_at.isoformat(),
                "recorded_at": i.recorded_at.isoformat(),
            }
            for i in services.incidents.of_citizen(citizen_id)
        ]
        manifest["deletion_requests"] = _requests(services.deletions.of_citizen(citizen_id))
        manifest["corrections"] = _requests(services.corrections.of_citizen(citizen_id))
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("schema.json", SCHEMA.read_bytes())
        archive.writestr("summary.html", summary_html(manifest))
    yield sink.drain()


def _reissue(
    credential_id: str,
    needs_reissue: bool,
    reissues: dict[str, storage.ReissueRecord],
    replaces: dict[str, str],
) -> dict[str, Any]:
    """A credential's re-issue status: ``not_needed`` (bound to a key the citizen holds), ``pending``
    (bound to a key no longer held, waiting for its issuer) or ``done`` (``replaced_by`` the new one);
    ``replaces``: the credential a re-issued one took the place of."""
    entry = reissues.get(credential_id)
    if entry is not None and entry.done_at is not None:
        status = "done"
    elif entry is not None or needs_reissue:
        status = "pending"
    else:
        status = "not_needed"
    return {
        "reissue": status,
        "replaced_by": entry.new_credential_id if entry is not None else None,
        "replaces": replaces.get(credential_id),
    }


def _mandates(services: Services, citizen_id: str) -> list[dict[str, Any]]:
    """Mandates the citizen granted (or an agency established for them) and those they hold."""
    return [
        {
            "id": m.record.id,
            "role": "granted" if m.record.represented_id == citizen_id else "held",
            "kind": m.record.kind,
            "basis": m.record.basis,
            "represented_name": m.represented_name,
            "delegate_name": m.delegate_name,
            "state": m.state,
            "scope": {
                "documents": list(m.scope.documents),
                "procedures": list(m.scope.procedures),
                "credentials": list(m.scope.credentials),
            },
            "valid_from": m.record.valid_from.isoformat(),
            "valid_until": m.record.valid_until.isoformat(),
            "created_at": m.record.created_at.isoformat(),
            "ended_at": _iso(m.record.ended_at),
        }
        for m in services.mandates.list(citizen_id)
    ]


def _requests(views: list[RequestView]) -> list[dict[str, Any]]:
    """Deletion or correction requests with their answers (attestations as the agency signed them)."""
    return [
        {
            **{k: v for k, v in dataclasses.asdict(view).items() if not isinstance(v, dt.datetime)},
            "created_at": view.created_at.isoformat(),
            "due_at": view.due_at.isoformat(),
            "answered_at": _iso(view.answered_at),
        }
        for view in views
    ]


def _consents(services: Services, citizen_id: str) -> list[dict[str, Any]]:
    out = []
    for view in services.consents.list_for_citizen(citizen_id, None):
        record = view.record
        entry: dict[str, Any] = {
            "id": record.id,
            "agency_id": record.agency_id,
            "agency_name": view.agency_name,
            "procedure_code": record.procedure_code,
            "case_number": record.case_number,
            "purpose": record.purpose,
            "state": view.state,
            "requested": [item.to_json() for item in view.requested],
            "approved": [item.to_json() for item in view.approved],
            "max_uses": record.max_uses,
            "uses": record.uses,
            "retention_days": record.retention_days,
            "requested_at": record.created_at.isoformat(),
            "valid_until": record.valid_until.isoformat(),
            "decided_at": _iso(record.decided_at),
            "ended_at": _iso(record.ended_at),
            "decision_jws": record.decision,  # signed by the citizen's device: what they decided
        }
        if record.decided_at is not None:
            entry["receipt_jws"] = services.consents.signed_receipt(view)["receipt_jws"]
        out.append(entry)
    return out


def _access_log(services: Services, citizen_id: str) -> dict[str, Any]:
    pages = list(services.access_log.whole(citizen_id))
    if not pages:
        return {"tree_head": services.access_log.signed_head(citizen_id), "tree_size": 0, "entries": []}
    head, size, _ = pages[0]
    return {"tree_head": head, "tree_size": size, "entries": [e for _, _, page in pages for e in page]}


def _when(raw: str | None) -> str:
    if not raw:
        return "—"
    at = dt.datetime.fromisoformat(raw).astimezone(VIETNAM)
    return f"{at:%H:%M} {at:%d/%m/%Y}"


def _state(code: str, own: dict[str, tuple[str, str]] | None = None) -> str:
    vi, en = (own or {}).get(code) or _STATES.get(code, (code, code))
    return f"{vi} / {en}"


def summary_html(manifest: dict[str, Any]) -> str:
    """The manifest in words, Vietnamese first: a page anyone can open, print or keep."""
    e = html.escape
    person = manifest["citizen"]
    parts = [
        "<!doctype html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Dữ liệu của {e(person['full_name'])} — Ví dữ liệu công dân</title>",
        "<style>body{font-family:system-ui,'Noto Sans',sans-serif;max-width:60rem;margin:auto;padding:1rem;"
        "line-height:1.5}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;"
        "padding:.3rem;text-align:left;vertical-align:top}.en{color:#555}</style></head><body>",
        "<h1>Dữ liệu của bạn trong ví <span class='en'>/ Your data in the wallet</span></h1>",
        f"<p>Xuất lúc / Exported at {e(_when(manifest['exported_at']))}. Tệp <code>manifest.json</code> "
        "chứa cùng nội dung cho máy đọc, theo <code>schema.json</code>; nhật ký kèm bằng chứng có chữ ký "
        "để kiểm tra lại. <span class='en'>manifest.json holds the same for programs; the log comes "
        "with signed proofs.</span></p>",
        "<h2>Thông tin cá nhân <span class='en'>/ Personal details</span></h2><table>",
        f"<tr><th>Họ và tên / Full name</th><td>{e(person['full_name'])}</td></tr>",
        f"<tr><th>Số CCCD / ID number</th><td>{e(person['cccd'])}</td></tr>",
        f"<tr><th>Ngày sinh / Date of birth</th><td>{e(_date(person['date_of_birth']))}</td></tr>",
        f"<tr><th>Đăng ký ví / Enrolled</th><td>{e(_when(person['enrolled_at']))}</td></tr></table>",
        _h2("Tài liệu", "Documents", len(manifest["documents"])),
        _table(
            ("Tên tệp / File", "Loại / Type", "Kích thước / Size", "Lưu lúc / Stored"),
            [
                (d["filename"], d["type"], f"{d['size']:,} B", _when(d["created_at"]))
                for d in manifest["documents"]
            ],
        ),
        _h2("Giấy tờ điện tử", "Credentials", len(manifest["credentials"])),
        _table(
            (
                "Loại / Type",
                "Cơ quan cấp / Issuer",
                "Trạng thái / Status",
                "Hết hạn / Expires",
                "Cấp lại cho thiết bị mới / Re-issue to a new device",
            ),
            [
                (
                    c["type"],
                    c["issuer_name"],
                    _state(c["status"]),
                    _when(c["expires_at"]),
                    _reissue_words(c["reissue"]),
                )
                for c in manifest["credentials"]
            ],
        ),
        _h2("Yêu cầu đồng ý", "Consent requests", len(manifest["consents"])),
        _table(
            (
                "Cơ quan / Agency",
                "Thủ tục, hồ sơ / Procedure, case",
                "Mục đích / Purpose",
                "Trạng thái / State",
                "Lượt dùng / Uses",
            ),
            [
                (
                    c["agency_name"],
                    f"{c['procedure_code']}, {c['case_number']}",
                    c["purpose"],
                    _state(c["state"]),
                    f"{c['uses']}/{c['max_uses']}",
                )
                for c in manifest["consents"]
            ],
        ),
        _h2("Nhật ký truy cập", "Access log", manifest["access_log"]["tree_size"]),
        "<ol start='0'>"
        + "".join(
            f"<li>{e(x['text_vi'])}<br><span class='en'>{e(x['text_en'])}</span></li>"
            for x in manifest["access_log"]["entries"]
        )
        + "</ol>",
        _h2("Thiết bị", "Devices", len(manifest["devices"])),
        _table(
            ("Tên / Name", "Từ nhận dạng / Words", "Thêm lúc / Added", "Thu hồi / Revoked"),
            [
                (d["name"], d["words"], _when(d["added_at"]), _when(d["revoked_at"]))
                for d in manifest["devices"]
            ],
        ),
        _h2("Uỷ quyền", "Mandates", len(manifest["mandates"])),
        _table(
            (
                "Vai trò / Role",
                "Người được đại diện / Represented",
                "Người đại diện / Delegate",
                "Phạm vi / Scope",
                "Trạng thái / State",
                "Hiệu lực đến / Valid until",
            ),
            [
                (
                    "{} / {}".format(*_ROLES[m["role"]]),
                    m["represented_name"],
                    m["delegate_name"],
                    _scope_words(m["scope"]),
                    _state(m["state"], _NOT_YET),
                    _when(m["valid_until"]),
                )
                for m in manifest["mandates"]
            ],
        ),
        _h2("Khôi phục ví", "Wallet recoveries", len(manifest["recoveries"])),
        _table(
            (
                "Thiết bị mới / New device",
                "Xác nhận bởi / Vouched by",
                "Trạng thái / State",
                "Bắt đầu / Started",
                "Kết thúc / Ended",
            ),
            [
                (
                    f"{r['device_name']} ({r['device_words']})",
                    r["vouched_by"],
                    _state(r["status"], _COOLING_OFF),
                    _when(r["started_at"]),
                    _when(r["ended_at"]),
                )
                for r in manifest["recoveries"]
            ],
        ),
        _h2("Tạm dừng yêu cầu", "Paused requests", len(manifest["restrictions"])),
        _table(
            ("Cơ quan / Agency", "Thủ tục / Procedure", "Từ / Since"),
            [
                (r["agency_name"] or "—", r["procedure_code"] or "—", _when(r["since"]))
                for r in manifest["restrictions"]
            ],
        ),
        _h2("Sự cố dữ liệu", "Data breaches", len(manifest["incidents"])),
        _table(
            ("Sự cố / Incident", "Chi tiết / Details", "Xảy ra / Occurred"),
            [
                (
                    f"{i['title_vi']} / {i['title_en']}",
                    f"{i['detail_vi']} / {i['detail_en']}",
                    _when(i["occurred_at"]),
                )
                for i in manifest["incidents"]
            ],
        ),
        _h2("Yêu cầu xoá dữ liệu", "Deletion requests", len(manifest["deletion_requests"])),
        _table(
            ("Cơ quan / Agency", "Trạng thái / Status", "Gửi / Sent", "Trả lời / Answer"),
            [
                (
                    r["agency_name"],
                    r["status"],
                    _when(r["created_at"]),
                    r["refusal"] or _signed(r["attestation"]),
                )
                for r in manifest["deletion_requests"]
            ],
        ),
        _h2("Yêu cầu sửa thông tin", "Correction requests", len(manifest["corrections"])),
        _table(
            ("Cơ quan / Agency", "Thông tin / Claim", "Trạng thái / Status", "Trả lời / Answer"),
            [
                (
                    r["agency_name"],
                    f"{r['claim']} → {r['proposed']}",
                    r["status"],
                    r["refusal"] or r["reissued_credential_id"] or "—",
                )
                for r in manifest["corrections"]
            ],
        ),
        "</body></html>",
    ]
    return "\n".join(parts)


def _reissue_words(status: str) -> str:
    if status == "pending":
        return "đang chờ cơ quan cấp lại / waiting for the issuer"
    return _state(status)


def _scope_words(scope: dict[str, list[str]]) -> str:
    parts = [
        ("Đọc tài liệu / Read documents", scope["documents"]),
        ("Trả lời đồng ý / Answer consents", scope["procedures"]),
        ("Xuất trình / Present", scope["credentials"]),
    ]
    return "; ".join(f"{label}: {', '.join(values)}" for label, values in parts if values) or "—"


def _signed(attestation: str | None) -> str:
    return "Có xác nhận xoá đã ký / Signed deletion attestation" if attestation else "—"


def _h2(vi: str, en: str, count: int) -> str:
    return f"<h2>{vi} ({count}) <span class='en'>/ {en}</span></h2>"


def _date(value: str) -> str:
    try:
        return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
    except ValueError:
        return value


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return "<p>Không có / None.</p>"
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
