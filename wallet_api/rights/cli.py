"""Operator commands of the citizen's requests to agencies: ``wallet rights overdue`` (escalated
requests, for follow-up with the agencies) and ``wallet rights sweep`` (what ``wallet collect``
also runs: ask for deletion once a promised retention passed, escalate overdue requests)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from crypto.transparency import VIETNAM
from wallet_api.bootstrap import build_context
from wallet_api.context import Context
from wallet_api.rights.requests import RightsSweep, SweepResult
from wallet_api.settings import Settings

__all__ = ["register", "sweep_lines"]

SettingsOf = Callable[..., Settings]
Decorator = Callable[[Any], Any]
KIND_WORDS = {"deletion": ("xoá dữ liệu", "deletion"), "correction": ("sửa thông tin", "correction")}


def sweep_lines(result: SweepResult) -> list[str]:
    """What a sweep did, in both languages."""
    return [
        f"Đã tự động yêu cầu xoá (hết hạn lưu giữ) / Deletion asked (retention passed): {result.auto_asked}",
        f"Yêu cầu quá hạn đã báo công dân / Overdue requests escalated: {result.escalated}",
    ]


def run_sweep(ctx: Context) -> SweepResult:
    """One sweep on ``ctx`` (``wallet collect`` and ``wallet rights sweep``)."""
    return RightsSweep(ctx).run()


def register(main: click.Group, dir_option: Decorator, settings_of: SettingsOf) -> None:
    """Add ``wallet rights`` to the ``wallet`` CLI."""

    @main.group("rights")
    def rights() -> None:
        """Yêu cầu xoá và sửa của công dân / Citizens' deletion and correction requests."""

    @rights.command("overdue")
    @dir_option
    def overdue(data_dir: Path | None) -> None:
        """Các yêu cầu quá hạn chưa được trả lời / Requests agencies left unanswered past the deadline."""
        ctx = build_context(settings_of(data_dir))
        try:
            views = RightsSweep(ctx).overdue()
        finally:
            ctx.metadata.close()
        if not views:
            click.echo("Không có yêu cầu quá hạn / No overdue requests")
        for v in views:
            vi, en = KIND_WORDS[v.kind]
            due = v.due_at.astimezone(VIETNAM)
            click.echo(
                f"{v.id}  {vi} / {en}  {v.agency_name} ({v.agency_id})  "
                f"hạn / due {due:%H:%M %d/%m/%Y}  từ / origin {v.origin}"
            )

    @rights.command("sweep")
    @dir_option
    def sweep(data_dir: Path | None) -> None:
        """Hỏi xoá khi hết hạn lưu giữ, báo yêu cầu quá hạn / Ask for deletion once retention passed;
        escalate overdue requests (``wallet collect`` runs this too)."""
        ctx = build_context(settings_of(data_dir))
        try:
            result = run_sweep(ctx)
        finally:
            ctx.metadata.close()
        for line in sweep_lines(result):
            click.echo(line)
