"""``wallet-agency assist``: the officer's tool at a one-stop office (bộ phận một cửa).

wallet-agency assist open --card-png scan.png --officer CB-0042   # the scanned wallet card
wallet-agency assist confirm VISIT --doc ID [--doc ID]             # the citizen types the PIN
wallet-agency assist read VISIT DOC -o giay-to.pdf
wallet-agency assist receipt VISIT -o bien-nhan.pdf                # print it for the citizen
wallet-agency assist end VISIT
wallet-agency assist enrol --cccd N --name "..." --dob YYYY-MM-DD --officer ID -o the.pdf  # no phone
wallet-agency assist consents VISIT                                 # pending requests, with the PIN
wallet-agency assist answer VISIT CONSENT --approve-all | --doc ITEM=ID ... | --deny
wallet-agency assist card VISIT -o new-card.pdf                      # a lost card, with the PIN
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import click

import qr
from wallet_api.clients.agency import AgencyApiError
from wallet_api.clients.agency_assist import AssistClient


def _client(obj: dict[str, Any]) -> AssistClient:
    if not obj["agency"]:
        raise click.ClickException("Thiếu --agency / --agency is required")
    key = obj["load_key"](obj["home"])  # the key store is the main CLI's (wallet_api.clients.agency_cli)
    return AssistClient(obj["server"], obj["agency"], key, accept_language=obj["lang"])


def _report(exc: AgencyApiError) -> click.ClickException:
    return click.ClickException(f"{exc.title} — {exc.detail} ({exc.status} {exc.code})")


def _show(visit: dict[str, Any]) -> None:
    click.echo(f"Phiên / Visit: {visit['visit_id']} ({visit['state']})")
    click.echo(f"Cán bộ / Officer: {visit['officer_id']}; hết hạn / ends: {visit['expires_at']}")
    opened = ", ".join(visit["documents"]) or "chưa có / none yet"
    click.echo(f"Giấy tờ đã mở / Documents opened: {opened}")


@click.group()
def assist() -> None:
    """Hỗ trợ công dân tại bộ phận một cửa / Serve a citizen at a one-stop office."""


@assist.command("open")
@click.option("--card-png", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--card", "card_text", default=None, help="Nội dung QR trên thẻ / The card's QR text.")
@click.option("--officer", required=True, help="Mã cán bộ / Officer id.")
@click.pass_obj
def open_visit(obj: dict[str, Any], card_png: Path | None, card_text: str | None, officer: str) -> None:
    """Quét thẻ ví, mở phiên làm việc / Scan the wallet card and open a visit."""
    if (card_png is None) == (card_text is None):
        raise click.ClickException("Cần đúng một: --card-png hoặc --card / Give one of --card-png, --card")
    card = qr.read_qr_image(card_png).decode("ascii") if card_png else str(card_text)
    try:
        _show(_client(obj).open_visit(card.strip(), officer))
    except AgencyApiError as exc:
        raise _report(exc) from None


@assist.command("confirm")
@click.argument("visit_id", metavar="VISIT")
@click.option("--doc", "documents", multiple=True, required=True, help="Mã giấy tờ / Document id.")
@click.option("--pin", prompt="Công dân nhập mã PIN / Citizen, type your PIN", hide_input=True)
@click.pass_obj
def confirm(obj: dict[str, Any], visit_id: str, documents: tuple[str, ...], pin: str) -> None:
    """Công dân xác nhận bằng mã PIN để mở giấy tờ / The citizen opens documents with their PIN."""
    try:
        _show(_client(obj).open_documents(visit_id, pin, list(documents)))
    except AgencyApiError as exc:
        raise _report(exc) from None


@assist.command("read")
@click.argument("visit_id", metavar="VISIT")
@click.argument("document_id", metavar="DOC")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def read(obj: dict[str, Any], visit_id: str, document_id: str, output: Path) -> None:
    """Đọc giấy tờ công dân đã mở / Read a document the citizen opened."""
    try:
        output.write_bytes(_client(obj).read_document(visit_id, document_id))
    except AgencyApiError as exc:
        raise _report(exc) from None
    click.echo(f"Đã lưu / Saved: {output}")


@assist.command("receipt")
@click.argument("visit_id", metavar="VISIT")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def receipt(obj: dict[str, Any], visit_id: str, output: Path) -> None:
    """In biên nhận (PDF) cho công dân / Print the receipt (PDF) for the citizen."""
    try:
        output.write_bytes(_client(obj).receipt(visit_id))
    except AgencyApiError as exc:
        raise _report(exc) from None
    click.echo(f"Biên nhận / Receipt: {output}")


@assist.command("end")
@click.argument("visit_id", metavar="VISIT")
@click.pass_obj
def end(obj: dict[str, Any], visit_id: str) -> None:
    """Kết thúc phiên / End the visit."""
    try:
        _show(_client(obj).end_visit(visit_id))
    except AgencyApiError as exc:
        raise _report(exc) from None


def _save_card(issued: dict[str, Any], output: Path) -> None:
    output.write_bytes(base64.b64decode(issued["card_pdf"]))
    click.echo(f"Thẻ ví để in / Wallet card to print: {output}")


@assist.command("enrol")
@click.option("--cccd", required=True, help="Số CCCD cán bộ đã kiểm tra / The CCCD the officer checked.")
@click.option("--name", "full_name", required=True, help="Họ và tên / Full name.")
@click.option("--dob", required=True, help="Ngày sinh YYYY-MM-DD / Date of birth.")
@click.option("--officer", required=True, help="Mã cán bộ / Officer id.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--pin",
    prompt="Công dân đặt mã PIN 6 số / Citizen, choose a 6-digit PIN",
    hide_input=True,
    confirmation_prompt="Nhập lại mã PIN / Type the PIN again",
)
@click.pass_obj
def enrol(
    obj: dict[str, Any], cccd: str, full_name: str, dob: str, officer: str, output: Path, pin: str
) -> None:
    """Đăng ký ví cho công dân không có điện thoại / Enrol a citizen with no smartphone.

    Một số CCCD đã có ví: thẻ được cấp lại nếu mã PIN đúng là mã của ví; quét thẻ để biết.
    A CCCD that has a wallet: the card is re-issued if the PIN is the wallet's; scan it to know."""
    identity = {"cccd": cccd, "full_name": full_name, "date_of_birth": dob}
    try:
        issued = _client(obj).enrol(identity, pin, pin, officer)
    except AgencyApiError as exc:
        raise _report(exc) from None
    _save_card(issued, output)
    if issued["recovery_code"]:
        click.echo(
            f"Mã khôi phục (chỉ hiện một lần, đưa công dân giữ riêng, không in lên thẻ) / "
            f"Recovery code (shown once, for the citizen to keep apart from the card): "
            f"{issued['recovery_code']}"
        )


@assist.command("consents")
@click.argument("visit_id", metavar="VISIT")
@click.option("--pin", prompt="Công dân nhập mã PIN / Citizen, type your PIN", hide_input=True)
@click.pass_obj
def consents(obj: dict[str, Any], visit_id: str, pin: str) -> None:
    """Các yêu cầu đồng ý đang chờ / The citizen's pending consent requests."""
    try:
        pending = _client(obj).pending_consents(visit_id, pin)
    except AgencyApiError as exc:
        raise _report(exc) from None
    if not pending:
        click.echo("Không có yêu cầu nào đang chờ / No pending requests")
    for consent in pending:
        click.echo(f"{consent['id']}  {consent['agency_name']}: {consent['purpose']}")
        click.echo(
            f"  Thủ tục / Procedure: {consent['procedure_code']} {consent.get('procedure_name') or ''}"
        )
        for index, item in enumerate(consent["items"]):
            click.echo(f"  [{index}] {item.get('type_name') or item['type']}")
            for cand in item.get("candidates") or []:
                click.echo(f"      {cand['kind']} {cand['id']}  {cand['label']} ({cand['status']})")


@assist.command("answer")
@click.argument("visit_id", metavar="VISIT")
@click.argument("consent_id", metavar="CONSENT")
@click.option("--deny", is_flag=True, help="Từ chối / Deny.")
@click.option(
    "--approve-all", is_flag=True, help="Đồng ý mọi mục (giấy tờ hợp lệ đầu tiên) / Approve every item."
)
@click.option(
    "--item",
    "chosen",
    multiple=True,
    help="Đồng ý một mục: CHỈ_SỐ=LOẠI:MÃ, ví dụ 0=document:<id> / Approve one item: INDEX=KIND:ID.",
)
@click.option("--pin", prompt="Công dân nhập mã PIN / Citizen, type your PIN", hide_input=True)
@click.pass_obj
def answer(
    obj: dict[str, Any],
    visit_id: str,
    consent_id: str,
    deny: bool,
    approve_all: bool,
    chosen: tuple[str, ...],
    pin: str,
) -> None:
    """Công dân trả lời yêu cầu đồng ý bằng mã PIN / The citizen answers with the PIN."""
    if sum((deny, approve_all, bool(chosen))) != 1:
        raise click.ClickException(
            "Cần đúng một: --deny, --approve-all hoặc --item / Give one of --deny, --approve-all, --item"
        )
    client = _client(obj)
    try:
        items = (
            _all_items(client.pending_consents(visit_id, pin), consent_id) if approve_all else _items(chosen)
        )
        receipt = client.answer(visit_id, consent_id, pin, "deny" if deny else "approve", items)["receipt"]
    except AgencyApiError as exc:
        raise _report(exc) from None
    by = receipt.get("decided_by", {})
    click.echo(
        f"Trạng thái / State: {receipt['state']} ({by.get('method')}, {by.get('officer')}, {by.get('visit')})"
    )


def _items(chosen: tuple[str, ...]) -> list[dict[str, Any]]:
    items = []
    for spec in chosen:
        index, _, rest = spec.partition("=")
        kind, _, resource = rest.partition(":")
        if not index.isdigit() or kind not in ("document", "credential") or not resource:
            raise click.ClickException(f"--item {spec}: CHỈ_SỐ=LOẠI:MÃ / INDEX=KIND:ID")
        items.append({"item": int(index), "kind": kind, "id": resource})
    return items


def _all_items(pending: list[dict[str, Any]], consent_id: str) -> list[dict[str, Any]]:
    found = [c for c in pending if c["id"] == consent_id]
    if not found:
        raise click.ClickException("Không có yêu cầu này đang chờ / No such pending request")
    items = []
    for index, item in enumerate(found[0]["items"]):
        valid = [c for c in item.get("candidates") or [] if c["status"] == "valid"]
        if not valid:
            raise click.ClickException(
                f"Mục [{index}]: công dân không có giấy tờ phù hợp / "
                f"Item [{index}]: nothing of the citizen fits"
            )
        items.append({"item": index, "kind": valid[0]["kind"], "id": valid[0]["id"]})
    return items


@assist.command("card")
@click.argument("visit_id", metavar="VISIT")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--pin", prompt="Công dân nhập mã PIN / Citizen, type your PIN", hide_input=True)
@click.pass_obj
def card(obj: dict[str, Any], visit_id: str, output: Path, pin: str) -> None:
    """Cấp thẻ mới thay thẻ mất, thẻ cũ hết hiệu lực / A new card for a lost one; the old one stops."""
    try:
        issued = _client(obj).new_card(visit_id, pin)
    except AgencyApiError as exc:
        raise _report(exc) from None
    _save_card(issued, output)
