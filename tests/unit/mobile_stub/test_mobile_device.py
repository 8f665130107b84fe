"""The device key store: private files, created private, refused when not."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mobile_stub import (
    CorruptState,
    Device,
    DeviceKeyExists,
    DeviceState,
    InsecureKeyFile,
    NoDeviceKey,
    default_home,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_file_is_created_0600_without_chmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("the key file must be created private, not chmod-ed after")

    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(os, "fchmod", no_chmod)
    old_umask = os.umask(0)  # a permissive umask must not widen the file
    try:
        device = Device(tmp_path / "home")
        jwk = device.init()
    finally:
        os.umask(old_umask)
    assert mode(device.key_path) == 0o600
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert device.key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_state_file_is_0600(device: Device) -> None:
    old_umask = os.umask(0)
    try:
        device.save_state(DeviceState(server="http://x", citizen_id="c-1"))
    finally:
        os.umask(old_umask)
    assert mode(device.state_path) == 0o600
    assert device.load_state() == DeviceState(server="http://x", citizen_id="c-1")


def test_a_0644_key_is_refused(device: Device) -> None:
    device.key_path.chmod(0o644)
    with pytest.raises(InsecureKeyFile):
        Device(device.home).private_key()


def test_a_group_readable_state_is_refused(device: Device) -> None:
    device.save_state(DeviceState(citizen_id="c-1"))
    device.state_path.chmod(0o640)
    with pytest.raises(InsecureKeyFile):
        device.load_state()


def test_a_symlinked_key_is_refused(device: Device, tmp_path: Path) -> None:
    other = Device(tmp_path / "elsewhere")
    other.home.mkdir()
    other.key_path.symlink_to(device.key_path)
    with pytest.raises(InsecureKeyFile):
        other.private_key()


def test_init_never_overwrites_a_key(device: Device) -> None:
    before = device.key_path.read_bytes()
    with pytest.raises(DeviceKeyExists):
        Device(device.home).init()
    assert device.key_path.read_bytes() == before


def test_missing_key(tmp_path: Path) -> None:
    with pytest.raises(NoDeviceKey):
        Device(tmp_path).private_key()


def test_key_round_trips_and_public_jwk_has_no_private_part(device: Device) -> None:
    reloaded = Device(device.home)
    assert reloaded.public_jwk() == device.public_jwk()
    assert "d" not in reloaded.public_jwk()
    assert reloaded.thumbprint() == device.thumbprint()


def test_corrupt_state_is_an_sdk_error(device: Device) -> None:
    fd = os.open(device.state_path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"citizen_id": 5}')
    os.close(fd)
    with pytest.raises(CorruptState):
        device.load_state()


def test_no_state_yet_is_empty(tmp_path: Path) -> None:
    assert Device(tmp_path).load_state() == DeviceState()


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_MOBILE_HOME", str(tmp_path / "w"))
    assert default_home() == tmp_path / "w"
    assert Device().home == tmp_path / "w"
    monkeypatch.delenv("WALLET_MOBILE_HOME")
    assert default_home() == Path("~/.wallet-mobile").expanduser()
