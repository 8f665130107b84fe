"""The phone (``wallet-mobile``) decides on requests, reads its access log in plain words and checks it.

Tampering is done the way an insider with database access would: a log row
altered, a row deleted, or the whole log rebuilt without an entry (every hash
recomputed). The phone detects each against the tree head it remembered.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

import storage
from consent.log import AccessLog
from crypto.transparency.entry import parse_entry
from storage.sql_log import SqlLogStore
from tests.support.cli import phone
from tests.support.consents import JUSTICE, WARD, Agencies, agencies, ask, issue_birth_certificate, refused
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _mobile(
    server: WalletServer, home: Path, *args: str, lang: str = "vi"
) -> subprocess.CompletedProcess[str]:
    return phone(server.url, home)(*args, lang=lang)


def _phone(server: WalletServer, home: Path) -> RawCitizen:
    """A phone enrolled with the CLI; a ``RawCitizen`` carrying its CCCD and id for the agencies."""
    assert _mobile(server, home, "device", "init").returncode == 0
    cccd, dob = valid_cccd(birth_year=1990)
    enrolled = _mobile(server, home, "enrol", "--cccd", cccd, "--name", "Nguyễn Thị Minh Khai", "--dob", dob)
    assert enrolled.returncode == 0, enrolled.stderr
    citizen_id = json.loads((home / "state.json").read_text())["citizen_id"]
    return RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)


def _journey(server: WalletServer, parties: Agencies, home: Path) -> tuple[RawCitizen, dict[str, Any], str]:
    """Issue, ask, approve on the phone, pull once: the log then holds an issuance and a read."""
    phone = _phone(server, home)
    credential_id = issue_birth_certificate(parties.issuer, phone)
    agency = parties.asking()
    asked = ask(agency, phone, [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}])
    pending = _mobile(server, home, "consents")
    assert pending.returncode == 0, pending.stderr
    for expected in (
        WARD,
        "Đăng ký khai sinh cho con thứ hai",
        "1.001193 — Đăng ký khai sinh",
        credential_id,
    ):
        assert expected in pending.stdout
    approved = _mobile(server, home, "consents", "approve", asked["id"], "--claims", "0=full_name")
    assert approved.returncode == 0, approved.stderr
    pulled = agency.pull_credential(asked["id"], credential_id)
    assert pulled["disclosed"] == ["full_name", "registration_number"]
    return phone, asked, credential_id


def _engine(backend_of: Backend, server: WalletServer) -> Engine:
    metadata, _ = backend_of(server)
    engine: Engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine, as an insider sees it
    return engine


def test_the_phone_shows_and_checks_who_read_what(
    server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    home = tmp_path / "phone"
    _, asked, credential_id = _journey(server, parties, home)
    shown = _mobile(server, home, "log")
    assert shown.returncode == 0, shown.stderr
    assert f"{JUSTICE} đã cấp giấy khai sinh của bạn lúc" in shown.stdout
    read_vi = f"{WARD} đã xem giấy khai sinh của bạn cho thủ tục 1.001193 Đăng ký khai sinh, hồ sơ số "
    assert read_vi in shown.stdout and "(mục đích: Đăng ký khai sinh cho con thứ hai) lúc" in shown.stdout
    read_en = f"{WARD} read your birth certificate for procedure 1.001193 Birth registration, case "
    assert read_en in shown.stdout
    # The lookup before it issued, and what for.
    assert f"{JUSTICE} đã tra cứu khoá thiết bị của bạn (để cấp giấy khai sinh cho bạn) lúc" in shown.stdout
    assert f"{JUSTICE} looked up your device key (to issue you a birth certificate) at" in shown.stdout
    assert "3 mục / entries" in shown.stdout
    remembered = home / "log_head.json"
    assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
    assert json.loads(remembered.read_text())["tree_size"] == 3
    assert "1.001193 Đăng ký khai sinh" in _mobile(server, home, "stats").stdout

    receipt = json.loads(_mobile(server, home, "consents", "receipt", asked["id"]).stdout)
    assert receipt["receipt"]["approved"][0]["claims"] == ["full_name"]
    assert _mobile(server, home, "consents", "revoke", asked["id"]).returncode == 0
    assert (
        refused(lambda: parties.asking().pull_credential(asked["id"], credential_id)).code
        == "consent_revoked"
    )
    again = _mobile(server, home, "log")
    assert again.returncode == 0 and "trước đó / before: 3" in again.stdout


def test_an_altered_log_row_is_reported(
    server: WalletServer, parties: Agencies, tmp_path: Path, backend_of: Backend
) -> None:
    home = tmp_path / "phone"
    phone, _, _ = _journey(server, parties, home)
    assert _mobile(server, home, "log").returncode == 0
    with _engine(backend_of, server).begin() as connection:
        row = connection.execute(
            text("SELECT entry FROM log_entries WHERE citizen_id = :c AND idx = 2"), {"c": phone.citizen_id}
        ).scalar_one()
        forged = row.replace("Đăng ký khai sinh cho con thứ hai", "Kiểm tra định kỳ")
        connection.execute(
            text("UPDATE log_entries SET entry = :e WHERE citizen_id = :c AND idx = 2"),
            {"e": forged, "c": phone.citizen_id},
        )
    checked = _mobile(server, home, "log", lang="en")
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert (
        "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá / WARNING: the access log was tampered with"
        in checked.stderr
    )


def test_a_deleted_log_row_is_reported(
    server: WalletServer, parties: Agencies, tmp_path: Path, backend_of: Backend
) -> None:
    home = tmp_path / "phone"
    phone, _, _ = _journey(server, parties, home)
    assert _mobile(server, home, "log").returncode == 0
    with _engine(backend_of, server).begin() as connection:
        connection.execute(
            text("DELETE FROM log_entries WHERE citizen_id = :c AND idx = 2"), {"c": phone.citizen_id}
        )
    checked = _mobile(server, home, "log")
    assert checked.returncode == 2
    assert "WARNING: the access log was tampered with" in checked.stderr


def test_a_rebuilt_log_without_the_read_is_reported(
    server: WalletServer, parties: Agencies, tmp_path: Path, backend_of: Backend
) -> None:
    home = tmp_path / "phone"
    phone, _, _ = _journey(server, parties, home)
    assert _mobile(server, home, "log").returncode == 0
    log = AccessLog(SqlLogStore(_engine(backend_of, server)))
    kept = [entry.entry for entry in log.entries(phone.citizen_id, 0, 3) if entry.entry.action != "read"]
    log.erase(phone.citizen_id)  # every hash recomputed from the remaining entries: a consistent, shorter log
    log.append_many(phone.citizen_id, [parse_entry(e.canonical()) for e in kept])
    checked = _mobile(server, home, "log")
    assert checked.returncode == 2
    assert "WARNING: the access log was tampered with" in checked.stderr
