"""Fixtures for the phone client's unit tests: a fake server, a pinned clock, a device."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mobile_fakes import BASE, ChunkRecordingTransport, FakeClock, FakeWallet

from mobile_stub import Device, WalletClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wallet(clock: FakeClock) -> FakeWallet:
    return FakeWallet(clock)


@pytest.fixture
def transport(wallet: FakeWallet) -> ChunkRecordingTransport:
    return ChunkRecordingTransport(wallet)


@pytest.fixture
def device(tmp_path: Path) -> Device:
    dev = Device(tmp_path / "home")
    dev.init()
    return dev


@pytest.fixture
def client(device: Device, transport: ChunkRecordingTransport, clock: FakeClock) -> Iterator[WalletClient]:
    with WalletClient(BASE, device, transport=transport, clock=clock) as wallet_client:
        yield wallet_client


@pytest.fixture
def enrolled(client: WalletClient) -> WalletClient:
    client.enrol("001099012345", "Nguyễn Thị Ánh", "1999-05-17")
    return client
