"""``wallet-mobile mandates grant | list | revoke`` and ``--for`` against a real server, both backends.

Two homes are two citizens' phones. The mother grants her son a mandate to read
her birth certificate; he lists it, reads it with ``--for``, is refused her
marriage certificate and her devices; both logs say what he did, in words the
phone checked against the signed heads; she revokes it and he is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from tests.support.app_browser import wallet_verify
from tests.support.cli import phone
from tests.support.consents import agencies, issue_birth_certificate
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer


def _run(server: WalletServer, home: Path, *args: str, lang: str = "vi") -> subprocess.CompletedProcess[str]:
    return phone(server.url, home)(*args, lang=lang)


def _ok(server: WalletServer, home: Path, *args: str) -> str:
    result = _run(server, home, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def _enrol(server: WalletServer, home: Path, name: str) -> str:
    _ok(server, home, "device", "init")
    cccd, dob = valid_cccd(birth_year=1950 if "Bà" in name else 1985)
    _ok(server, home, "enrol", "--cccd", cccd, "--name", name, "--dob", dob)
    return cccd


def test_mandates_grant_list_act_and_revoke(server: WalletServer, tmp_path: Path) -> None:
    mother, son = tmp_path / "mother", tmp_path / "son"
    _enrol(server, mother, "Bà Nguyễn Thị Lan")
    son_cccd = _enrol(server, son, "Trần Văn Minh")
    pdf = tmp_path / "khai-sinh.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 500 + b"\n%%EOF\n")
    _ok(server, mother, "upload", str(pdf), "--type", "birth-certificate")
    _ok(server, mother, "upload", str(pdf), "--type", "marriage-certificate")

    granted = _ok(
        server, mother, "mandates", "grant", "--to", son_cccd, "--documents", "birth-certificate",
        "--until", (dt.date.today() + dt.timedelta(days=365)).isoformat(),
    )  # fmt: skip
    found = re.search(r"Mandate granted: Trần Văn Minh \((\S{36})\)", granted)
    assert found, granted
    mandate = found.group(1)
    held = _ok(server, son, "mandates", "list")
    assert "Bà Nguyễn Thị Lan" in held and "bạn được uỷ quyền / you hold" in held
    represented = re.search(r"--for (\S{36})", held)
    assert represented, held
    for_her = ("--for", represented.group(1))

    listed = _ok(server, son, *for_her, "list", "--type", "birth-certificate")
    assert "birth-certificate" in listed
    refused = _run(server, son, *for_her, "list", "--type", "marriage-certificate")
    assert refused.returncode == 1 and "Ngoài phạm vi uỷ quyền" in refused.stderr
    refused = _run(server, son, *for_her, "devices", "list", lang="en")
    assert refused.returncode == 1 and "Not allowed under a mandate" in refused.stderr
    refused = _run(server, son, "--for", "00000000-0000-4000-8000-000000000000", "list")
    assert refused.returncode == 1 and "You hold no active mandate" in refused.stderr
    assert "birth-certificate" not in _ok(server, son, "list")  # without --for: his own, empty wallet

    her_log = _ok(server, mother, "log")
    assert "Trần Văn Minh đã xem" in her_log and "thay bạn (theo uỷ quyền)" in her_log
    assert "Log verified" in her_log
    his_log = _ok(server, son, "log")
    assert "Bạn đã xem" in his_log and "Bà Nguyễn Thị Lan" in his_log and "Log verified" in his_log

    assert mandate in _ok(server, mother, "mandates", "revoke", mandate)
    refused = _run(server, son, *for_her, "list", "--type", "birth-certificate")
    assert refused.returncode == 1 and "You hold no active mandate" in refused.stderr
    assert "đã chấm dứt / ended" in _ok(server, son, "mandates", "list")


def test_a_delegate_presents_her_credential_with_his_own_phone(server: WalletServer, tmp_path: Path) -> None:
    mother, son = tmp_path / "mother", tmp_path / "son"
    mother_cccd = _enrol(server, mother, "Bà Nguyễn Thị Lan")
    son_cccd = _enrol(server, son, "Trần Văn Minh")
    (tmp_path / "agencies").mkdir()
    parties = agencies(server, tmp_path / "agencies")
    holder = RawCitizen(server.url)
    holder.cccd = mother_cccd  # the issuer needs only her CCCD: her phone's key is looked up
    credential = issue_birth_certificate(parties.issuer, holder)
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    granted = _ok(
        server,
        mother,
        "mandates",
        "grant",
        "--to",
        son_cccd,
        "--credentials",
        "birth-certificate",
        "--until",
        until,
    )
    found = re.search(r"\((\S{36})\)", granted)
    assert found, granted
    mandate = found.group(1)

    text = tmp_path / "presentation.txt"
    args = ("--claims", "full_name", "--nonce", "31415926", "--audience", "https://quay.example.vn")
    written = _ok(server, son, "mandates", "present", mandate, credential, *args, "-o", str(text))
    assert "Mandated presentation written" in written and "~~" in text.read_text()
    shown = _ok(server, son, "mandates", "present", mandate, credential, *args)
    assert "Mandated presentation QR" in shown

    cache = tmp_path / "verifier"
    assert wallet_verify(cache, "sync", "--server", server.url).returncode == 0
    checked = wallet_verify(
        cache, "credential", str(text), "--nonce", "31415926", "--audience", "https://quay.example.vn"
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Presented by Trần Văn Minh for Bà Nguyễn Thị Lan under a mandate" in checked.stdout
    wrong = wallet_verify(
        cache, "credential", str(text), "--nonce", "27182818", "--audience", "https://quay.example.vn"
    )
    assert wrong.returncode == 1 and "Not bound to this verifier's nonce" in wrong.stdout

    her_log = _ok(server, mother, "log")
    assert "Trần Văn Minh đã xuất trình" in her_log and "thay bạn (theo uỷ quyền)" in her_log
    assert "Log verified" in her_log
    refused = _run(server, mother, "mandates", "present", mandate, credential, *args, lang="en")
    assert refused.returncode == 1 and "Mandate not found" in refused.stderr  # she is not the delegate
    _ok(server, mother, "mandates", "revoke", mandate)
    refused = _run(server, son, "mandates", "present", mandate, credential, *args, lang="en")
    assert refused.returncode == 1 and "Mandate not usable" in refused.stderr
