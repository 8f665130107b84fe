"""``wallet-mobile requests pause|list|resume`` and ``incidents``: the citizen's rights to restrict
and object (pause new consent requests without touching what was already agreed), and breach notices."""

from __future__ import annotations

import datetime as dt

import click

from crypto.transparency import VIETNAM
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual, nfc


def _when(raw: object) -> str:
    try:
        at = dt.datetime.fromisoformat(str(raw)).astimezone(VIETNAM)
    except ValueError:
        return str(raw)
    return f"{at:%H:%M} {at:%d/%m/%Y}"


def _described(item: dict[str, object]) -> tuple[str, str]:
    vi_parts, en_parts = [], []
    if item.get("agency_id"):
        name = item.get("agency_name") or item["agency_id"]
        vi_parts.append(f"từ {name}")
        en_parts.append(f"from {name}")
    if item.get("procedure_code"):
        code = item["procedure_code"]
        vi_parts.append(f"cho thủ tục {code} {item.get('procedure_name_vi') or ''}".rstrip())
        en_parts.append(f"for procedure {code} {item.get('procedure_name_en') or ''}".rstrip())
    return " ".join(vi_parts), " ".join(en_parts)


@click.group("requests")
def requests_group() -> None:
    """Tạm dừng yêu cầu đồng ý mới / Pause new consent requests (what you agreed stays)."""


@requests_group.command("pause")
@click.option("--agency", "agency_id", default=None, help="Mã cơ quan / The agency's id")
@click.option("--procedure", "procedure_code", default=None, help="Mã thủ tục / The procedure's code")
@pass_env
def pause(env: CliEnv, agency_id: str | None, procedure_code: str | None) -> None:
    """Không nhận yêu cầu mới từ cơ quan hoặc cho thủ tục này / Refuse new requests from an agency
    or for a procedure (or both together)."""
    if not agency_id and not procedure_code:
        raise click.UsageError(
            bilingual("Cần --agency hoặc --procedure", "--agency or --procedure is required")
        )
    with env.client() as client:
        item = client.pause_requests(agency_id, procedure_code)
    vi, en = _described(item)
    click.echo(nfc(f"Đã tạm dừng yêu cầu mới {vi} / New requests paused {en}: {item['id']}"))
    click.echo("  Các sự đồng ý đã có vẫn giữ nguyên / Consents you already gave are unchanged")


@requests_group.command("list")
@pass_env
def list_pauses(env: CliEnv) -> None:
    """Các yêu cầu tạm dừng đang có / Active pauses."""
    with env.client() as client:
        items = client.pauses()
    if not items:
        click.echo(bilingual("Không tạm dừng yêu cầu nào", "No requests are paused"))
    for item in items:
        vi, en = _described(item)
        click.echo(nfc(f"{item['id']}  {vi} / {en}  (từ / since {_when(item.get('since'))})"))


@requests_group.command("resume")
@click.argument("restriction_id", metavar="ID")
@pass_env
def resume(env: CliEnv, restriction_id: str) -> None:
    """Nhận lại yêu cầu / Accept such requests again."""
    with env.client() as client:
        client.resume_requests(restriction_id)
    click.echo(bilingual("Đã nhận lại yêu cầu", "Requests accepted again", restriction_id))


@click.command("incidents")
@pass_env
def incidents(env: CliEnv) -> None:
    """Sự cố lộ lọt dữ liệu liên quan đến bạn / Data breaches that affected you."""
    with env.client() as client:
        items = client.incidents()
    if not items:
        click.echo(bilingual("Không có sự cố nào liên quan đến bạn", "No breach affected you"))
    for item in items:
        click.echo(nfc(f"⚠ {item['title_vi']} / {item['title_en']}  ({_when(item.get('occurred_at'))})"))
        click.echo(nfc(f"    {item['detail_vi']}"))
        click.echo(nfc(f"    {item['detail_en']}"))
