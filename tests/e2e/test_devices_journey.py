"""Adding, listing and revoking devices with ``wallet-mobile`` against a real server, both backends.

Three homes are three phones. The new phone shows its code (text and QR PNG),
the old one approves it by that code after showing the same key words, and the
new phone starts checking the access log from the head the old one verified:
its first ``log`` proves consistency from that head, not trust on first use.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import qr
from tests.support.cli import phone
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer


def _run(server: WalletServer, home: Path, *args: str, lang: str = "vi") -> subprocess.CompletedProcess[str]:
    result = phone(server.url, home)(*args, lang=lang)
    return result


def _ok(server: WalletServer, home: Path, *args: str) -> str:
    result = _run(server, home, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def _add(server: WalletServer, home: Path, name: str, png: Path | None = None) -> tuple[str, str]:
    """``devices add`` on a new phone without waiting: its code and key words."""
    extra = ["--png", str(png)] if png else []
    out = _ok(server, home, "devices", "add", "--name", name, "--wait", "0", *extra)
    code = re.search(r"Pairing code: (\w{4}-\w{4})", out)
    words = re.search(r"key words: (.+)", out)
    assert code and words, out
    return code.group(1), words.group(1).strip()


def _device_ids(server: WalletServer, home: Path) -> dict[str, str]:
    out = _ok(server, home, "devices", "list")
    return {m.group(2).rstrip(" *"): m.group(1) for m in re.finditer(r"^(\S{36})  (.+)$", out, re.M)}


def test_devices_add_approve_list_revoke(server: WalletServer, tmp_path: Path) -> None:
    old, tablet, new = tmp_path / "old", tmp_path / "tablet", tmp_path / "new"
    _ok(server, old, "device", "init")
    cccd, dob = valid_cccd(birth_year=1950)
    _ok(server, old, "enrol", "--cccd", cccd, "--name", "Phạm Văn Đồng", "--dob", dob)

    code, words = _add(server, tablet, "Máy tính bảng")
    shown = _ok(server, old, "devices", "approve", code, "--yes")
    assert "Máy tính bảng" in shown and words in shown
    assert "Đã thêm thiết bị vào ví" in _ok(server, tablet, "devices", "finish")

    # The old phone verifies its log (one entry now); the next pairing vouches for that head.
    assert "Log verified: 1" in _ok(server, old, "log")
    png = tmp_path / "pairing.png"
    code, words = _add(server, new, "Điện thoại mới", png)
    assert json.loads(qr.read_qr_image(png))["code"] == code.replace("-", "")
    waiting = _run(server, new, "devices", "finish")
    assert waiting.returncode == 3 and "Still waiting" in waiting.stdout
    shown = _ok(server, old, "devices", "approve", code.lower(), "--yes")  # typed in lower case
    assert "Điện thoại mới" in shown and words in shown
    _ok(server, new, "devices", "finish")
    head = json.loads((new / "log_head.json").read_text())
    assert head["tree_size"] == 1  # what the old phone had verified
    log = _ok(server, new, "log")
    assert 'Thiết bị mới "Điện thoại mới" đã được thêm vào ví của bạn' in log
    assert 'New device "Máy tính bảng" was added to your wallet' in log
    assert "Log verified: 2 mục / entries (trước đó / before: 1)" in log
    assert "Phạm Văn Đồng" in _ok(server, new, "me")

    ids = _device_ids(server, old)
    assert set(ids) == {"Thiết bị đăng ký / Enrolment device", "Máy tính bảng", "Điện thoại mới"}
    listed = _ok(server, new, "devices", "list")
    assert "Điện thoại mới *" in listed and "ghép từ thiết bị khác / paired" in listed

    assert "Device revoked" in _ok(server, new, "devices", "revoke", ids["Máy tính bảng"])
    refused = _run(server, tablet, "me", lang="en")
    assert refused.returncode == 1 and "401" in refused.stderr, refused.stderr
    log = _ok(server, old, "log")
    assert 'Thiết bị "Máy tính bảng" đã bị thu hồi khỏi ví của bạn, bởi thiết bị "Điện thoại mới"' in log

    # A device cannot remove the wallet's last one by mistake.
    _ok(server, old, "devices", "revoke", ids["Điện thoại mới"])
    last = _run(server, old, "devices", "revoke", ids["Thiết bị đăng ký / Enrolment device"], lang="en")
    assert last.returncode == 1 and "This is the last device" in last.stderr
    assert "Phạm Văn Đồng" in _ok(server, old, "me")
