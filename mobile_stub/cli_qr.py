"""``wallet-mobile qr`` and ``present-qr``: the identity QR (24 h offline) and presentation QR codes."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import click

import qr
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual
from mobile_stub.device import read_private, write_private

BATCH_FILE = "identity-qr.json"
BATCH_LIMIT = 4 * 1024 * 1024  # 720 tokens of ~300 base64 characters, with room


def _batch_path(env: CliEnv) -> Path:
    return env.device().home / BATCH_FILE


def _save(path: Path, data: object) -> None:
    write_private(path, json.dumps(data).encode())


def _tokens(path: Path) -> list[qr.IdentityToken]:
    if not path.exists():
        return []
    raw = json.loads(read_private(path, limit=BATCH_LIMIT))
    return [
        qr.IdentityToken(base64.b64decode(t["payload"]), int(t["not_before"]), int(t["expires"])) for t in raw
    ]


def _show(payload: bytes, png: Path | None, svg: Path | None) -> int:
    text, version = qr.render_terminal(payload)
    click.echo(text)
    if png is not None:
        qr.render_png(payload, png)
    if svg is not None:
        qr.render_svg(payload, svg)
    return version


@click.command("qr")
@click.option("--sync", "force_sync", is_flag=True, help="Lấy lô mã mới / Fetch a fresh batch now.")
@click.option(
    "--fields", default=None, help="Trường công khai / Claims a stranger may see (comma-separated)."
)
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_env
def identity_qr(
    env: CliEnv, force_sync: bool, fields: str | None, png: Path | None, svg: Path | None
) -> None:
    """Mã QR định danh cá nhân, dùng được 24 giờ không cần mạng / Personal identity QR, 24 h offline."""
    path = _batch_path(env)
    now = int(env.clock())
    token = None if force_sync or fields else qr.current_token(_tokens(path), now)
    if token is None:
        chosen = [f.strip() for f in fields.split(",")] if fields else None
        with env.client() as client:
            batch = client.identity_batch(chosen)
        _save(path, batch["tokens"])
        token = qr.current_token(_tokens(path), now)
    if token is None:
        raise click.ClickException("Không có mã hợp lệ / No valid code: run with --sync online")
    version = _show(token.payload, png, svg)
    left = max(0, token.expires - int(time.time()))
    click.echo(bilingual("Mã QR định danh", "Identity QR", f"v{version}, {left}s"))


@click.command("present-qr")
@click.argument("credential_id", metavar="ID")
@click.option("--claims", required=True, help="Các trường chia sẻ / Claims to disclose (comma-separated)")
@click.option("--nonce", required=True, help="Mã của bên kiểm tra / The verifier's nonce")
@click.option("--audience", required=True, help="Bên kiểm tra / The verifier (audience)")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--svg", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_env
def present_qr(
    env: CliEnv,
    credential_id: str,
    claims: str,
    nonce: str,
    audience: str,
    png: Path | None,
    svg: Path | None,
) -> None:
    """Trình bày giấy tờ bằng mã QR / Present a credential as a QR code (or a one-time reference)."""
    chosen = [c.strip() for c in claims.split(",") if c.strip()]
    with env.client() as client:
        text = client.present(credential_id, chosen, nonce=nonce, audience=audience)
        try:
            payload = qr.encode_presentation(text)
        except qr.QrError:
            parked = client.park_presentation(text)
            payload = qr.encode_reference(str(parked["url"]))
    version = _show(payload, png, svg)
    click.echo(bilingual("Mã QR trình bày", "Presentation QR", f"v{version}"))
