"""The citizen's whole journey with the reference phone client (``wallet-mobile``) against a real server."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from mobile_stub import Device, WalletClient
from tests.support.cli import phone
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer


def _mobile(
    server: WalletServer, home: Path, *args: str, lang: str = "vi"
) -> subprocess.CompletedProcess[str]:
    return phone(server.url, home)(*args, lang=lang)


def test_cli_journey(server: WalletServer, tmp_path: Path) -> None:
    home = tmp_path / "phone"
    assert _mobile(server, home, "device", "init").returncode == 0
    key_file = home / "device.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    cccd, dob = valid_cccd(birth_year=1988)
    enrol = _mobile(server, home, "enrol", "--cccd", cccd, "--name", "Hoàng Thị Thuý Hằng", "--dob", dob)
    assert enrol.returncode == 0, enrol.stderr
    assert _mobile(server, home, "login").returncode == 0
    me = _mobile(server, home, "me")
    assert "Hoàng Thị Thuý Hằng" in me.stdout

    paper = tmp_path / "Giấy khai sinh.pdf"
    content = b"%PDF-1.4\n" + os.urandom(2_500_000)
    paper.write_bytes(content)
    up = _mobile(server, home, "upload", str(paper), "--type", "birth-certificate")
    assert up.returncode == 0, up.stderr
    assert "Đã tải lên" in up.stdout
    scan = tmp_path / "ảnh.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(1000))
    assert _mobile(server, home, "upload", str(scan), "--type", "other").returncode == 0

    client = WalletClient(server.url, Device(home))
    documents = client.list_documents()
    assert len(documents) == 2
    births = client.list_documents("birth-certificate")
    assert [d["filename"] for d in births] == ["Giấy khai sinh.pdf"]
    doc_id = births[0]["id"]
    assert doc_id in _mobile(server, home, "list", "--type", "birth-certificate").stdout
    assert "Giấy khai sinh.pdf" in _mobile(server, home, "show", doc_id).stdout

    out = tmp_path / "back.pdf"
    assert _mobile(server, home, "download", doc_id, "-o", str(out)).returncode == 0
    assert out.read_bytes() == content

    archive = tmp_path / "all.zip"
    assert _mobile(server, home, "export", "-o", str(archive)).returncode == 0
    with zipfile.ZipFile(archive) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["citizen"]["cccd"] == cccd
        assert len(manifest["documents"]) == 2

    assert _mobile(server, home, "delete", doc_id).returncode == 0
    missing = _mobile(server, home, "show", doc_id, lang="en")
    assert missing.returncode != 0 and "Not found" in (missing.stdout + missing.stderr)

    assert _mobile(server, home, "erase").returncode != 0  # needs --yes
    erased = _mobile(server, home, "erase", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "Signed erasure receipt kept" in erased.stdout, erased.stdout
    receipts = _mobile(server, home, "erasures", lang="en")  # the phone keeps them, verified again
    assert receipts.returncode == 0 and "Erasure receipts: 2" in receipts.stdout, (
        receipts.stdout + receipts.stderr
    )
    # the same person can enrol again from the same phone
    again = _mobile(server, home, "enrol", "--cccd", cccd, "--name", "Hoàng Thị Thuý Hằng", "--dob", dob)
    assert again.returncode == 0, again.stderr + again.stdout


def test_private_key_never_leaves_the_device(server: WalletServer, tmp_path: Path) -> None:
    device = Device(tmp_path / "phone")
    device.init()
    pem = (tmp_path / "phone" / "device.pem").read_bytes()
    sent: list[bytes] = []
    import httpx

    def record(request: httpx.Request) -> None:
        sent.append(request.url.raw_path + b"".join(v for _, v in request.headers.raw) + request.read())

    client = WalletClient(server.url, device)
    client._http.event_hooks["request"].append(record)  # type: ignore[attr-defined]  # a test hook on the SDK's client
    cccd, dob = valid_cccd()
    client.enrol(cccd, "Võ Nguyên Giáp", dob)
    client.login()
    client.upload(io.BytesIO(b'{"a": 1}'), "other", content_type="application/json")
    d = device.private_key().private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
    import base64

    d_b64 = base64.urlsafe_b64encode(d).rstrip(b"=")
    assert sent
    for blob in sent:
        assert d_b64 not in blob and pem not in blob and b'"d"' not in blob


@pytest.mark.parametrize("lang, text", [("vi", "Số CCCD không hợp lệ"), ("en", "Invalid citizen ID number")])
def test_cli_reports_problems_in_the_chosen_language(
    server: WalletServer, tmp_path: Path, lang: str, text: str
) -> None:
    home = tmp_path / "phone"
    _mobile(server, home, "device", "init")
    bad = _mobile(
        server, home, "enrol", "--cccd", "999999999999", "--name", "Ai Đó", "--dob", "1990-01-01", lang=lang
    )
    assert bad.returncode != 0
    assert text in bad.stdout + bad.stderr
