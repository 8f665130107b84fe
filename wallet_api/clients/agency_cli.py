"""``wallet-agency``: an issuing agency's command line over the agency SDK (its key stays local)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import click

import crypto
from consent import document_types
from wallet_api.clients.agency import AgencyApiError
from wallet_api.clients.agency_cli_rights import register as register_rights
from wallet_api.clients.agency_rights import RightsAgencyClient


def _key_file(home: Path) -> Path:
    return home / "agency.pem"


def _load_key(home: Path) -> crypto.EcPrivateKey:
    path = _key_file(home)
    if not path.exists():
        raise click.ClickException("Chưa có khoá / No key: run `wallet-agency key init` first")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise click.ClickException("Tệp khoá bị lộ quyền / Key file is readable by others: chmod 600 it")
    return crypto.load_private_key_pem(path.read_bytes())


@click.group()
@click.option(
    "--server",
    envvar="WALLET_AGENCY_SERVER",
    default="http://127.0.0.1:8000",
    help="Máy chủ ví / Wallet server URL.",
)
@click.option(
    "--home",
    envvar="WALLET_AGENCY_HOME",
    type=click.Path(path_type=Path),
    default=Path.home() / ".wallet-agency",
    help="Thư mục khoá / Key directory.",
)
@click.option("--agency", "agency_id", envvar="WALLET_AGENCY_ID", default="", help="Mã cơ quan / Agency id.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
@click.pass_context
def main(ctx: click.Context, server: str, home: Path, agency_id: str, lang: str) -> None:
    """Hệ thống của cơ quan cấp giấy tờ / An issuing agency's system."""
    ctx.obj = {"server": server, "home": home, "agency": agency_id, "lang": lang}


def _client(obj: dict[str, Any]) -> RightsAgencyClient:
    if not obj["agency"]:
        raise click.ClickException("Thiếu --agency / --agency is required")
    return RightsAgencyClient(
        obj["server"], obj["agency"], _load_key(obj["home"]), accept_language=obj["lang"]
    )


@main.group()
def key() -> None:
    """Khoá ký của cơ quan / The agency's signing key."""


@key.command("init")
@click.pass_obj
def key_init(obj: dict[str, Any]) -> None:
    """Tạo khoá ES256 và JWKS công khai / Create an ES256 key and its public JWKS."""
    home: Path = obj["home"]
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = _key_file(home)
    if path.exists():
        raise click.ClickException("Khoá đã có / A key already exists")
    private = crypto.generate_private_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(crypto.private_key_pem(private))
    public = crypto.public_jwk(private)
    jwks = {"keys": [{**public, "kid": crypto.jwk_thumbprint(public), "alg": "ES256", "use": "sig"}]}
    (home / "jwks.json").write_text(json.dumps(jwks, indent=2))
    click.echo(f"Đã tạo khoá / Key created; JWKS công khai / public JWKS: {home / 'jwks.json'}")


def _report(exc: AgencyApiError) -> click.ClickException:
    return click.ClickException(f"{exc.title} — {exc.detail} ({exc.status} {exc.code})")


@main.command("issue-credential")
@click.option("--cccd", required=True, help="Số CCCD của công dân / Citizen ID number.")
@click.option("--type", "doc_type", required=True, help="Loại giấy tờ / Document type.")
@click.option(
    "--claims",
    "claims_file",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="Tệp JSON các trường / JSON file of claims.",
)
@click.option("--idempotency-key", default=None)
@click.pass_obj
def issue_credential(
    obj: dict[str, Any], cccd: str, doc_type: str, claims_file: Path, idempotency_key: str | None
) -> None:
    """Ký và cấp giấy tờ điện tử (SD-JWT VC) / Sign and issue a credential."""
    entry = document_types().get(doc_type)
    if entry is None or entry.vct is None:
        raise click.ClickException(f"Loại không có / Unknown type: {doc_type}")
    client = _client(obj)
    try:
        sd_jwt = client.sign_credential(
            cccd, entry.vct, json.loads(claims_file.read_text("utf-8")), always_visible=entry.always_visible()
        )
        result = client.issue_credential(cccd, sd_jwt, idempotency_key=idempotency_key)
    except AgencyApiError as exc:
        raise _report(exc) from None
    click.echo(f"Đã cấp / Issued: {result['credential_id']} ({result['type']})")


@main.command("set-status")
@click.argument("credential_id")
@click.argument("status", type=click.Choice(["revoked", "suspended", "valid"]))
@click.pass_obj
def set_status(obj: dict[str, Any], credential_id: str, status: str) -> None:
    """Thu hồi, tạm dừng hoặc khôi phục / Revoke, suspend or reinstate a credential."""
    try:
        _client(obj).set_status(credential_id, status)
    except AgencyApiError as exc:
        raise _report(exc) from None
    click.echo(f"Đã đặt trạng thái / Status set: {credential_id} → {status}")


register_rights(main, _client, _report)
