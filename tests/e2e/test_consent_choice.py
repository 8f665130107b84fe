"""The consent the citizen approves is what they meant: valid items by default, statuses shown,
their own choice of credential, and a revoked or expired one only when they insist."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import phone
from tests.support.consents import Agencies, agencies, ask, issue_birth_certificate
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _mobile(server: WalletServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return phone(server.url, home)(*args)


def _enrolled_phone(server: WalletServer, home: Path) -> RawCitizen:
    assert _mobile(server, home, "device", "init").returncode == 0
    cccd, dob = valid_cccd(birth_year=1988)
    assert (
        _mobile(server, home, "enrol", "--cccd", cccd, "--name", "Hoàng Thị Lan", "--dob", dob).returncode
        == 0
    )
    citizen_id = json.loads((home / "state.json").read_text())["citizen_id"]
    return RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)


def _approved_id(server: WalletServer, parties: Agencies, consent_id: str) -> str:
    receipt = parties.asking().receipt(consent_id)["receipt"]
    return str(receipt["approved"][0]["id"])


def test_a_revoked_credential_is_never_chosen_by_default(
    server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    citizen = _enrolled_phone(server, home)
    revoked = issue_birth_certificate(parties.issuer, citizen)  # the older one, listed first
    valid = issue_birth_certificate(parties.issuer, citizen)
    parties.issuer.client().set_status(revoked, "revoked")

    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate"}])
    shown = _mobile(server, home, "consents", "show", asked["id"])
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(revoked in line and "ĐÃ BỊ THU HỒI / REVOKED" in line for line in lines), shown.stdout
    assert any(valid in line and "còn hiệu lực / valid" in line for line in lines), shown.stdout

    approved = _mobile(server, home, "consents", "approve", asked["id"])
    assert approved.returncode == 0, approved.stderr
    assert _approved_id(server, parties, asked["id"]) == valid


def test_the_citizen_chooses_and_must_insist_on_an_invalid_one(
    server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    citizen = _enrolled_phone(server, home)
    revoked = issue_birth_certificate(parties.issuer, citizen)
    issue_birth_certificate(parties.issuer, citizen)
    parties.issuer.client().set_status(revoked, "revoked")
    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate"}])

    refused = _mobile(server, home, "consents", "approve", asked["id"], "--use", f"0={revoked}")
    assert refused.returncode != 0
    assert "đã bị thu hồi" in refused.stderr and "--allow-invalid" in refused.stderr
    stranger = _mobile(server, home, "consents", "approve", asked["id"], "--use", "0=not-mine")
    assert stranger.returncode != 0 and "not one of this item's" in stranger.stderr
    assert parties.asking().consent(asked["id"])["state"] == "pending"  # nothing was decided

    insisted = _mobile(
        server, home, "consents", "approve", asked["id"], "--use", f"0={revoked}", "--allow-invalid"
    )
    assert insisted.returncode == 0, insisted.stderr
    assert _approved_id(server, parties, asked["id"]) == revoked


def test_nothing_valid_to_share_is_said_plainly(
    server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    citizen = _enrolled_phone(server, home)
    only = issue_birth_certificate(parties.issuer, citizen)
    parties.issuer.client().set_status(only, "suspended")
    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate"}])
    approved = _mobile(server, home, "consents", "approve", asked["id"])
    assert approved.returncode != 0 and "Nothing in the wallet to share" in approved.stderr
