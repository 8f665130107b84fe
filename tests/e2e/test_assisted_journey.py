"""The assisted route end to end with the real programs, against a real server, both backends.

The citizen prints their card's QR (``wallet-mobile card --png``) and sets a PIN;
the operator registers a ward office with the ``assistant`` role; the officer
(``wallet-agency assist``) scans the card image, the citizen types the PIN, the
officer reads the opened document and prints the receipt, whose QR is decoded and
checked; the citizen's phone shows the office and the officer in its checked log. A lost card is
replaced from the phone (``wallet-mobile card --new``) and the old one refused at the counter.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import httpx

import qr
from tests.support.cli import phone, run_module
from tests.support.pdf import qr_of
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.args[3:], result.stdout, result.stderr)
    return result.stdout


def test_a_citizen_without_a_smartphone_is_served_at_the_counter(
    server: WalletServer, tmp_path: Path
) -> None:
    citizen = phone(server.url, tmp_path / "citizen")
    _ok(citizen("device", "init"))
    cccd, dob = valid_cccd(birth_year=1942)
    _ok(citizen("enrol", "--cccd", cccd, "--name", "Cụ Hoàng Thị Lựu", "--dob", dob))
    paper = tmp_path / "khai-sinh.pdf"
    paper.write_bytes(b"%PDF-1.7\n" + uuid.uuid4().bytes * 40 + b"\n%%EOF\n")
    uploaded = re.search(
        r"Document uploaded: (\S+)", _ok(citizen("upload", str(paper), "--type", "birth-certificate"))
    )
    assert uploaded
    doc = uploaded.group(1)
    assert "PIN set" in _ok(citizen("pin", "set", "--pin", "482915"))
    card_png = tmp_path / "the-card.png"
    _ok(citizen("card", "--png", str(card_png)))
    assert cccd.encode() not in qr.read_qr_image(card_png)  # nothing about the citizen in clear

    home, agency_id = tmp_path / "desk", f"ubnd-hai-chau-{uuid.uuid4().hex[:6]}"

    def desk(*args: str) -> subprocess.CompletedProcess[str]:
        prefix = ("--server", server.url, "--home", str(home), "--agency", agency_id)
        return run_module("wallet_api.clients.agency_cli", *prefix, *args)

    _ok(desk("key", "init"))
    roles = ("--roles", "assistant", "--jwks", str(home / "jwks.json"), "--valid-until", "2099-01-01")
    assert (
        "Registered"
        in server.wallet("agency", "add", "--id", agency_id, "--name", "UBND phường Hải Châu", *roles).stdout
    )

    opened = _ok(desk("assist", "open", "--card-png", str(card_png), "--officer", "CB-0042"))
    found = re.search(r"Visit: (\S{36})", opened)
    assert found, opened
    visit = found.group(1)
    copy = tmp_path / "copy.pdf"
    refused = desk("assist", "read", visit, doc, "-o", str(copy))
    assert refused.returncode == 1 and "document_not_opened" in refused.stderr
    refused = desk("assist", "confirm", visit, "--doc", doc, "--pin", "000000")
    assert refused.returncode == 1 and "wrong_pin" in refused.stderr
    assert doc in _ok(desk("assist", "confirm", visit, "--doc", doc, "--pin", "482915"))
    _ok(desk("assist", "read", visit, doc, "-o", str(copy)))
    assert copy.read_bytes() == paper.read_bytes()

    receipt = tmp_path / "bien-nhan.pdf"
    _ok(desk("assist", "receipt", visit, "-o", str(receipt)))
    signed = qr_of(receipt.read_bytes()).decode("ascii")
    checked = httpx.post(server.url + "/v1/visit-receipts/check", json={"receipt": signed}, timeout=30)
    assert checked.status_code == 200 and checked.json()["officer"] == "CB-0042"
    assert "ended" in _ok(desk("assist", "end", visit))
    refused = desk("assist", "read", visit, doc, "-o", str(copy))
    assert refused.returncode == 1 and "visit_ended" in refused.stderr

    log = _ok(citizen("log"))
    assert "UBND phường Hải Châu (cán bộ / officer CB-0042) đã mở tại quầy một cửa" in log
    assert "Log verified" in log

    # The card is lost: a new one from the phone; the old card's QR is refused from then on.
    new_png = tmp_path / "new-card.png"
    assert "New card issued" in _ok(citizen("card", "--new", "--png", str(new_png)))
    refused = desk("assist", "open", "--card-png", str(card_png), "--officer", "CB-0042")
    assert refused.returncode == 1 and "card_replaced" in refused.stderr
    assert "Visit:" in _ok(desk("assist", "open", "--card-png", str(new_png), "--officer", "CB-0042"))
    log = _ok(citizen("log"))
    assert "đã cấp thẻ ví cho bạn" in log and "Log verified" in log
