"""``wallet-mobile credentials`` and ``present``: credentials decoded and disclosed on the phone itself."""

from __future__ import annotations

from pathlib import Path

import click

from crypto import parse_sd_jwt
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual, nfc

_TECHNICAL = {"iss", "vct", "iat", "exp", "cnf", "status", "nbf", "_sd_alg"}
_STATUS = {
    "valid": "còn hiệu lực / valid",
    "revoked": "đã thu hồi / revoked",
    "suspended": "tạm dừng / suspended",
}


def claims_of(sd_jwt: str) -> dict[str, object]:
    """The claims of the holder's own SD-JWT, decoded locally from its disclosures."""
    return dict(parse_sd_jwt(sd_jwt).unverified_claims)


def _binding(item: dict[str, object], mine: str) -> str:
    """Whether this device can present it: bound to a revoked key, or to another device's."""
    if item.get("needs_reissue"):
        return "  [cần cấp lại / needs re-issue]"
    if item.get("holder_jkt") not in (None, mine):
        return "  [gắn với thiết bị khác / bound to another device]"
    return ""


@click.command("credentials")
@click.option("--type", "doc_type", default=None, help="Chỉ loại này / Only this type")
@click.option(
    "--limit", type=click.IntRange(1, 500), default=None, help="Chỉ N giấy tờ mới nhất / Only the N newest"
)
@pass_env
def credentials(env: CliEnv, doc_type: str | None, limit: int | None) -> None:
    """Giấy tờ điện tử đã cấp / Issued credentials, with their claims."""
    with env.client() as client:
        items = client.list_credentials(doc_type, limit=limit)
        mine = client.device.thumbprint()
    if not items:
        click.echo(bilingual("Chưa có giấy tờ điện tử", "No credentials yet", ""))
    for item in items:
        status = _STATUS.get(str(item["status"]), str(item["status"]))
        head = f"{item['id']}  {item['type_name']}  — {item['issuer_name']}  [{status}]"
        click.echo(nfc(head + _binding(item, mine)))
        for name, value in claims_of(str(item["sd_jwt"])).items():
            if name not in _TECHNICAL:
                click.echo(nfc(f"    {name}: {value}"))


@click.command("present")
@click.argument("credential_id", metavar="ID")
@click.option("--claims", required=True, help="Các trường chia sẻ, cách nhau dấu phẩy / Claims to disclose")
@click.option("--nonce", required=True, help="Mã của bên kiểm tra / The verifier's nonce")
@click.option("--audience", required=True, help="Bên kiểm tra / The verifier (audience)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_env
def present(
    env: CliEnv, credential_id: str, claims: str, nonce: str, audience: str, output: Path | None
) -> None:
    """Tạo bản trình bày trên máy / Build a presentation on the device (chosen claims only)."""
    chosen = [c.strip() for c in claims.split(",") if c.strip()]
    with env.client() as client:
        text = client.present(credential_id, chosen, nonce=nonce, audience=audience)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text)
        click.echo(bilingual("Đã tạo bản trình bày", "Presentation written", str(output)))
