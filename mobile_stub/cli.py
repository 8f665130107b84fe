"""``wallet-mobile``: the reference phone client on the command line.

Every message is Vietnamese first, then English. Errors print the server's
problem title and detail (in the ``--lang`` language) and exit with status 1.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from mobile_stub import receipts
from mobile_stub._env import DEFAULT_SERVER, SERVER_ENV, CliEnv, pass_env
from mobile_stub._text import bilingual, doc_id, doc_summary, error_lines, field_lines, nfc
from mobile_stub._transfer import Progress
from mobile_stub.cli_assisted import card, pin
from mobile_stub.cli_consents import consents, log_command, stats
from mobile_stub.cli_credentials import credentials, present
from mobile_stub.cli_devices import devices
from mobile_stub.cli_mandates import mandates
from mobile_stub.cli_qr import identity_qr, present_qr
from mobile_stub.cli_recovery import announce_recovery, recover
from mobile_stub.cli_rights import incidents, requests_group
from mobile_stub.cli_rights_requests import rights
from mobile_stub.device import HOME_ENV
from mobile_stub.errors import MobileError


class _Group(click.Group):
    """A click group that turns SDK and file errors into bilingual messages and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            announce_recovery(ctx.find_object(CliEnv))
            return result
        except MobileError as exc:
            for line in error_lines(exc):
                click.echo(line, err=True)
        except OSError as exc:
            subject = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
            click.echo(bilingual("Lỗi tệp", "File error", subject), err=True)
        raise click.exceptions.Exit(1)


def say(text: str) -> None:
    click.echo(nfc(text))


@contextmanager
def progress_bar(vi: str, en: str) -> Iterator[Progress]:
    """A tqdm bar on stderr, fed by ``progress(done, total)``, drawn from the first call."""
    bars: list[Any] = []

    def update(done: int, total: int | None) -> None:
        if not bars:
            bars.append(tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"{vi} / {en}"))
        bars[0].update(done - bars[0].n)

    try:
        yield update
    finally:
        for bar in bars:
            bar.close()


@click.group(cls=_Group, name="wallet-mobile", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--server",
    envvar=SERVER_ENV,
    default=None,
    help=(
        f"Địa chỉ máy chủ / Server URL [env {SERVER_ENV}; "
        f"default: the enrolled server, else {DEFAULT_SERVER}]"
    ),
)
@click.option(
    "--home",
    envvar=HOME_ENV,
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Thư mục khoá thiết bị / Device key directory [env {HOME_ENV}; default ~/.wallet-mobile]",
)
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Ngôn ngữ thông báo của máy chủ / Language of server messages",
)
@click.option(
    "--for",
    "acting_for",
    default=None,
    metavar="CITIZEN",
    help="Làm thay người đã uỷ quyền cho bạn (mã công dân hoặc mã uỷ quyền) / "
    "Act for someone who gave you a mandate (citizen id or mandate id)",
)
@click.pass_context
def cli(ctx: click.Context, server: str | None, home: Path | None, lang: str, acting_for: str | None) -> None:
    """Ví dữ liệu công dân trên điện thoại / The citizen data wallet on the phone."""
    env = ctx.ensure_object(CliEnv)
    env.server, env.home, env.lang, env.acting_for = server, home, lang, acting_for


@cli.group()
def device() -> None:
    """Khoá thiết bị / The device key."""


@device.command("init")
@pass_env
def device_init(env: CliEnv) -> None:
    """Tạo khoá thiết bị / Create the device key."""
    dev = env.device()
    dev.init()
    say(bilingual("Đã tạo khoá thiết bị", "Device key created", str(dev.key_path)))
    say(bilingual("Dấu vân tay khoá", "Key thumbprint", dev.thumbprint()))


@cli.command()
@click.option("--cccd", required=True, help="Số CCCD 12 chữ số / 12-digit citizen ID number")
@click.option("--name", "full_name", required=True, help="Họ và tên / Full name")
@click.option(
    "--dob",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    help="Ngày sinh / Date of birth (YYYY-MM-DD or DD/MM/YYYY)",
)
@pass_env
def enrol(env: CliEnv, cccd: str, full_name: str, dob: datetime) -> None:
    """Đăng ký thiết bị với ví / Enrol this device."""
    with env.client() as client:
        citizen_id = client.enrol(cccd, full_name, dob.date())
        code = client.recovery_code
    say(bilingual("Đã đăng ký thiết bị", "Device enrolled", citizen_id))
    if code:
        say(
            bilingual(
                "Mã khôi phục (chỉ hiện một lần, hãy cất giữ)",
                "Recovery code (shown once, keep it safe)",
                code,
            )
        )


@cli.command()
@pass_env
def login(env: CliEnv) -> None:
    """Đăng nhập / Log in (get an access token)."""
    with env.client() as client:
        client.login()
        expires = client.state.token_expires_at or 0
    when = datetime.fromtimestamp(expires).astimezone().isoformat(timespec="seconds")
    say(bilingual("Đã đăng nhập, phiên hết hạn lúc", "Logged in, session expires at", when))


@cli.command()
@pass_env
def me(env: CliEnv) -> None:
    """Hồ sơ công dân / The citizen's profile."""
    with env.client() as client:
        profile = client.me()
    for line in field_lines(profile):
        say(line)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "doc_type", required=True, help="Loại tài liệu / Document type")
@click.option("--content-type", default=None, help="Kiểu nội dung / Content type (guessed)")
@pass_env
def upload(env: CliEnv, file: Path, doc_type: str, content_type: str | None) -> None:
    """Tải tài liệu lên / Upload a document."""
    with env.client() as client, progress_bar("Đang tải lên", "Uploading") as progress:
        meta = client.upload(file, doc_type, content_type, progress)
    say(bilingual("Đã tải lên tài liệu", "Document uploaded", doc_id(meta)))


@cli.command("list")
@click.option("--type", "doc_type", default=None, help="Chỉ loại này / Only this type")
@click.option(
    "--limit",
    type=click.IntRange(1, 500),
    default=None,
    help="Chỉ N tài liệu mới nhất / Only the N newest (default: all, page by page)",
)
@pass_env
def list_(env: CliEnv, doc_type: str | None, limit: int | None) -> None:
    """Danh sách tài liệu, mới nhất trước / List documents, newest first."""
    with env.client() as client:
        items = client.list_documents(doc_type, limit=limit)
    if not items:
        say(bilingual("Chưa có tài liệu nào", "No documents"))
    for meta in items:
        say(doc_summary(meta))


@cli.command()
@click.argument("document_id", metavar="ID")
@pass_env
def show(env: CliEnv, document_id: str) -> None:
    """Thông tin tài liệu / Show a document's metadata."""
    with env.client() as client:
        meta = client.get_document(document_id)
    for line in field_lines(meta):
        say(line)


@cli.command()
@click.argument("document_id", metavar="ID")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def download(env: CliEnv, document_id: str, output: Path) -> None:
    """Tải tài liệu xuống / Download a document's content."""
    with env.client() as client, progress_bar("Đang tải xuống", "Downloading") as progress:
        client.download(document_id, output, progress)
    say(bilingual("Đã tải xuống tài liệu", "Document downloaded", str(output)))


@cli.command()
@click.argument("document_id", metavar="ID")
@pass_env
def delete(env: CliEnv, document_id: str) -> None:
    """Xoá tài liệu / Delete a document."""
    with env.client() as client:
        answer = client.delete_document(document_id)
        receipt = receipts.keep(client.device.home, answer, client.service_jwks())
    say(bilingual("Đã xoá tài liệu", "Document deleted", document_id))
    _say_final(receipt)


@cli.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def export(env: CliEnv, output: Path) -> None:
    """Xuất toàn bộ dữ liệu (zip) / Export everything as a zip."""
    with env.client() as client, progress_bar("Đang xuất", "Exporting") as progress:
        client.export(output, progress)
    say(bilingual("Đã xuất toàn bộ dữ liệu", "Everything exported", str(output)))


@cli.command()
@click.option("--yes", is_flag=True, help="Xác nhận xoá vĩnh viễn / Confirm permanent erasure")
@pass_env
def erase(env: CliEnv, yes: bool) -> None:
    """Xoá vĩnh viễn tài khoản và mọi tài liệu / Erase the account and every document."""
    if not yes:
        raise click.UsageError(
            bilingual(
                "Xoá là vĩnh viễn, thêm --yes để xác nhận",
                "Erasure is permanent, add --yes to confirm",
            )
        )
    with env.client() as client:
        citizen_id = client.state.citizen_id or ""
        jwks = client.service_jwks()
        answer = client.erase()
        receipt = receipts.keep(client.device.home, answer, jwks)
    say(bilingual("Đã xoá vĩnh viễn tài khoản", "Account erased", citizen_id))
    _say_final(receipt)


def _when(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _say_final(receipt: receipts.Receipt) -> None:
    say(
        bilingual(
            "Không bản sao nào (kể cả bản sao lưu) còn mở được từ",
            "No copy (backups included) can be opened from",
            _when(receipt.final_by),
        )
    )
    say(bilingual("Đã lưu biên nhận xoá có chữ ký", "Signed erasure receipt kept", receipt.erasure_id))


@cli.command("erasures")
@pass_env
def erasures(env: CliEnv) -> None:
    """Biên nhận xoá đã lưu, kiểm tra lại chữ ký / Kept erasure receipts, signatures checked again."""
    with env.client() as client:
        kept = receipts.kept(client.device.home, client.service_jwks())
    say(bilingual("Biên nhận xoá", "Erasure receipts", str(len(kept))))
    for receipt in kept:
        kind = {"account": "tài khoản / account", "document": "tài liệu / document"}[receipt.kind]
        say(
            f"{receipt.erasure_id}  {kind}  xoá / erased {_when(receipt.erased_at)}"
            f"  hoàn tất / final by {_when(receipt.final_by)}"
        )


cli.add_command(credentials)
cli.add_command(present)
cli.add_command(identity_qr)
cli.add_command(present_qr)
cli.add_command(consents)
cli.add_command(log_command)
cli.add_command(stats)
cli.add_command(requests_group)
cli.add_command(incidents)
cli.add_command(rights)
cli.add_command(devices)
cli.add_command(mandates)
cli.add_command(card)
cli.add_command(pin)


def main() -> None:
    """Entry point of the ``wallet-mobile`` console script."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if isinstance(stream, io.TextIOWrapper) and encoding != "utf8":
            stream.reconfigure(encoding="utf-8")
    cli(prog_name="wallet-mobile")


cli.add_command(recover)
