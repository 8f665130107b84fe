"""The operator's ``wallet`` command: init, serve, collect, keys."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TextIO

import click
from tqdm import tqdm

import crypto
from wallet_api.bootstrap import build_context, initialise, rotate_signing_key
from wallet_api.cli_agency import agency, trust
from wallet_api.cli_stats import stats
from wallet_api.context import Context
from wallet_api.erasure.cli import register as register_erasure
from wallet_api.errors import WalletError
from wallet_api.logs import configure_logging
from wallet_api.recovery import RecoveryCodes, RecoveryService
from wallet_api.rights.cli import register as register_rights
from wallet_api.rights.cli import run_sweep, sweep_lines
from wallet_api.rights.service import IncidentService
from wallet_api.routes.operator import metrics_token
from wallet_api.seed.cli import register as register_seed
from wallet_api.services.documents import collect_orphans
from wallet_api.settings import Settings

_data_dir = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục dữ liệu / Data directory (WALLET_DATA_DIR).",
)


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    try:
        return Settings.from_env(None, data_dir=data_dir, **overrides)
    except WalletError as exc:
        raise click.ClickException(f"Cấu hình không hợp lệ / Invalid configuration: {exc}") from None


@click.group()
def main() -> None:
    """Ví dữ liệu công dân: lệnh vận hành / Citizen data wallet: operator commands."""
    configure_logging(os.environ.get("WALLET_LOG_LEVEL", "WARNING"))


@main.command()
@_data_dir
def init(data_dir: Path | None) -> None:
    """Khởi tạo thư mục dữ liệu, khoá chủ và CSDL / Initialise data directory, master key, schema."""
    settings = _settings(data_dir)
    initialise(settings)
    click.echo(f"Đã khởi tạo / Initialised: {settings.data_dir}")


@main.command()
@_data_dir
@click.option("--host", default=None, help="Địa chỉ lắng nghe / Listen address (WALLET_HOST).")
@click.option("--port", type=int, default=None, help="Cổng / Port (WALLET_PORT).")
@click.option("--workers", type=int, default=None, help="Số tiến trình / Worker processes (WALLET_WORKERS).")
@click.option(
    "--server",
    type=click.Choice(["granian", "uvicorn"]),
    default=None,
    help="Máy chủ ASGI / ASGI server (WALLET_SERVER).",
)
def serve(
    data_dir: Path | None, host: str | None, port: int | None, workers: int | None, server: str | None
) -> None:
    """Chạy dịch vụ / Run the service (initialises the data directory on first start)."""
    settings = _settings(data_dir, host=host, port=port, workers=workers, server=server)
    initialise(settings)
    os.environ.update(settings.as_env())
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"Ví dữ liệu công dân / Citizen data wallet: {base}")
    click.echo(f"  Tài liệu API / OpenAPI document: {base}/openapi/openapi.json")
    click.echo(f"  Trang tương tác / Interactive page: {base}/openapi/")
    click.echo(f"  Dữ liệu / Data: {settings.data_dir}")
    from wallet_api.server import run  # imported late: server libraries are heavy

    run(settings)


@main.command()
@_data_dir
@click.option(
    "--grace",
    type=int,
    default=None,
    help="Chỉ xoá đối tượng cũ hơn N giây / Only remove objects older than N seconds.",
)
def collect(data_dir: Path | None, grace: int | None) -> None:
    """Thu gom dữ liệu mồ côi / Remove orphan blobs and leftovers of interrupted uploads; also asks
    agencies to delete data whose promised retention passed and escalates overdue requests."""
    settings = _settings(data_dir)
    ctx = build_context(settings)
    seconds = settings.orphan_grace_seconds if grace is None else grace
    removed = collect_orphans(ctx, dt.timedelta(seconds=seconds))
    forgotten = ctx.metadata.replay_guard().purge(ctx.utcnow())  # proofs past their window
    with ctx.metadata.unit_of_work() as uow:  # pairing codes ended more than a day ago
        pairings = uow.pairings.purge(ctx.utcnow() - dt.timedelta(days=1))
        nonces = uow.recoveries.purge_nonces(ctx.utcnow())  # recovery nonces past their 10 minutes
        uow.commit()
    recoveries = RecoveryService(ctx, RecoveryCodes(ctx)).expire_stale()  # new device never came back
    swept = run_sweep(ctx)  # deletion asked once a promised retention passed; overdue escalated
    visits = _visit_purge(ctx, settings)  # counter visits past their retention, in batches
    ctx.metadata.close()
    click.echo(f"Đã xoá {removed} đối tượng mồ côi / Removed {removed} orphan objects")
    click.echo(f"Đã xoá {forgotten} mã dùng một lần hết hạn / Forgot {forgotten} expired one-time ids")
    click.echo(f"Đã xoá {pairings} yêu cầu ghép thiết bị cũ / Removed {pairings} old device pairings")
    click.echo(f"Đã xoá {nonces} mã khôi phục hết hạn / Removed {nonces} expired recovery nonces")
    click.echo(
        f"Đã đóng {recoveries} yêu cầu khôi phục ví không thể hoàn tất / "
        f"Expired {recoveries} wallet recoveries that can no longer complete"
    )
    click.echo(
        f"Đã xoá {visits} phiên làm việc tại quầy cũ hơn {settings.visit_retention_days} ngày / "
        f"Removed {visits} counter visits older than {settings.visit_retention_days} days"
    )
    for line in sweep_lines(swept):
        click.echo(line)


def _visit_purge(ctx: Context, settings: Settings) -> int:
    from wallet_api.services import Services  # late: building the services is for this command only

    return Services.over(ctx).assist.purge_visits(dt.timedelta(days=settings.visit_retention_days))


main.add_command(agency)
main.add_command(trust)
main.add_command(stats)


@main.group()
def keys() -> None:
    """Quản lý khoá / Key management."""


@keys.command("rotate-signing")
@_data_dir
@click.option(
    "--now",
    "at_once",
    is_flag=True,
    help="Ký ngay, không báo trước (khoá bị lộ) / Sign at once, unannounced (a compromised key).",
)
def rotate_signing(data_dir: Path | None, at_once: bool) -> None:
    """Tạo khoá ký mới của dịch vụ / Create a new service signing key (old ones stay published)."""
    settings = _settings(data_dir)
    ctx = build_context(settings)
    done = rotate_signing_key(ctx.master, ctx.metadata, settings, now=at_once)
    ctx.metadata.close()
    click.echo(f"Khoá ký mới / New signing key: {done.kid}")
    click.echo(f"  Ký từ / Signs from: {done.signs_from.isoformat()} (đã công bố / announced now)")
    if done.previous and done.previous_retires:
        click.echo(
            f"  Khoá {done.previous} vẫn ký danh sách tin cậy đến / still signs trust lists until: "
            f"{done.previous_retires.isoformat()}"
        )
    refresh = settings.key_refresh_seconds
    click.echo(
        f"  Máy chủ đang chạy nhận khoá mới trong {refresh} giây, không cần khởi động lại"
        f" / Running servers pick it up within {refresh} s, no restart needed"
    )


register_erasure(keys, main, _data_dir, _settings)
register_rights(main, _data_dir, _settings)
register_seed(main, _data_dir, _settings)


@main.group()
def metrics() -> None:
    """Số liệu vận hành / Operator metrics (/metrics)."""


@metrics.command("token")
@_data_dir
def metrics_token_command(data_dir: Path | None) -> None:
    """In mã để đọc /metrics / Print the bearer credential that opens /metrics (keep it secret)."""
    settings = _settings(data_dir)
    click.echo(metrics_token(crypto.open_master_key(settings.master_key_url)))


@main.group()
def incidents() -> None:
    """Sự cố lộ lọt dữ liệu / Personal-data breaches (notification to the affected citizens)."""


@incidents.command("record")
@_data_dir
@click.option("--title-vi", required=True, help="Tiêu đề tiếng Việt / Title in Vietnamese.")
@click.option("--title-en", required=True, help="Tiêu đề tiếng Anh / Title in English.")
@click.option(
    "--detail-vi", required=True, help="Mô tả, việc công dân nên làm / What happened, what to do (vi)."
)
@click.option("--detail-en", required=True, help="Mô tả tiếng Anh / What happened, what to do (en).")
@click.option(
    "--occurred-at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d"]),
    required=True,
    help="Thời điểm xảy ra (ISO 8601) / When it happened.",
)
@click.option("--all", "everyone", is_flag=True, help="Mọi công dân / Every citizen.")
@click.option(
    "--citizens-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="Tệp mã công dân, mỗi dòng một mã / File of citizen ids, one per line.",
)
def record_incident(
    data_dir: Path | None,
    title_vi: str,
    title_en: str,
    detail_vi: str,
    detail_en: str,
    occurred_at: dt.datetime,
    everyone: bool,
    citizens_file: TextIO | None,
) -> None:
    """Ghi nhận sự cố và báo cho công dân bị ảnh hưởng / Record a breach and tell the affected citizens."""
    if everyone == (citizens_file is not None):
        raise click.UsageError("Chọn --all hoặc --citizens-file / Choose --all or --citizens-file")
    ids = None if everyone else [line.strip() for line in citizens_file or [] if line.strip()]
    settings = _settings(data_dir)
    ctx = build_context(settings)
    service = IncidentService(ctx)
    when = occurred_at if occurred_at.tzinfo else occurred_at.replace(tzinfo=dt.UTC)
    with tqdm(unit=" công dân / citizens", disable=None) as bar:
        incident, told = service.record(
            title=(title_vi, title_en),
            detail=(detail_vi, detail_en),
            occurred_at=when,
            citizen_ids=ids,
            progress=bar.update,
        )
    ctx.metadata.close()
    click.echo(f"Sự cố / Incident: {incident.id}")
    click.echo(f"  Đã báo cho {told} công dân / Told {told} citizens (their log and app show it)")
