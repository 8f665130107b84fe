"""``wallet dev seed``: national-size test data for benchmarks (never on a production wallet)."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from wallet_api.bootstrap import build_context
from wallet_api.erasure.cli import Decorator, SettingsOf
from wallet_api.seed.seeding import SeedPlan, SeedTimeout, seed


def register(main: click.Group, data_dir_option: Decorator, settings_for: SettingsOf) -> None:
    """Add the ``dev`` group and its ``seed`` command to ``main``."""

    @main.group()
    def dev() -> None:
        """Công cụ phát triển / Development tools."""

    @dev.command("seed")
    @data_dir_option
    @click.option("--citizens", type=click.IntRange(1, 10_000_000), required=True)
    @click.option("--documents-per-citizen", type=click.IntRange(0, 100_000), default=10, show_default=True)
    @click.option("--log-entries-per-citizen", type=click.IntRange(0, 100_000), default=10, show_default=True)
    @click.option(
        "--blob-bytes",
        type=click.IntRange(0, 10 * 1024 * 1024),
        default=1024,
        show_default=True,
        help="Kích thước mỗi tệp; 0: không ghi tệp / Bytes per document body; 0: rows only.",
    )
    @click.option("--batch", type=click.IntRange(1, 100_000), default=500, show_default=True)
    @click.option("--workers", type=click.IntRange(1, 256), default=8, show_default=True)
    def seed_command(
        data_dir: Path | None,
        citizens: int,
        documents_per_citizen: int,
        log_entries_per_citizen: int,
        blob_bytes: int,
        batch: int,
        workers: int,
    ) -> None:
        """Tạo dữ liệu thử quy mô lớn (chỉ chế độ dev) / Seed test data at national size (dev mode)."""
        settings = settings_for(data_dir)
        if settings.mode != "dev":
            raise click.ClickException(
                "Chỉ dùng trong chế độ dev / Seeding is for a dev-mode wallet only (WALLET_MODE=dev)."
            )
        plan = SeedPlan(citizens, documents_per_citizen, log_entries_per_citizen, blob_bytes, batch, workers)
        ctx = build_context(settings)
        try:
            with tqdm(total=citizens, unit="citizen", desc="seed") as bar:
                report = seed(ctx, plan, bar.update)
        except SeedTimeout:
            raise click.ClickException(
                "Ghi dữ liệu quá thời hạn / A batch did not finish within its deadline."
            ) from None
        finally:
            ctx.metadata.close()
        click.echo(
            f"Đã tạo / Seeded: {report.citizens} công dân / citizens, {report.documents} giấy tờ / "
            f"documents, {report.log_entries} mục nhật ký / log entries in {report.seconds:.1f} s "
            f"({report.citizens / report.seconds:.0f} citizens/s)"
        )
