"""``wallet stats reuse``: how many items agencies took from wallets instead of asking citizens again."""

from __future__ import annotations

import json
from pathlib import Path

import click

from consent.procedures import procedures
from wallet_api.bootstrap import build_context
from wallet_api.settings import Settings


@click.group()
def stats() -> None:
    """Thống kê / Statistics."""


@stats.command("reuse")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục dữ liệu / Data directory (WALLET_DATA_DIR).",
)
@click.option("--json", "as_json", is_flag=True, help="Xuất JSON / Print JSON.")
def reuse(data_dir: Path | None, as_json: bool) -> None:
    """Dữ liệu dùng lại theo thủ tục và cơ quan / Items reused from wallets, per procedure and agency."""
    ctx = build_context(Settings.from_env(None, data_dir=data_dir))
    try:
        with ctx.metadata.unit_of_work(readonly=True) as uow:
            rows = list(uow.consents.reuse_stats())
            names = {a.id: a.display_name for a in uow.agencies.all()}
    finally:
        ctx.metadata.close()
    catalog = procedures()
    if as_json:
        out = [
            {
                "procedure_code": r.procedure_code,
                "procedure_name_vi": catalog[r.procedure_code].name_vi if r.procedure_code in catalog else "",
                "agency_id": r.agency_id,
                "agency_name": names.get(r.agency_id, r.agency_id),
                "consents": r.consents,
                "items": r.items,
                "pulls": r.pulls,
            }
            for r in rows
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo("Thủ tục / Procedure | Cơ quan / Agency | Đồng ý / Consents | Giấy tờ / Items | Lượt / Pulls")
    for r in rows:
        name = catalog[r.procedure_code].name_vi if r.procedure_code in catalog else ""
        agency = names.get(r.agency_id, r.agency_id)
        click.echo(f"{r.procedure_code} {name} | {agency} | {r.consents} | {r.items} | {r.pulls}")
    total = sum(r.items for r in rows)
    click.echo(f"Tổng số giấy tờ không phải nộp lại / Items not resubmitted in total: {total}")
