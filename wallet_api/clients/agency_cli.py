"""``wallet-agency``: an issuing agency's command line over the agency SDK (its key stays local)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import click

import crypto
from consent import document_types
from wallet_api.clients.agency import AgencyApiError
from wallet_api.clients.agency_assist_cli import assist
from wallet_api.clients.agency_cli_rights import register as register_rights
from wallet_api.clients.agency_rights import RightsAgencyClient
from wallet_api.recovery.assertion import ASSERTION_TYP, ASSURANCE_LEVELS


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
    ctx.obj = {"server": server, "home": home, "agency": agency_id, "lang": lang, "load_key": _load_key}


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


@main.command("reissue")
@click.option("--list", "list_only", is_flag=True, help="Chỉ liệt kê / Only list the queue.")
@click.pass_obj
def reissue(obj: dict[str, Any], list_only: bool) -> None:
    """Cấp lại giấy tờ gắn với thiết bị công dân không còn giữ / Re-issue credentials bound to a device
    the citizen no longer holds: the same claims, for a key they hold, a new status entry."""
    client = _client(obj)
    try:
        queue = client.reissue_queue()
        if not queue:
            click.echo("Không có giấy tờ nào cần cấp lại / Nothing to re-issue")
            return
        for item in queue:
            if list_only:
                click.echo(f"{item['credential_id']}  {item['type']}  {item['queued_at']}")
                continue
            result = client.reissue(item)
            old, new = item["credential_id"], result["credential_id"]
            click.echo(f"Đã cấp lại / Re-issued: {old} → {new} ({result['type']})")
    except AgencyApiError as exc:
        raise _report(exc) from None


@main.command("vouch")
@click.option("--cccd", required=True, help="Số CCCD đã xác minh / The CCCD number checked in person.")
@click.option("--nonce", required=True, help="Mã dùng một lần của ví / The wallet's recovery nonce.")
@click.option(
    "--jwk", "jwk_text", required=True, help="Khoá công khai của thiết bị mới (JSON) / New device key."
)
@click.option("--acr", type=click.Choice(ASSURANCE_LEVELS), default="high", help="Mức bảo đảm / Assurance.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def vouch(obj: dict[str, Any], cccd: str, nonce: str, jwk_text: str, acr: str, output: Path) -> None:
    """Ký xác nhận khôi phục ví (cơ quan định danh) / Sign a wallet recovery assertion (identity
    provider): after checking the person, for their new device's key and the wallet's nonce."""
    if not obj["agency"]:
        raise click.ClickException("Thiếu --agency / --agency is required")
    key = _load_key(obj["home"])
    try:
        jwk = json.loads(jwk_text)
        crypto.public_key_from_jwk(jwk)
    except (ValueError, crypto.KeyError_):
        raise click.ClickException("Khoá không hợp lệ / Not a public EC P-256 JWK") from None
    claims = {
        "iss": obj["agency"],
        "sub": cccd.strip(),
        "nonce": nonce.strip(),
        "cnf": {"jwk": jwk},
        "acr": acr,
        "iat": int(time.time()),
    }
    kid = crypto.jwk_thumbprint(crypto.public_jwk(key))
    output.write_text(crypto.sign_jws(key, claims, typ=ASSERTION_TYP, kid=kid))
    click.echo(f"Đã ký xác nhận khôi phục / Recovery assertion signed: {output}")


main.add_command(assist)
register_rights(main, _client, _report)
