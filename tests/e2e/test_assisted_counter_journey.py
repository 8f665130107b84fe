"""The counter for a citizen with no smartphone, with the real programs against a real server, both
backends: ``wallet-agency assist enrol`` prints the card (its QR decoded from the PDF), the officer
opens a visit with it, lists the citizen's pending consent request with the PIN and answers it,
replaces a lost card (the old one refused), and ``wallet collect`` purges visits past their
retention while the recent one stays.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import storage
from tests.support.agencies import register
from tests.support.cli import run_module
from tests.support.consents import consenting
from tests.support.pdf import qr_of
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer

PIN = "482915"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.args[3:], result.stdout, result.stderr)
    return result.stdout


def test_enrolment_consents_and_a_new_card_at_the_counter(
    server: WalletServer,
    tmp_path: Path,
    backend_of: Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]],
) -> None:
    home, agency_id = tmp_path / "desk", f"ubnd-hai-chau-{uuid.uuid4().hex[:6]}"

    def desk(*args: str) -> subprocess.CompletedProcess[str]:
        prefix = ("--server", server.url, "--home", str(home), "--agency", agency_id, "--lang", "en")
        return run_module("wallet_api.clients.agency_cli", *prefix, *args)

    _ok(desk("key", "init"))
    roles = ("--roles", "assistant", "--jwks", str(home / "jwks.json"), "--valid-until", "2099-01-01")
    _ok(server.wallet("agency", "add", "--id", agency_id, "--name", "UBND phường Hải Châu", *roles))
    ward = consenting(register(server, tmp_path, name="Sở Tư pháp Đà Nẵng", roles="requester", types=""))

    cccd, dob = valid_cccd(birth_year=1938)
    card_pdf = tmp_path / "the-card.pdf"
    enrol = ("assist", "enrol", "--cccd", cccd, "--name", "Cụ Ngô Thị Mận", "--dob", dob)
    refused = desk(*enrol, "--officer", "CB-0042", "-o", str(card_pdf), "--pin", "12345")
    assert refused.returncode == 1 and "invalid_pin" in refused.stderr and not card_pdf.exists()
    enrolled = _ok(desk(*enrol, "--officer", "CB-0042", "-o", str(card_pdf), "--pin", PIN))
    assert "Wallet card to print" in enrolled and re.search(r"Recovery code .*: [A-Z0-9-]{23}", enrolled)
    card = qr_of(card_pdf.read_bytes()).decode("ascii")
    assert cccd.encode() not in card_pdf.read_bytes()

    asked = ward.request_consent(
        cccd,
        purpose="Đăng ký khai sinh cho cháu",
        procedure_code="1.001193",
        case_number="HS-2027-0001",
        items=[{"type": "birth-certificate"}],
        valid_for_seconds=3600,
    )
    opened = _ok(desk("assist", "open", "--card", card, "--officer", "CB-0042"))
    found = re.search(r"Visit: (\S{36})", opened)
    assert found, opened
    visit = found.group(1)
    refused = desk("assist", "consents", visit, "--pin", "000000")
    assert refused.returncode == 1 and "wrong_pin" in refused.stderr
    listed = _ok(desk("assist", "consents", visit, "--pin", PIN))
    assert asked["id"] in listed and "Sở Tư pháp Đà Nẵng" in listed
    refused = desk("assist", "answer", visit, asked["id"], "--approve-all", "--pin", PIN)
    assert refused.returncode == 1 and "nothing of the citizen fits" in refused.stderr  # no document
    answered = _ok(desk("assist", "answer", visit, asked["id"], "--deny", "--pin", PIN))
    assert "denied (assisted, CB-0042, " + visit in answered
    assert ward.consent(asked["id"])["state"] == "denied"

    new_pdf = tmp_path / "new-card.pdf"
    _ok(desk("assist", "card", visit, "-o", str(new_pdf), "--pin", PIN))
    new_card = qr_of(new_pdf.read_bytes()).decode("ascii")
    refused = desk("assist", "open", "--card", card, "--officer", "CB-0042")
    assert refused.returncode == 1 and "card_replaced" in refused.stderr
    assert "Visit:" in _ok(desk("assist", "open", "--card", new_card, "--officer", "CB-0042"))

    # Three visits ended long ago (written straight to the server's storage), purged by collect.
    metadata, _ = backend_of(server)
    with metadata.unit_of_work(readonly=True) as uow:
        recent = uow.assist.visit(visit)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=120)
    old = [str(uuid.uuid4()) for _ in range(3)]
    with metadata.unit_of_work() as uow:
        for visit_id in old:
            uow.assist.add_visit(
                storage.VisitRecord(
                    visit_id,
                    recent.citizen_id,
                    agency_id,
                    "CB-0001",
                    long_ago,
                    long_ago + dt.timedelta(minutes=15),
                    None,
                    "[]",
                )
            )
        uow.commit()
    collected = _ok(server.wallet("collect"))
    assert "Removed 3 counter visits older than 90 days" in collected
    with metadata.unit_of_work(readonly=True) as uow:
        assert uow.assist.visit(visit).id == visit
        for visit_id in old:
            try:
                uow.assist.visit(visit_id)
            except storage.NotFound:
                continue
            raise AssertionError(f"visit {visit_id} was not purged")
    assert ward.consent(asked["id"])["state"] == "denied"
