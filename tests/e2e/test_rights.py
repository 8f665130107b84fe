"""The citizen's rights to restrict and object (pause new consent requests without revoking what
was agreed) and to be told of a breach: API, phone client and operator CLI, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.agencies import register
from tests.support.cli import phone
from tests.support.consents import (
    agencies,
    approve_credential,
    ask,
    consenting,
    issue_birth_certificate,
    log_entries,
    refused,
)
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer

BIRTH_REGISTRATION, MARRIAGE = "1.001193", "1.000656"


def _pause(citizen: RawCitizen, **what: str) -> httpx.Response:
    return citizen.request("POST", "/v1/me/restrictions", json=what)


def _problem(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status and r.headers["content-type"].startswith("application/problem+json"), (
        r.text
    )
    body = r.json()
    assert body["code"] == code and body["title"] and body.get("title_en", body["title"]), body


def test_pausing_an_agency_blocks_its_new_requests_not_what_was_agreed(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    parties = agencies(server, tmp_path)
    other = register(server, tmp_path, name="UBND xã Hoà Vang", roles="requester", types="")
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agreed = ask(parties.asking(), citizen, [{"type": "birth-certificate"}], max_uses=3)
    assert approve_credential(citizen, agreed["id"], credential_id).status_code == 200

    r = _pause(citizen, agency_id=parties.requester.agency_id)
    assert r.status_code == 201, r.text
    paused = r.json()
    assert "phường Hải Châu" in paused["agency_name"] and paused["procedure_code"] is None
    assert _pause(citizen, agency_id=parties.requester.agency_id).json()["id"] == paused["id"]  # twice: once

    blocked = refused(lambda: ask(parties.asking(), citizen, case_number="HS-2026-0042"))
    assert blocked.code == "requests_paused" and blocked.status == 403
    assert "paused new requests" in blocked.detail
    assert ask(consenting(other), citizen)["id"]  # another agency still may ask
    parties.asking().pull_credential(agreed["id"], credential_id)  # what was agreed still works

    entries = [e for e in log_entries(citizen) if e["action"] == "request-paused"]
    assert len(entries) == 1 and entries[0]["case_number"] == "HS-2026-0042", entries
    shown = citizen.request("GET", "/v1/me/log?limit=1000").json()["entries"]
    words = [e["text_vi"] for e in shown if "đã bị chặn khi xin" in e["text_vi"]]
    assert len(words) == 1 and "phường Hải Châu" in words[0] and "hồ sơ số HS-2026-0042" in words[0]

    assert citizen.request("DELETE", f"/v1/me/restrictions/{paused['id']}").status_code == 204
    assert ask(parties.asking(), citizen)["id"]  # resumed
    _problem(citizen.request("DELETE", f"/v1/me/restrictions/{paused['id']}"), 404, "restriction_not_found")


def test_pausing_a_procedure_and_an_agency_for_a_procedure(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    parties = agencies(server, tmp_path)
    other = register(server, tmp_path, name="UBND xã Hoà Vang", roles="requester", types="")
    assert _pause(citizen, procedure_code=MARRIAGE).status_code == 201
    for asking in (parties.asking(), consenting(other)):
        assert refused(lambda a=asking: ask(a, citizen, procedure_code=MARRIAGE)).code == "requests_paused"
        assert ask(asking, citizen)["id"]  # another procedure
    both = _pause(citizen, agency_id=other.agency_id, procedure_code=BIRTH_REGISTRATION).json()
    assert both["procedure_name_vi"] == "Đăng ký khai sinh" and both["agency_name"] == "UBND xã Hoà Vang"
    assert refused(lambda: ask(consenting(other), citizen)).code == "requests_paused"
    assert ask(parties.asking(), citizen)["id"]
    listed = citizen.request("GET", "/v1/me/restrictions").json()["items"]
    assert [(i["agency_id"], i["procedure_code"]) for i in listed] == [
        (None, MARRIAGE),
        (other.agency_id, BIRTH_REGISTRATION),
    ]


def test_bad_pauses_change_nothing_and_pauses_are_the_citizens_own(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    _problem(_pause(citizen), 422, "restriction_empty")
    _problem(_pause(citizen, agency_id="khong-co-co-quan-nay"), 404, "restriction_unknown_agency")
    _problem(_pause(citizen, procedure_code="9.999999"), 422, "unknown_procedure")
    r = citizen.request("POST", "/v1/me/restrictions", json={"agency": "x"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert citizen.request("GET", "/v1/me/restrictions").json()["items"] == []

    mine = _pause(citizen, procedure_code=MARRIAGE).json()
    stranger = RawCitizen(server.url)
    assert stranger.enrol().status_code == 201 and stranger.login().status_code == 200
    assert stranger.request("GET", "/v1/me/restrictions").json()["items"] == []
    _problem(stranger.request("DELETE", f"/v1/me/restrictions/{mine['id']}"), 404, "restriction_not_found")
    assert [i["id"] for i in citizen.request("GET", "/v1/me/restrictions").json()["items"]] == [mine["id"]]
    assert httpx.get(server.url + "/v1/me/restrictions").status_code == 401


def test_a_breach_is_told_to_the_affected_citizens_only(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    spared = RawCitizen(server.url)
    assert spared.enrol().status_code == 201 and spared.login().status_code == 200
    affected = tmp_path / "affected.txt"
    affected.write_text(f"{citizen.citizen_id}\nkhong-ton-tai\n{citizen.citizen_id}\n")
    done = server.wallet(
        "incidents",
        "record",
        "--title-vi",
        "Lộ bản sao giấy khai sinh tại điểm một cửa",
        "--title-en",
        "Birth certificate copies exposed at a one-stop office",
        "--detail-vi",
        "Một máy tính tại bộ phận một cửa bị truy cập trái phép.\nHãy kiểm tra nhật ký truy cập.",
        "--detail-en",
        "An office computer was accessed without authorisation.\nCheck your access log.",
        "--occurred-at",
        "2026-11-20T08:30:00+0700",
        "--citizens-file",
        str(affected),
    )
    assert "Told 1 citizens" in done.stdout, done.stdout
    told = citizen.request("GET", "/v1/me/incidents").json()["items"]
    assert [i["title_vi"] for i in told] == ["Lộ bản sao giấy khai sinh tại điểm một cửa"]
    assert told[0]["occurred_at"].startswith("2026-11-20T01:30:00")
    assert spared.request("GET", "/v1/me/incidents").json()["items"] == []
    shown = citizen.request("GET", "/v1/me/log?limit=1000").json()["entries"]
    notices = [e for e in shown if "sự cố lộ lọt dữ liệu liên quan đến bạn" in e["text_vi"]]
    assert len(notices) == 1 and "một cửa" in notices[0]["text_vi"]
    assert "a data breach affecting you: Birth certificate copies" in notices[0]["text_en"]
    bad = server.wallet(
        "incidents",
        "record",
        "--title-vi",
        "x",
        "--title-en",
        "x",
        "--detail-vi",
        "x",
        "--detail-en",
        "x",
        "--occurred-at",
        "2026-11-20",
        check=False,
    )
    assert bad.returncode != 0 and "--all" in bad.stderr


def test_the_phone_pauses_requests_and_reads_notices(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    server = make_server()  # its own: "--all" tells every citizen of this server
    mobile = phone(server.url, tmp_path / "phone")
    cccd, dob = valid_cccd()
    assert mobile("device", "init").returncode == 0
    assert mobile("enrol", "--cccd", cccd, "--name", "Trần Thị Ngọc Hân", "--dob", dob).returncode == 0
    requester = register(server, tmp_path, name="UBND phường Hải Châu", roles="requester", types="")
    paused = mobile("requests", "pause", "--agency", requester.agency_id, "--procedure", BIRTH_REGISTRATION)
    assert paused.returncode == 0 and "UBND phường Hải Châu" in paused.stdout, paused.stderr
    assert "Đăng ký khai sinh" in mobile("requests", "list").stdout
    person = RawCitizen(server.url, cccd=cccd)
    assert refused(lambda: ask(consenting(requester), person)).code == "requests_paused"
    log = mobile("log")
    assert log.returncode == 0 and "đã bị chặn khi xin" in log.stdout, log.stdout + log.stderr
    assert mobile("requests", "pause").returncode != 0

    server.wallet(
        "incidents",
        "record",
        "--all",
        "--title-vi",
        "Sự cố thử",
        "--title-en",
        "A test incident",
        "--detail-vi",
        "Chi tiết",
        "--detail-en",
        "Details",
        "--occurred-at",
        "2026-11-21",
    )
    shown = mobile("incidents", lang="en")
    assert shown.returncode == 0 and "Sự cố thử / A test incident" in shown.stdout, shown.stderr
    assert "sự cố lộ lọt dữ liệu" in mobile("log").stdout


@pytest.mark.parametrize("field", ["title_vi", "detail_en"])
def test_an_incident_needs_real_text(server: WalletServer, field: str) -> None:
    texts = {"title_vi": "Tiêu đề", "title_en": "Title", "detail_vi": "Chi tiết", "detail_en": "Details"}
    texts[field] = "\u0007"
    args = [arg for name, value in texts.items() for arg in (f"--{name.replace('_', '-')}", value)]
    bad = server.wallet("incidents", "record", *args, "--occurred-at", "2026-11-20", "--all", check=False)
    assert bad.returncode != 0 and field in bad.stderr + bad.stdout
