"""Deletion and correction from the three command lines, as real processes on a real server (both
backends): the phone asks and checks the agency's signed answer, the agency answers with
``wallet-agency``, the operator sweeps (``wallet collect``) and lists what is overdue."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import crypto
from tests.support.agencies import BIRTH_CLAIMS, TestAgency
from tests.support.cli import phone, run_module
from tests.support.consents import (
    agencies,
    approve_credential,
    ask,
    issue_birth_certificate,
    log_entries,
    race,
)
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer
from wallet_api.clients.agency_rights import RightsAgencyClient

DEADLINE = 2  # seconds an agency has to answer, on this test's own server


def _agency_cli(
    server: WalletServer, agency: TestAgency, home: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / "agency.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(crypto.private_key_pem(agency.key))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_module(
            "wallet_api.clients.agency_cli",
            "--server",
            server.url,
            "--home",
            str(home),
            "--agency",
            agency.agency_id,
            *args,
        )

    return run


def test_deletion_and_correction_from_the_phone_the_agency_and_the_operator(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    server = make_server(env={"WALLET_RIGHTS_DEADLINE_SECONDS": str(DEADLINE)})
    mobile = phone(server.url, tmp_path / "phone")
    cccd, dob = valid_cccd()
    assert mobile("device", "init").returncode == 0
    assert mobile("enrol", "--cccd", cccd, "--name", "Trần Thị Ngọc Hân", "--dob", dob).returncode == 0
    parties = agencies(server, tmp_path)
    person = RawCitizen(server.url, cccd=cccd)  # the agencies only need the CCCD
    credential_id = issue_birth_certificate(parties.issuer, person)
    asked = ask(parties.asking(), person, [{"type": "birth-certificate"}], retention_days=0)
    assert mobile("consents", "approve", asked["id"]).returncode == 0
    parties.asking().pull_credential(asked["id"], credential_id)

    r = mobile("rights", "deletion", "request", asked["id"], "--note", "Hồ sơ đã xong")
    assert r.returncode == 0 and "Đã gửi yêu cầu xoá tới Ủy ban nhân dân phường Hải Châu" in r.stdout, (
        r.stderr
    )
    request_id = r.stdout.split(": ")[1].split()[0]
    ward = _agency_cli(server, parties.requester, tmp_path / "ward")
    listed = ward("deletions", "list")
    assert listed.returncode == 0 and request_id in listed.stdout, listed.stderr
    attested = ward(
        "deletions",
        "attest",
        request_id,
        "--what",
        "Giấy khai sinh",
        "--copy",
        "Hồ sơ điện tử",
        "--copy",
        "Bản sao lưu",
    )
    assert attested.returncode == 0 and "Deletion attested" in attested.stdout, attested.stderr
    again = ward("deletions", "attest", request_id, "--what", "x", "--copy", "y")
    assert again.returncode != 0 and "No open request" in again.stderr
    shown = mobile("rights", "deletion", "list")
    assert "✓ Đã xoá (chữ ký hợp lệ) / Deleted (signature valid): Giấy khai sinh" in shown.stdout, (
        shown.stdout
    )
    assert "Hồ sơ điện tử, Bản sao lưu" in shown.stdout
    kept = (tmp_path / "phone" / "deletion-receipts" / f"{request_id}.jws").read_text()
    registered = crypto.public_key_from_jwk(crypto.public_jwk(parties.requester.key))
    assert crypto.verify_jws(kept, registered, typ="deletion-attestation+jwt")["request_id"] == request_id
    log = mobile("log")
    assert "đã xác nhận có chữ ký rằng đã xoá dữ liệu của bạn" in log.stdout, log.stdout + log.stderr

    # Retention 0 days: the next sweep asks for the second consent's data by itself.
    second = ask(parties.asking(), person, [{"type": "birth-certificate"}], retention_days=0)
    assert mobile("consents", "approve", second["id"]).returncode == 0
    parties.asking().pull_credential(second["id"], credential_id)
    collected = server.wallet("collect")
    assert "Deletion asked (retention passed): 1" in collected.stdout, collected.stdout
    assert "(ví tự hỏi: hết hạn lưu giữ" in mobile("rights", "deletion", "list").stdout
    # The real clock passes the deadline (the exact boundary: test_rights_requests.py, pinned clock).
    overdue = server.wallet("rights", "overdue")
    give_up = time.monotonic() + 30
    while "origin retention" not in overdue.stdout and time.monotonic() < give_up:
        time.sleep(0.5)
        overdue = server.wallet("rights", "overdue")
    listed_overdue = [
        line for line in overdue.stdout.splitlines() if "Ủy ban nhân dân phường Hải Châu" in line
    ]
    assert len(listed_overdue) == 1 and "origin retention" in listed_overdue[0], overdue.stdout
    assert "Overdue requests escalated: 1" in server.wallet("rights", "sweep").stdout
    assert "QUÁ HẠN" in mobile("rights", "deletion", "list").stdout
    assert "chưa trả lời yêu cầu xoá dữ liệu của bạn đúng hạn" in mobile("log").stdout

    # Correction: the phone disputes a claim, the issuer re-issues with its command line.
    r = mobile(
        "rights",
        "correction",
        "request",
        credential_id,
        "--claim",
        "place_of_birth",
        "--value",
        "Bệnh viện C Đà Nẵng",
    )
    assert r.returncode == 0 and "Sở Tư pháp thành phố Đà Nẵng" in r.stdout, r.stderr
    justice = _agency_cli(server, parties.issuer, tmp_path / "justice")
    listed = justice("corrections", "list")
    assert f"CCCD {cccd}" in listed.stdout and "place_of_birth → Bệnh viện C Đà Nẵng" in listed.stdout, (
        listed.stderr
    )
    correction_id = listed.stdout.split()[0]
    claims = tmp_path / "claims.json"
    claims.write_text(
        json.dumps({**BIRTH_CLAIMS, "place_of_birth": "Bệnh viện C Đà Nẵng"}, ensure_ascii=False)
    )
    reissued = justice(
        "corrections", "reissue", correction_id, "--type", "birth-certificate", "--claims", str(claims)
    )
    assert reissued.returncode == 0 and f"replaces {credential_id}" in reissued.stdout, reissued.stderr
    shown = mobile("rights", "correction", "list", lang="en")
    assert "đã trả lời / answered" in shown.stdout and "old one revoked" in shown.stdout, shown.stdout
    assert "đã sửa và cấp lại giấy khai sinh của bạn" in mobile("log").stdout


def test_a_second_phone_cannot_enrol_a_cccd_that_has_a_wallet_and_is_told_how_to_pair(
    server: WalletServer, tmp_path: Path
) -> None:
    cccd, dob = valid_cccd()
    first = phone(server.url, tmp_path / "first")
    assert first("device", "init").returncode == 0
    assert first("enrol", "--cccd", cccd, "--name", "Trần Thị Ngọc Hân", "--dob", dob).returncode == 0
    second = phone(server.url, tmp_path / "second")
    assert second("device", "init").returncode == 0
    refused = second("enrol", "--cccd", cccd, "--name", "Trần Thị Ngọc Hân", "--dob", dob)
    assert refused.returncode != 0 and "Không đăng ký được thiết bị này" in refused.stderr, refused.stderr
    assert "wallet-mobile devices pair" in refused.stderr
    assert second("me").returncode != 0  # nothing kept: not enrolled
    fresh_cccd, fresh_dob = valid_cccd()
    assert second("enrol", "--cccd", fresh_cccd, "--name", "Lê Văn Tám", "--dob", fresh_dob).returncode == 0
    log = first("log")
    assert "đã thử đăng ký ví mới bằng số CCCD của bạn" in log.stdout, log.stdout + log.stderr


def test_racing_answers_to_one_deletion_request_land_once(server: WalletServer, tmp_path: Path) -> None:
    parties = agencies(server, tmp_path)
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    credential_id = issue_birth_certificate(parties.issuer, person)
    asked = ask(parties.asking(), person, [{"type": "birth-certificate"}])
    assert approve_credential(person, asked["id"], credential_id).status_code == 200
    parties.asking().pull_credential(asked["id"], credential_id)
    request = person.request("POST", f"/v1/me/consents/{asked['id']}/deletion-requests", json={}).json()
    clients = [
        RightsAgencyClient(
            server.url, parties.requester.agency_id, parties.requester.key, kid=parties.requester.kid
        )
        for _ in range(6)
    ]
    for client in clients:
        client.login()
    attestation = clients[0].sign_attestation(request, what="Giấy khai sinh", copies=["Hồ sơ điện tử"])
    calls: list[Callable[[], object]] = [
        (lambda c=c: c.attest_deletion(request["id"], attestation))
        if n % 2
        else (lambda c=c: c.refuse_deletion(request["id"], "Luật Lưu trữ 2024"))
        for n, c in enumerate(clients)
    ]
    outcomes = race(calls)
    assert sorted(outcomes).count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "rights_request_closed"}, outcomes
    answers = [e for e in log_entries(person) if e["action"] in ("deletion-attested", "deletion-refused")]
    assert len(answers) == 1, answers
    mine = person.request("GET", "/v1/me/deletion-requests").json()["items"]
    assert [i["status"] for i in mine] == [
        "answered" if answers[0]["action"] == "deletion-attested" else "refused"
    ]
