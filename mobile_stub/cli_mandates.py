"""``wallet-mobile mandates``: let another citizen act for you, see mandates, end one.

``mandates grant --to CCCD --documents birth-certificate --procedures 1.001193 --until 2027-06-30``
lets the citizen with that CCCD read those documents and answer consents for those procedures;
``mandates list`` shows those granted and those held; ``mandates revoke ID`` ends one (the
grantor revokes, the delegate renounces). A delegate then acts with ``wallet-mobile --for
CITIZEN_ID ...`` (or the mandate's id): every request names the mandate and the server refuses
whatever it does not cover. ``mandates present MANDATE_ID CREDENTIAL_ID --claims ... --nonce ...
--audience ...`` presents a credential the mandate covers with the delegate's own key, under the
wallet's five-minute mandate attestation: a QR code (or, as it is usually too big for one, a
one-time reference the verifier resolves online), or the text with ``-o`` for ``wallet-verify
credential``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

import qr
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual, nfc

_ROLES = {"represented": ("bạn uỷ quyền", "you granted"), "delegate": ("bạn được uỷ quyền", "you hold")}
_STATES = {
    "active": ("đang hiệu lực", "active"),
    "pending": ("chưa đến hạn", "not yet valid"),
    "expired": ("đã hết hạn", "expired"),
    "ended": ("đã chấm dứt", "ended"),
}


def _items(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _moment(raw: str) -> str:
    """A date (the end of that day, Vietnam time) or an ISO datetime, as ISO 8601."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return dt.datetime.fromisoformat(raw).isoformat()
    return dt.datetime.combine(
        day, dt.time(23, 59, 59), tzinfo=dt.timezone(dt.timedelta(hours=7))
    ).isoformat()


@click.group()
def mandates() -> None:
    """Uỷ quyền cho người khác / Mandates: let someone act for you."""


@mandates.command("grant")
@click.option("--to", "cccd", required=True, help="Số CCCD của người được uỷ quyền / The delegate's CCCD")
@click.option("--documents", default="", help="Loại giấy tờ được xem / Document types to read (a,b)")
@click.option("--procedures", default="", help="Thủ tục được trả lời / Procedures whose consents to answer")
@click.option(
    "--credentials", default="", help="Loại chứng nhận được trình bày / Credential types to present"
)
@click.option("--until", "until", required=True, help="Đến ngày / Until (YYYY-MM-DD or ISO datetime)")
@click.option("--from", "start", default=None, help="Từ / From (default: now)")
@pass_env
def grant(
    env: CliEnv, cccd: str, documents: str, procedures: str, credentials: str, until: str, start: str | None
) -> None:
    """Uỷ quyền cho một công dân khác / Grant a mandate to another citizen."""
    body: dict[str, object] = {
        "delegate_cccd": cccd.strip(),
        "scope": {
            "documents": _items(documents),
            "procedures": _items(procedures),
            "credentials": _items(credentials),
        },
        "valid_until": _moment(until),
    }
    if start:
        body["valid_from"] = _moment(start)
    with env.client() as client:
        made = client.grant_mandate(body)
    click.echo(bilingual("Đã uỷ quyền", "Mandate granted", f"{made['delegate_name']} ({made['mandate_id']})"))


@mandates.command("list")
@pass_env
def list_mandates(env: CliEnv) -> None:
    """Các uỷ quyền / Mandates granted and held."""
    with env.client() as client:
        items = client.mandates()
    if not items:
        click.echo(bilingual("Không có uỷ quyền nào", "No mandates"))
    for item in items:
        role_vi, role_en = _ROLES.get(str(item["role"]), (str(item["role"]),) * 2)
        state_vi, state_en = _STATES.get(str(item["state"]), (str(item["state"]),) * 2)
        who = item["delegate_name"] if item["role"] == "represented" else item["represented_name"]
        kind = " [giám hộ / guardian]" if item["kind"] == "guardian" else ""
        click.echo(
            nfc(f"{item['mandate_id']}  {who}{kind}  ({role_vi} / {role_en}; {state_vi} / {state_en})")
        )
        scope = item["scope"]
        for key, vi, en in (
            ("documents", "xem giấy tờ", "read documents"),
            ("procedures", "trả lời đồng ý cho thủ tục", "answer consents for"),
            ("credentials", "trình bày", "present"),
        ):
            if scope.get(key):
                click.echo(nfc(f"    {vi} / {en}: {', '.join(scope[key])}"))
        click.echo(nfc(f"    từ / from {item['valid_from']} đến / until {item['valid_until']}"))
        if item["role"] == "delegate":
            click.echo(nfc(f"    wallet-mobile --for {item['represented_id']} documents list --type ..."))


@mandates.command("revoke")
@click.argument("mandate_id", metavar="ID")
@pass_env
def revoke(env: CliEnv, mandate_id: str) -> None:
    """Thu hồi (hoặc từ chối) một uỷ quyền / Revoke (or renounce) a mandate: it stops at once."""
    with env.client() as client:
        ended = client.end_mandate(mandate_id)
    click.echo(bilingual("Đã chấm dứt uỷ quyền", "Mandate ended", str(ended["mandate_id"])))


@mandates.command("present")
@click.argument("mandate_id", metavar="MANDATE")
@click.argument("credential_id", metavar="CREDENTIAL")
@click.option("--claims", required=True, help="Các trường chia sẻ / Claims to disclose (comma-separated)")
@click.option("--nonce", required=True, help="Mã của bên kiểm tra / The verifier's nonce")
@click.option("--audience", required=True, help="Bên kiểm tra / The verifier (audience)")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None)
@pass_env
def present(
    env: CliEnv,
    mandate_id: str,
    credential_id: str,
    claims: str,
    nonce: str,
    audience: str,
    output: Path | None,
    png: Path | None,
) -> None:
    """Trình bày giấy tờ của người uỷ quyền bằng khoá của bạn / Present the represented citizen's
    credential with your own key, under the mandate."""
    with env.client() as client:
        text = client.mandate_presentation(
            mandate_id, credential_id, _items(claims), nonce=nonce, audience=audience
        )
        if output is not None:
            output.write_text(text)
            click.echo(
                bilingual("Đã tạo bản trình bày theo uỷ quyền", "Mandated presentation written", str(output))
            )
            return
        try:
            payload = qr.encode_presentation(text)
        except qr.QrError:  # the attestation makes most too big for one code: a one-time reference
            payload = qr.encode_reference(str(client.park_presentation(text)["url"]))
    shown, version = qr.render_terminal(payload)
    click.echo(shown)
    if png is not None:
        qr.render_png(payload, png)
    click.echo(bilingual("Mã QR trình bày theo uỷ quyền", "Mandated presentation QR", f"v{version}"))
