"""``wallet-mobile consents``, ``log`` and ``stats``: decide on requests, see and check who read what."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from crypto.transparency import describe
from mobile_stub._env import DEFAULT_SERVER, CliEnv, pass_env
from mobile_stub._text import bilingual, nfc
from mobile_stub.consent_client import ConsentClient, NotShareable, default_items
from mobile_stub.log_check import LogTampered, check_log

STATES = {
    "pending": "chờ quyết định / pending",
    "approved": "đã đồng ý / approved",
    "denied": "đã từ chối / denied",
    "revoked": "đã rút lại / revoked",
    "closed": "đã đóng hồ sơ / case closed",
    "expired": "hết hạn / expired",
    "used_up": "đã dùng hết lượt / used up",
}
PROVENANCE = {"issued": "được cấp / issued", "uploaded": "tự tải lên / uploaded"}
CANDIDATE_STATES = {
    "valid": "còn hiệu lực / valid",
    "revoked": "ĐÃ BỊ THU HỒI / REVOKED",
    "suspended": "ĐANG TẠM DỪNG / SUSPENDED",
    "expired": "ĐÃ HẾT HẠN / EXPIRED",
    "unknown": "không rõ trạng thái / status unknown",
}


def consent_client(env: CliEnv) -> ConsentClient:
    """A consent-capable client, reaching the server the way ``CliEnv.client`` does."""
    device = env.device()
    server = env.server or device.load_state().server or DEFAULT_SERVER
    client = ConsentClient(server, device, transport=env.transport, clock=env.clock, accept_language=env.lang)
    client.act_for(env.acting_for)  # --for: the server refuses what no mandate covers
    return client


def _claims(claims: list[Mapping[str, str]] | None) -> str:
    if claims is None:
        return "toàn bộ / everything"
    return ", ".join(c["label"] for c in claims)


def _lines(consent: Mapping[str, Any]) -> list[str]:
    """A consent in plain words: who asks, why, what would be shared, which documents satisfy it."""
    lines = [
        f"{consent['id']}  [{STATES.get(consent['state'], consent['state'])}]",
        f"  Cơ quan / Agency: {consent['agency_name']}",
        f"  Mục đích / Purpose: {consent['purpose']}",
        f"  Thủ tục / Procedure: {consent['procedure_code']} — {consent['procedure_name']}",
        f"  Số hồ sơ / Case: {consent['case_number']}",
        f"  Hiệu lực đến / Valid until: {consent['valid_until']};  "
        f"lượt dùng / uses: {consent['uses']}/{consent['max_uses']};  "
        f"cơ quan lưu giữ / kept by the agency: {consent['retention_days']} ngày / days",
    ]
    for item in consent["items"]:
        always = (
            f"  (+ luôn kèm / always included: {_claims(item['always_shared'])})"
            if item["always_shared"]
            else ""
        )
        lines.append(f"  [{item['index']}] {item['type_name']}: {_claims(item['claims'])}{always}")
        for cand in item.get("candidates") or []:
            state = CANDIDATE_STATES.get(cand.get("status", "valid"), cand.get("status", ""))
            lines.append(
                f"      - {cand['kind']} {cand['id']} ({PROVENANCE.get(cand['provenance'])}, {cand['label']})"
                f" [{state}]"
            )
        if item.get("candidates") == []:
            lines.append("      - không có giấy tờ phù hợp / nothing in the wallet matches")
    for approved in consent.get("approved", []):
        lines.append(
            f"  ✓ [{approved['item']}] {approved['kind']} {approved['id']}: {_claims(approved['claims'])}"
        )
    return [nfc(line) for line in lines]


@click.group("consents", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Mọi yêu cầu, không chỉ đang chờ / Every request")
@click.pass_context
def consents(ctx: click.Context, show_all: bool) -> None:
    """Yêu cầu chia sẻ dữ liệu của cơ quan / Agencies' requests for your data (pending by default)."""
    if ctx.invoked_subcommand is not None:
        return
    with consent_client(ctx.find_object(CliEnv) or CliEnv()) as client:
        items = client.consents(None if show_all else "pending")
    if not items:
        click.echo(bilingual("Không có yêu cầu nào", "No requests"))
    for consent in items:
        for line in _lines(consent):
            click.echo(line)


@consents.command("show")
@click.argument("consent_id", metavar="ID")
@pass_env
def show(env: CliEnv, consent_id: str) -> None:
    """Chi tiết một yêu cầu / One request in full."""
    with consent_client(env) as client:
        for line in _lines(client.consent(consent_id)):
            click.echo(line)


def _parse_claims(raw: tuple[str, ...]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for spec in raw:
        index, _, names = spec.partition("=")
        if not index.isdigit() or not names:
            raise click.BadParameter(f"dạng N=trường,trường / form N=claim,claim: {spec}")
        out[int(index)] = [n.strip() for n in names.split(",") if n.strip()]
    return out


def _parse_use(raw: tuple[str, ...]) -> dict[int, str]:
    out: dict[int, str] = {}
    for spec in raw:
        index, _, chosen = spec.partition("=")
        if not index.isdigit() or not chosen.strip():
            raise click.BadParameter(f"dạng MỤC=MÃ / form ITEM=ID: {spec}")
        out[int(index)] = chosen.strip()
    return out


def _not_shareable(exc: NotShareable) -> str:
    state = CANDIDATE_STATES.get(exc.reason, "không thuộc mục này / not one of this item's")
    vi, en = state.split(" / ")
    return bilingual(
        f"Mục {exc.item}: giấy tờ đã chọn {vi.lower()}; thêm --allow-invalid nếu vẫn muốn chia sẻ",
        f"Item {exc.item}: the chosen one is {en.lower()}; add --allow-invalid to share it anyway",
    )


@consents.command("approve")
@click.argument("consent_id", metavar="ID")
@click.option("--items", default=None, help="Chỉ các mục này, ví dụ 0,2 / Only these items, e.g. 0,2")
@click.option("--claims", multiple=True, help="Bớt trường: N=trường,trường / Fewer claims: N=claim,claim")
@click.option(
    "--use", multiple=True, help="Chọn giấy tờ cho mục: MỤC=MÃ / Choose what answers an item: ITEM=ID"
)
@click.option(
    "--allow-invalid",
    is_flag=True,
    help="Vẫn chia sẻ giấy tờ đã thu hồi/hết hạn đã chọn / Share a chosen revoked or expired one anyway",
)
@pass_env
def approve(
    env: CliEnv,
    consent_id: str,
    items: str | None,
    claims: tuple[str, ...],
    use: tuple[str, ...],
    allow_invalid: bool,
) -> None:
    """Đồng ý (ký bằng khoá thiết bị) / Approve, signed with the device key.

    Mặc định chỉ chia sẻ giấy tờ còn hiệu lực / By default only valid credentials are shared.
    """
    only = [int(i) for i in items.split(",") if i.strip()] if items else None
    with consent_client(env) as client:
        try:
            chosen = default_items(
                client.consent(consent_id), only, _parse_claims(claims), _parse_use(use), allow_invalid
            )
        except NotShareable as exc:
            raise click.UsageError(_not_shareable(exc)) from None
        if not chosen:
            raise click.UsageError(
                bilingual("Không có giấy tờ nào để chia sẻ", "Nothing in the wallet to share")
            )
        client.decide(consent_id, "approve", chosen)
    click.echo(
        bilingual("Đã đồng ý, biên nhận đã lưu trên máy chủ", "Approved; the receipt is kept", consent_id)
    )


@consents.command("deny")
@click.argument("consent_id", metavar="ID")
@pass_env
def deny(env: CliEnv, consent_id: str) -> None:
    """Từ chối / Deny."""
    with consent_client(env) as client:
        client.decide(consent_id, "deny")
    click.echo(bilingual("Đã từ chối", "Denied", consent_id))


@consents.command("revoke")
@click.argument("consent_id", metavar="ID")
@pass_env
def revoke(env: CliEnv, consent_id: str) -> None:
    """Rút lại sự đồng ý / Withdraw consent (the agency's next pull is refused)."""
    with consent_client(env) as client:
        client.revoke(consent_id)
    click.echo(bilingual("Đã rút lại sự đồng ý", "Consent withdrawn", consent_id))


@consents.command("receipt")
@click.argument("consent_id", metavar="ID")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_env
def receipt(env: CliEnv, consent_id: str, output: Path | None) -> None:
    """Biên nhận đồng ý / The consent receipt (JSON, signed by the service)."""
    with consent_client(env) as client:
        text = json.dumps(client.receipt(consent_id), ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(bilingual("Đã lưu biên nhận", "Receipt saved", str(output)))


@click.command("log")
@pass_env
def log_command(env: CliEnv) -> None:
    """Ai đã truy cập dữ liệu của bạn (đã kiểm chứng) / Who accessed your data, verified."""
    with consent_client(env) as client:
        citizen_id = client.state.citizen_id or ""
        try:
            checked = check_log(client, citizen_id)
        except LogTampered as exc:
            click.echo(
                bilingual(
                    "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá",
                    "WARNING: the access log was tampered with",
                ),
                err=True,
            )
            click.echo(nfc(exc.message), err=True)
            raise click.exceptions.Exit(2) from None
    if not checked.entries:
        click.echo(bilingual("Chưa có ai truy cập dữ liệu của bạn", "Nobody has accessed your data"))
    for _, entry in checked.entries:
        vi, en = describe(entry, checked.type_name, checked.procedure_name)
        click.echo(nfc(f"{vi}\n    {en}"))
    click.echo(
        bilingual(
            "Đã kiểm chứng nhật ký",
            "Log verified",
            f"{checked.head.size} mục / entries (trước đó / before: {checked.previous_size})",
        )
    )


@click.command("stats")
@pass_env
def stats(env: CliEnv) -> None:
    """Dữ liệu được dùng lại thay vì nộp lại / Your data reused instead of resubmitted."""
    with consent_client(env) as client:
        items = client.stats()
    if not items:
        click.echo(bilingual("Chưa có lần dùng lại nào", "No reuse yet"))
    for s in items:
        click.echo(
            nfc(
                f"{s['procedure_code']} {s['procedure_name']} — {s['agency_id']}: "
                f"{s['items']} giấy tờ / items, {s['pulls']} lượt / pulls, "
                f"{s['consents']} lần đồng ý / consents"
            )
        )
