"""``wallet-mobile devices``: add this device to a wallet, approve a new one, list and revoke.

On the new device (its own ``--home``): ``devices add --name ...`` creates the
key if there is none, shows the pairing code (text, terminal QR, optional PNG)
and waits for the approval; ``devices finish`` completes a pairing later. On a
device the citizen holds: ``devices approve CODE`` shows the new device's name
and key words, asks, and signs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

import qr
from mobile_stub._env import DEFAULT_SERVER, CliEnv, pass_env
from mobile_stub._text import bilingual, nfc
from mobile_stub.devices_client import DevicesClient

_HOW = {"enrolment": ("đăng ký ban đầu", "enrolment"), "pairing": ("ghép từ thiết bị khác", "paired")}
POLL_SECONDS = 2.0


def devices_client(env: CliEnv) -> DevicesClient:
    """A device-capable client, reaching the server the way ``CliEnv.client`` does."""
    device = env.device()
    server = env.server or device.load_state().server or DEFAULT_SERVER
    client = DevicesClient(server, device, transport=env.transport, clock=env.clock, accept_language=env.lang)
    client.act_for(env.acting_for)  # --for: the server refuses what no mandate covers
    return client


@click.group()
def devices() -> None:
    """Các thiết bị của ví / The wallet's devices."""


@devices.command("add")
@click.option("--name", required=True, help="Tên thiết bị này / This device's name")
@click.option(
    "--png", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Lưu QR / Save the QR"
)
@click.option(
    "--wait", type=click.IntRange(0, 300), default=300, help="Chờ phê duyệt (giây) / Wait (seconds)"
)
@pass_env
def add(env: CliEnv, name: str, png: Path | None, wait: int) -> None:
    """Thêm thiết bị này vào ví / Add this device to a wallet (run on the NEW device)."""
    device = env.device()
    if not device.has_key():
        device.init()
    with devices_client(env) as client:
        started = client.start_pairing(nfc(name.strip()))
        payload = json.dumps({"code": started["code"], "jkt": started["jkt"]}, separators=(",", ":"))
        text, _ = qr.render_terminal(payload.encode())
        click.echo(text)
        if png is not None:
            qr.render_png(payload.encode(), png)
        code = str(started["code"])
        click.echo(bilingual("Mã ghép", "Pairing code", f"{code[:4]}-{code[4:]}"))
        click.echo(bilingual("Từ khoá của thiết bị này", "This device's key words", str(started["words"])))
        click.echo(
            bilingual(
                "Trên thiết bị cũ, chạy `wallet-mobile devices approve MÃ` trong 5 phút",
                "On your other device, run `wallet-mobile devices approve CODE` within 5 minutes",
            )
        )
        deadline = time.monotonic() + wait
        while True:
            joined = client.finish_pairing()
            if joined is not None:
                click.echo(bilingual("Đã thêm thiết bị vào ví", "Device added to the wallet", joined))
                return
            if time.monotonic() >= deadline:
                click.echo(
                    bilingual(
                        "Chưa được phê duyệt; chạy `devices finish` sau",
                        "Not approved yet; run `devices finish` later",
                    )
                )
                return
            time.sleep(POLL_SECONDS)


@devices.command("finish")
@pass_env
def finish(env: CliEnv) -> None:
    """Hoàn tất việc ghép sau khi được phê duyệt / Finish pairing once approved (NEW device)."""
    with devices_client(env) as client:
        joined = client.finish_pairing()
    if joined is None:
        click.echo(bilingual("Đang chờ phê duyệt", "Still waiting for approval"))
        raise click.exceptions.Exit(3)
    click.echo(bilingual("Đã thêm thiết bị vào ví", "Device added to the wallet", joined))


@devices.command("approve")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Không hỏi lại / Do not ask")
@pass_env
def approve(env: CliEnv, code: str, yes: bool) -> None:
    """Phê duyệt thiết bị mới bằng mã ghép / Approve a new device by its pairing code."""
    with devices_client(env) as client:
        shown = client.show_pairing(code)
        click.echo(bilingual("Thiết bị mới", "New device", str(shown["name"])))
        click.echo(
            bilingual(
                "Từ khoá (so với màn hình thiết bị mới)",
                "Key words (compare with the new device)",
                str(shown["words"]),
            )
        )
        click.echo(bilingual("Dấu vân tay khoá", "Key thumbprint", str(shown["jkt"])))
        if not yes and not click.confirm(
            nfc("Cho phép thiết bị này vào ví? / Let this device into the wallet?")
        ):
            click.echo(bilingual("Đã huỷ, không có gì thay đổi", "Cancelled, nothing changed"))
            raise click.exceptions.Exit(1)
        added = client.approve_pairing(shown, code)
    click.echo(bilingual("Đã thêm thiết bị", "Device added", f"{added['name']} ({added['device_id']})"))


@devices.command("list")
@pass_env
def list_devices(env: CliEnv) -> None:
    """Danh sách thiết bị / List the wallet's devices."""
    with devices_client(env) as client:
        items = client.devices()
    for item in items:
        how_vi, how_en = _HOW.get(str(item.get("how_added")), (str(item.get("how_added")),) * 2)
        mark = " *" if item.get("current") else ""
        state = (
            f"đã thu hồi / revoked {item['revoked_at']}" if item.get("revoked_at") else "đang dùng / active"
        )
        click.echo(nfc(f"{item['device_id']}  {item['name']}{mark}"))
        click.echo(nfc(f"    thêm lúc / added {item['added_at']} ({how_vi} / {how_en}); {state}"))
        used = item.get("last_used_at") or "chưa / never"
        click.echo(nfc(f"    dùng gần nhất / last used {used}; từ khoá / words: {item['words']}"))


@devices.command("revoke")
@click.argument("device_id", metavar="ID")
@click.option("--last", is_flag=True, help="Xác nhận thu hồi thiết bị cuối cùng / Confirm the last device")
@pass_env
def revoke(env: CliEnv, device_id: str, last: bool) -> None:
    """Thu hồi một thiết bị / Revoke a device: its sessions stop at once."""
    with devices_client(env) as client:
        mine = any(d.get("current") and d.get("device_id") == device_id for d in client.devices())
        client.revoke_device(device_id, last=last)
        if mine:
            client.forget_wallet()
    click.echo(bilingual("Đã thu hồi thiết bị", "Device revoked", device_id))
