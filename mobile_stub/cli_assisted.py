"""``wallet-mobile card`` and ``wallet-mobile pin``: for being served at a one-stop office.

``card --png the-card.png`` saves the QR to print on the wallet card (it names the wallet by an
opaque id, nothing about the citizen); ``card --new`` replaces a lost card (the old card's QR is
refused from then on); ``pin set`` sets the 6-digit PIN the citizen types on the
office's device to confirm each action.
"""

from __future__ import annotations

from pathlib import Path

import click

import qr
from mobile_stub._env import CliEnv, pass_env
from mobile_stub._text import bilingual


@click.command("card")
@click.option(
    "--png", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Lưu QR / Save the QR"
)
@click.option(
    "--new",
    "rotate",
    is_flag=True,
    help="Thẻ mới thay thẻ mất; thẻ cũ hết hiệu lực / A new card for a lost one; the old one stops working",
)
@pass_env
def card(env: CliEnv, png: Path | None, rotate: bool) -> None:
    """Mã QR in trên thẻ ví / The QR code printed on the wallet card."""
    with env.client() as client:
        text = client.new_card() if rotate else client.card()
    if rotate:
        click.echo(
            bilingual(
                "Đã cấp thẻ mới; thẻ cũ không còn dùng được", "New card issued; the old one no longer works"
            )
        )
    shown, _ = qr.render_terminal(text.encode("ascii"))
    click.echo(shown)
    if png is not None:
        qr.render_png(text.encode("ascii"), png)
        click.echo(bilingual("Đã lưu mã QR của thẻ", "Card QR saved", str(png)))


@click.group("pin")
def pin() -> None:
    """Mã PIN dùng tại bộ phận một cửa / The PIN used at one-stop offices."""


@pin.command("set")
@click.option(
    "--pin", "value", prompt="Mã PIN (6 chữ số) / PIN (6 digits)", hide_input=True, confirmation_prompt=True
)
@pass_env
def set_pin(env: CliEnv, value: str) -> None:
    """Đặt mã PIN / Set the PIN."""
    with env.client() as client:
        client.set_assist_pin(value.strip())
    click.echo(bilingual("Đã đặt mã PIN", "PIN set"))
