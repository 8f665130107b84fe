"""How the ``wallet-mobile`` commands reach the wallet (shared by the command modules)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import httpx

from mobile_stub.client import WalletClient
from mobile_stub.device import Device, default_home

DEFAULT_SERVER = "http://127.0.0.1:8000"
SERVER_ENV = "WALLET_MOBILE_SERVER"


@dataclass
class CliEnv:
    """How the CLI reaches the wallet; tests pass one with a transport and a clock."""

    transport: httpx.BaseTransport | None = None
    clock: Callable[[], float] = time.time
    server: str | None = None
    home: Path | None = None
    lang: str = "vi"
    acting_for: str | None = None  # ``--for``: a citizen id or mandate id to act for

    def device(self) -> Device:
        return Device(self.home if self.home is not None else default_home())

    def client(self) -> WalletClient:
        """A client for ``--server``, else the server the device enrolled at, else the default."""
        device = self.device()
        server = self.server or device.load_state().server or DEFAULT_SERVER
        client = WalletClient(
            server, device, transport=self.transport, clock=self.clock, accept_language=self.lang
        )
        client.act_for(self.acting_for)
        return client


pass_env = click.make_pass_decorator(CliEnv)
