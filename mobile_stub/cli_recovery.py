"""``wallet-mobile recover``: recover the wallet on a new device when every device is lost.

On the NEW device (its own ``--home``): ``recover start --cccd ... --code ...`` (dev mode: the
recovery code printed at enrolment), or ``recover nonce --cccd ...`` then, with the identity
provider's signed assertion, ``recover start --assertion FILE``; ``recover status`` follows it and,
once the cooling-off is over, joins the wallet. On a device still held: every command announces a
pending recovery, and ``recover cancel`` stops it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from crypto import thumbprint_words
from crypto.transparency import VIETNAM
from mobile_stub._env import DEFAULT_SERVER, CliEnv, pass_env
from mobile_stub._text import bilingual, nfc
from mobile_stub.errors import MobileError
from mobile_stub.recovery_client import RecoveryClient

_STATUS = {
    "pending": ("đang chờ", "pending"),
    "cancelled": ("đã bị huỷ", "cancelled"),
    "completed": ("đã hoàn tất", "completed"),
    "expired": ("đã hết hạn, thiết bị mới không quay lại kịp", "expired, the new device came back too late"),
}


def recovery_client(env: CliEnv) -> RecoveryClient:
    """A recovery-capable client, reaching the server the way ``CliEnv.client`` does."""
    device = env.device()
    server = env.server or device.load_state().server or DEFAULT_SERVER
    return RecoveryClient(server, device, transport=env.transport, clock=env.clock, accept_language=env.lang)


def _when(value: object) -> str:
    at = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(VIETNAM)
    return f"{at:%H:%M %d/%m/%Y} (giờ Việt Nam / Vietnam time)"


def _say(text: str) -> None:
    click.echo(nfc(text))


def _describe(recovery: dict[str, object]) -> None:
    vi, en = _STATUS.get(str(recovery.get("status")), (str(recovery.get("status")),) * 2)
    _say(bilingual("Khôi phục ví", "Wallet recovery", f"{recovery.get('recovery_id')} — {vi} / {en}"))
    _say(bilingual("Thiết bị mới", "New device", f"{recovery.get('name')} ({recovery.get('words')})"))
    _say(bilingual("Xác minh bởi", "Vouched for by", str(recovery.get("vouched_by"))))
    if recovery.get("status") == "pending":
        _say(
            bilingual(
                "Hoàn tất lúc (nếu không bị huỷ)",
                "Completes at (unless cancelled)",
                _when(recovery["completes_at"]),
            )
        )


def announce_recovery(env: CliEnv | None) -> None:
    """On a device in a wallet with a live session: warn of a pending recovery (after any command)."""
    if env is None:
        return
    try:
        with recovery_client(env) as client:
            if not client.in_session():
                return
            pending = client.pending_recovery()
    except (MobileError, OSError):
        return  # an announcement never fails the command it follows
    if pending is None:
        return
    click.echo(
        nfc(
            "⚠ "
            + bilingual(
                "Ví của bạn đang được khôi phục trên thiết bị khác; nếu không phải bạn, hãy chạy",
                "Your wallet is being recovered on another device; if it is not you, run",
                f"wallet-mobile recover cancel {pending.get('recovery_id')}",
            )
        ),
        err=True,
    )
    click.echo(
        nfc(
            f"  {pending.get('name')} — "
            + bilingual("hoàn tất lúc", "completes at", _when(pending["completes_at"]))
        ),
        err=True,
    )


@click.group()
def recover() -> None:
    """Khôi phục ví khi mất mọi thiết bị / Recover the wallet when every device is lost."""


@recover.command("nonce")
@click.option("--cccd", required=True, help="Số CCCD / Citizen ID number")
@pass_env
def nonce(env: CliEnv, cccd: str) -> None:
    """Xin mã dùng một lần cho cơ quan định danh / Get a nonce for the identity provider (NEW device)."""
    device = env.device()
    if not device.has_key():
        device.init()
    with recovery_client(env) as client:
        issued = client.recovery_nonce(cccd.strip())
    _say(bilingual("Mã dùng một lần", "Nonce", str(issued["nonce"])))
    _say(
        bilingual(
            "Khoá thiết bị mới (đưa cho cơ quan định danh)",
            "New device key (give it to the identity provider)",
            json.dumps(device.public_jwk()),
        )
    )
    _say(bilingual("Từ khoá", "Key words", thumbprint_words(device.thumbprint())))


@recover.command("start")
@click.option("--name", required=True, help="Tên thiết bị này / This device's name")
@click.option("--cccd", default=None, help="Số CCCD (với --code) / Citizen ID number (with --code)")
@click.option("--code", default=None, help="Mã khôi phục (chế độ dev) / Recovery code (dev mode)")
@click.option(
    "--assertion",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Xác nhận của cơ quan định danh / The identity provider's assertion (file)",
)
@pass_env
def start(env: CliEnv, name: str, cccd: str | None, code: str | None, assertion: Path | None) -> None:
    """Bắt đầu khôi phục ví trên thiết bị này / Start recovering the wallet on this (NEW) device."""
    if (code is None) == (assertion is None):
        raise click.UsageError("Cần --code hoặc --assertion / Give --code or --assertion")
    if code is not None and not cccd:
        raise click.UsageError("--code cần --cccd / --code needs --cccd")
    device = env.device()
    if not device.has_key():
        device.init()
    with recovery_client(env) as client:
        if code is not None and cccd:
            client.recovery_nonce(cccd.strip())
        token = assertion.read_text("utf-8").strip() if assertion is not None else None
        started = client.start_recovery(nfc(name.strip()), code=code, assertion=token)
    _describe(started)
    _say(bilingual("Theo dõi bằng", "Follow it with", "wallet-mobile recover status"))


@recover.command("status")
@pass_env
def status(env: CliEnv) -> None:
    """Tình trạng khôi phục / Where the recovery stands; joins the wallet once it completes (NEW device)."""
    with recovery_client(env) as client:
        outcome = client.recovery_status()
    _describe(outcome)
    if outcome.get("status") == "completed":
        _say(
            bilingual(
                "Thiết bị này đã thay thế mọi thiết bị cũ của ví",
                "This device replaced every earlier device of the wallet",
                str(outcome.get("citizen_id")),
            )
        )
    if outcome.get("recovery_code"):
        _say(
            bilingual(
                "Mã khôi phục mới (chỉ hiện một lần, hãy cất giữ)",
                "New recovery code (shown once, keep it safe)",
                str(outcome["recovery_code"]),
            )
        )


@recover.command("cancel")
@click.argument("recovery_id", required=False)
@pass_env
def cancel(env: CliEnv, recovery_id: str | None) -> None:
    """Huỷ yêu cầu khôi phục ví / Cancel a recovery of this wallet (a device still held)."""
    with recovery_client(env) as client:
        if recovery_id is None:
            pending = client.pending_recovery()
            if pending is None:
                _say(bilingual("Không có yêu cầu khôi phục nào", "No recovery is pending"))
                return
            recovery_id = str(pending["recovery_id"])
        outcome = client.cancel_recovery(recovery_id)
    _describe(outcome)
    if outcome.get("recovery_code"):
        _say(
            bilingual(
                "Mã khôi phục mới (chỉ hiện một lần, hãy cất giữ)",
                "New recovery code (shown once, keep it safe)",
                str(outcome["recovery_code"]),
            )
        )
