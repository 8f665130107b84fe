"""Operator commands of key epochs: ``wallet keys rotate-master --rewrap``, ``destroy-master``,
``epoch`` (the schedule: run it daily, e.g. from cron), and ``wallet erasures``."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import crypto
import storage
from wallet_api.bootstrap import build_context
from wallet_api.context import Context
from wallet_api.erasure.epochs import EpochRefused, KeyEpochs, Progress, RewrapReport
from wallet_api.settings import Settings

__all__ = ["destroy_master", "epoch", "erasures", "rotate_master"]

SettingsOf = Callable[..., Settings]
Decorator = Callable[[Any], Any]


def _progress() -> Progress:
    last = [0.0]

    def show(table: str, seen: int, moved: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            click.echo(f"  … {table}: đã xem / seen {seen}, đã bọc lại / re-wrapped {moved}", err=True)

    return show


def _report(report: RewrapReport) -> None:
    rate = report.rewrapped / report.seconds if report.seconds > 0 else 0.0
    click.echo(
        f"Đã bọc lại / Re-wrapped: {report.rewrapped} khoá / keys trong / in {report.seconds:.1f} s"
        f" ({rate:.0f}/s); đã xem / seen {report.seen}"
    )
    for table, moved in report.per_table.items():
        click.echo(f"  {table}: {moved}")
    if report.changed_meanwhile or report.unreadable:
        click.echo(
            f"  Bị thay đổi trong lúc chạy / changed meanwhile: {report.changed_meanwhile};"
            f" không mở được / unreadable: {report.unreadable} (chạy lại / run again)"
        )


def _context(settings: Settings) -> Context:
    ctx = build_context(settings)
    ctx.master.refresh(force=True)
    return ctx


def _run(settings: Settings, action: Callable[[Context], None]) -> None:
    ctx = _context(settings)
    try:
        action(ctx)
    except EpochRefused as exc:
        raise click.ClickException(f"Từ chối / Refused: {exc.vi} / {exc.en}") from None
    except crypto.MasterKeyError as exc:
        raise click.ClickException(f"Khoá chủ / Master key: {exc}") from None
    except storage.StorageError as exc:
        raise click.ClickException(f"Lỗi lưu trữ / Storage error: {type(exc).__name__}") from None
    finally:
        ctx.metadata.close()


def _paced(settings: Settings, batch: int | None, pace: float | None) -> tuple[int, float]:
    """Batch size and pace: given, else measured defaults (``bench/bench_rewrap.py``). SQLite has one
    writer at a time, shared with the requests' own writes: small batches and a smaller share."""
    embedded = settings.database_url.startswith("sqlite")
    return batch or (64 if embedded else 256), pace or (0.2 if embedded else 0.5)


def _options(settings: Settings, batch: int | None, pace: float | None) -> dict[str, Any]:
    size, share = _paced(settings, batch, pace)
    return {"batch": size, "pace": share}


def _background() -> None:
    """The re-wrap yields the CPU to the serving processes (a lower scheduling priority)."""
    with contextlib.suppress(OSError):
        os.nice(10)


def rotate_master(settings: Settings, rewrap: bool, batch: int | None, pace: float | None) -> None:
    """``wallet keys rotate-master [--rewrap]``."""

    def act(ctx: Context) -> None:
        version = ctx.master.rotate(now=ctx.now())
        click.echo(f"Phiên bản khoá chủ / Master key version: {version}")
        if rewrap:
            _background()
            epochs = KeyEpochs(ctx, progress=_progress(), **_options(settings, batch, pace))
            _report(epochs.rewrap())
            drained = epochs.mark_drained(epochs.usage())
            for old in drained:
                due = epochs.destroyable_at(old)
                click.echo(
                    f"Phiên bản {old} không còn dùng; huỷ được từ / version {old} drained; destroyable from:"
                    f" {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(due or 0))}"
                )

    _run(settings, act)


def resume_rewrap(settings: Settings, batch: int | None, pace: float | None) -> None:
    """``wallet keys rewrap``: finish an interrupted re-wrap, without a new version."""

    def act(ctx: Context) -> None:
        _background()
        epochs = KeyEpochs(ctx, progress=_progress(), **_options(settings, batch, pace))
        _report(epochs.rewrap())
        epochs.mark_drained(epochs.usage())

    _run(settings, act)


def destroy_master(settings: Settings, version: int) -> None:
    """``wallet keys destroy-master VERSION``."""

    def act(ctx: Context) -> None:
        KeyEpochs(ctx).destroy(version)
        click.echo(f"Đã huỷ vĩnh viễn phiên bản khoá chủ / Master key version destroyed for good: {version}")

    _run(settings, act)


def epoch(settings: Settings, batch: int | None, pace: float | None) -> None:
    """``wallet keys epoch``: the schedule's step."""

    def act(ctx: Context) -> None:
        _background()
        done = KeyEpochs(ctx, progress=_progress(), **_options(settings, batch, pace)).turn()
        if done.rotated_to is not None:
            click.echo(f"Phiên bản khoá chủ mới / New master key version: {done.rotated_to}")
        _report(done.rewrap)
        for version in done.drained:
            click.echo(f"Không còn khoá nào dùng phiên bản / No live key uses version: {version}")
        for version in done.destroyed:
            click.echo(f"Đã huỷ phiên bản / Destroyed version: {version}")
        if done.pruned:
            click.echo(f"Xoá đã hoàn tất / Erasures now final: {done.pruned}")
        click.echo(f"Phiên bản còn giữ / Versions kept: {', '.join(map(str, ctx.master.versions))}")

    _run(settings, act)


def erasures(settings: Settings) -> None:
    """``wallet erasures``: pending erasures, no personal data."""

    def act(ctx: Context) -> None:
        pending = KeyEpochs(ctx).pending()
        click.echo(f"Xoá chưa hoàn tất / Erasures not final yet: {len(pending)}")
        for record, final in pending:
            click.echo(
                f"{record.id}  {record.kind:8}  xoá lúc / erased {record.erased_at.isoformat()}"
                f"  hoàn tất / final by {final.isoformat()}"
            )

    _run(settings, act)


def register(keys: click.Group, main: click.Group, dir_option: Decorator, settings_of: SettingsOf) -> None:
    """Add the commands to the ``wallet`` CLI."""
    batch_option: Decorator = click.option(
        "--batch",
        type=click.IntRange(1, 10_000),
        default=None,
        help="Số dòng mỗi lô / Rows per batch [SQLite 64, PostgreSQL 256].",
    )
    pace_option: Decorator = click.option(
        "--pace",
        type=click.FloatRange(0.01, 1.0),
        default=None,
        help="Tỉ lệ thời gian làm việc, còn lại nhường cho phục vụ / Share of time spent working, the rest"
        " is left to serving [SQLite 0.2, PostgreSQL 0.5].",
    )

    @keys.command("rotate-master")
    @dir_option
    @click.option(
        "--rewrap",
        is_flag=True,
        help="Bọc lại mọi khoá đang dùng bằng phiên bản mới / Re-wrap every live key under the new version.",
    )
    @batch_option
    @pace_option
    def rotate_master_command(
        data_dir: Path | None, rewrap: bool, batch: int | None, pace: float | None
    ) -> None:
        """Thêm phiên bản khoá chủ / Add a master-key version (with --rewrap: move every live key to it)."""
        rotate_master(settings_of(data_dir), rewrap, batch, pace)

    @keys.command("rewrap")
    @dir_option
    @batch_option
    @pace_option
    def rewrap_command(data_dir: Path | None, batch: int | None, pace: float | None) -> None:
        """Bọc lại phần còn lại / Finish an interrupted re-wrap (no new version)."""
        resume_rewrap(settings_of(data_dir), batch, pace)

    @keys.command("destroy-master")
    @dir_option
    @click.argument("version", type=click.IntRange(1))
    def destroy_master_command(data_dir: Path | None, version: int) -> None:
        """Huỷ vĩnh viễn một phiên bản khoá chủ cũ / Destroy an old master-key version for good."""
        destroy_master(settings_of(data_dir), version)

    @keys.command("epoch")
    @dir_option
    @batch_option
    @pace_option
    def epoch_command(data_dir: Path | None, batch: int | None, pace: float | None) -> None:
        """Chu kỳ khoá: xoay, bọc lại, huỷ bản đến hạn / Key epoch: rotate, re-wrap, destroy what is due."""
        epoch(settings_of(data_dir), batch, pace)

    @main.command("erasures")
    @dir_option
    def erasures_command(data_dir: Path | None) -> None:
        """Các lần xoá chưa hoàn tất / Erasures not final yet (no personal data)."""
        erasures(settings_of(data_dir))
