"""QR end to end: the phone's identity QR and presentation QR, scanned by wallet-verify and checked online."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import pytest

import crypto
import qr
from tests.support.agencies import BIRTH_CLAIMS, register
from tests.support.cli import phone as mobile_cli
from tests.support.cli import run_module
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer

VCT = "urn:vn:wallet:vct:birth-certificate:1"


_run = run_module


@pytest.fixture
def phone(server: WalletServer, tmp_path: Path) -> tuple[Path, str]:
    home = tmp_path / "phone"

    mobile = mobile_cli(server.url, home)

    assert mobile("device", "init").returncode == 0
    cccd, dob = valid_cccd(birth_year=1987)
    assert mobile("enrol", "--cccd", cccd, "--name", "Phạm Thị Thu Hương", "--dob", dob).returncode == 0
    return home, cccd


def test_identity_qr_offline_and_scanned(
    server: WalletServer, phone: tuple[Path, str], tmp_path: Path
) -> None:
    home, cccd = phone
    png, svg = tmp_path / "id.png", tmp_path / "id.svg"
    shown = _run(
        "mobile_stub.cli",
        "--server",
        server.url,
        "--home",
        str(home),
        "qr",
        "--png",
        str(png),
        "--svg",
        str(svg),
    )
    assert shown.returncode == 0, shown.stderr
    assert "▀" in shown.stdout or "▄" in shown.stdout or "█" in shown.stdout
    assert svg.read_text().startswith("<?xml") or "<svg" in svg.read_text()
    # no network: the phone still shows a valid code from its batch
    offline = _run(
        "mobile_stub.cli",
        "--server",
        "http://127.0.0.1:9",
        "--home",
        str(home),
        "qr",
        "--png",
        str(tmp_path / "offline.png"),
    )
    assert offline.returncode == 0, offline.stderr
    payload = qr.read_qr_image(png)
    assert qr.qr_version(payload) <= 10
    cache = tmp_path / "verifier"
    assert _run("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    scanned = _run("qr.cli", "--cache", str(cache), "scan", str(tmp_path / "offline.png"))
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert "Phạm Thị Thu Hương" in scanned.stdout and cccd[-4:] in scanned.stdout
    assert cccd not in scanned.stdout  # only the last four digits by default
    online = httpx.post(
        server.url + "/v1/verify", json={"payload": base64.b64encode(payload).decode()}
    ).json()
    assert (
        online["valid"] and online["kind"] == "identity" and online["claims"]["name"] == "Phạm Thị Thu Hương"
    )
    assert online["claims"]["status"] == "self-asserted"


def test_presentation_qr_bound_to_the_nonce(
    server: WalletServer, phone: tuple[Path, str], tmp_path: Path
) -> None:
    home, cccd = phone
    agency = register(server, tmp_path)
    client = agency.client()
    result = client.issue_credential(cccd, client.sign_credential(cccd, VCT, BIRTH_CLAIMS))
    png = tmp_path / "present.png"
    made = _run(
        "mobile_stub.cli",
        "--server",
        server.url,
        "--home",
        str(home),
        "present-qr",
        str(result["credential_id"]),
        "--claims",
        "full_name,date_of_birth",
        "--nonce",
        "quay-7",
        "--audience",
        "benh-vien-c",
        "--png",
        str(png),
    )
    assert made.returncode == 0, made.stderr
    cache = tmp_path / "verifier"
    assert _run("qr.cli", "--cache", str(cache), "sync", "--server", server.url).returncode == 0
    ok = _run(
        "qr.cli", "--cache", str(cache), "scan", str(png), "--nonce", "quay-7", "--audience", "benh-vien-c"
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Họ và tên: Nguyễn Thị Minh Khai" in ok.stdout and "Nơi sinh" not in ok.stdout
    other = _run(
        "qr.cli",
        "--cache",
        str(cache),
        "--lang",
        "en",
        "scan",
        str(png),
        "--nonce",
        "quay-8",
        "--audience",
        "benh-vien-c",
    )
    assert other.returncode == 1 and "Not bound to this verifier's nonce" in other.stdout


def test_reference_resolves_once(server: WalletServer, phone: tuple[Path, str]) -> None:
    from mobile_stub import Device, WalletClient

    home, _ = phone
    device = Device(home)
    client = WalletClient(server.url, device)
    issued = crypto.issue_sd_jwt_vc(
        crypto.generate_private_key(),
        kid="k",
        iss="https://issuer.example",
        vct="urn:vn:wallet:vct:birth-certificate:1",
        claims={"full_name": "Phạm Thị Hoa", "note": "x" * 5000},
        holder_jwk=device.public_jwk(),
        now=int(time.time()),
        lifetime=3600,
    )
    shown = crypto.present(
        issued.sd_jwt,
        disclose=["full_name", "note"],
        holder_key=device.private_key(),
        nonce="n",
        audience=server.url + "/verify",
        now=int(time.time()),
    )
    parked = client.park_presentation(shown)
    first = httpx.get(str(parked["url"]))
    assert first.status_code == 200 and first.text == shown
    assert httpx.get(str(parked["url"])).status_code == 404


@pytest.mark.parametrize("payload", [b"", b"garbage", b"WI1" + b"\x00" * 100, b"A" * 150_000])
def test_online_check_of_bad_payloads(server: WalletServer, payload: bytes) -> None:
    started = time.monotonic()
    r = httpx.post(
        server.url + "/v1/verify", json={"payload": base64.b64encode(payload).decode()}, timeout=30
    )
    assert time.monotonic() - started < 10
    if r.status_code == 200:
        assert r.json()["valid"] is False and r.json()["reasons"]
    else:
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
