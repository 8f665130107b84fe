"""``wallet-agency assist``: the officer's tool at a one-stop office (bộ phận một cửa).

wallet-agency assist open --card-png scan.png --officer CB-0042   # the scanned wallet card
wallet-agency assist confirm VISIT --doc ID [--doc ID]             # the citizen types the PIN
wallet-agency assist read VISIT DOC -o giay-to.pdf
wallet-agency assist receipt VISIT -o bien-nhan.pdf                # print it for the citizen
wallet-agency assist end VISIT
"""

from __future__ import annotations

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
