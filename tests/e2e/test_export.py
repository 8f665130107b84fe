"""The right of access in a machine-readable form: the export holds every document and credential,
every consent with its signed decision and receipt, every log entry with a proof that checks
offline, pauses and breach notices; it follows its published schema and reads as a Vietnamese page."""

from __future__ import annotations

import datetime as dt
import html.parser
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema

import crypto
from crypto.transparency.errors import LogInconsistent
from crypto.transparency.proofs import InclusionProof
from crypto.transparency.verify import verify_entry, verify_tree_head
from tests.support.consents import DECISION_TYP, agencies, approve_credential, ask, issue_birth_certificate
from tests.support.raw import RawCitizen
from tests.support.recovery import recover_by_code
from tests.support.server import WalletServer

PDF = b"%PDF-1.7\n" + b"\x00giay to" * 5000 + b"\n%%EOF\n"


def _export(citizen: RawCitizen) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    r = citizen.request("GET", "/v1/me/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/zip"), r.text
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    return archive, json.loads(archive.read("manifest.json"))


def _service_key(server: WalletServer, token: str) -> crypto.EcPublicKey:
    kid = crypto.unverified_header(token)["kid"]
    jwk = next(k for k in httpx.get(server.url + "/.well-known/jwks.json").json()["keys"] if k["kid"] == kid)
    return crypto.public_key_from_jwk({k: jwk[k] for k in ("kty", "crv", "x", "y")})


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in ("meta", "br", "link"):
            self.open.append(tag)
        assert tag != "script", "no script in the summary"

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, (tag, self.open)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_export_holds_everything_done_with_the_data_and_checks_offline(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    parties = agencies(server, tmp_path)
    document = citizen.upload(PDF, filename="<b>Học bạ</b>.pdf", doc_type="other").json()
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    asked = ask(parties.asking(), citizen, [{"type": "birth-certificate"}], case_number="HS-77")
    assert approve_credential(citizen, asked["id"], credential_id, claims=["full_name"]).status_code == 200
    parties.asking().pull_credential(asked["id"], credential_id)
    ask(parties.asking(), citizen, procedure_code="1.000656")  # still pending: exported as such
    assert (
        citizen.request("POST", "/v1/me/restrictions", json={"procedure_code": "2.000908"}).status_code == 201
    )
    told = tmp_path / "told.txt"
    told.write_text(citizen.citizen_id)
    server.wallet(
        "incidents", "record", "--title-vi", "Sự cố thử nghiệm", "--title-en", "A test incident",
        "--detail-vi", "Chi tiết", "--detail-en", "Details", "--occurred-at", "2026-11-20",
        "--citizens-file", str(told),
    )  # fmt: skip

    archive, manifest = _export(citizen)
    jsonschema.Draft202012Validator(
        json.loads(archive.read("schema.json")), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(manifest)
    published = Path(__file__).parents[2] / "wallet_api" / "data" / "export.schema.json"
    assert archive.read("schema.json") == published.read_bytes()
    served = httpx.get(server.url + "/v1/schemas/export.json")
    assert served.status_code == 200 and served.json() == json.loads(published.read_text())

    assert [d["id"] for d in manifest["documents"]] == [document["id"]]
    assert archive.read(manifest["documents"][0]["path"]) == PDF
    assert [c["id"] for c in manifest["credentials"]] == [credential_id]

    consents = {c["id"]: c for c in manifest["consents"]}
    agreed = consents[asked["id"]]
    assert agreed["state"] == "approved" and agreed["uses"] == 1 and agreed["case_number"] == "HS-77"
    decision = crypto.verify_jws(agreed["decision_jws"], citizen.key.public_key(), typ=DECISION_TYP)
    assert decision["consent_id"] == asked["id"] and decision["items"][0]["claims"] == ["full_name"]
    receipt = crypto.verify_jws(
        agreed["receipt_jws"], _service_key(server, agreed["receipt_jws"]), typ="consent-receipt+jwt"
    )
    assert receipt["receipt_id"] == asked["id"]
    assert sorted(c["state"] for c in manifest["consents"]) == ["approved", "pending"]

    log = manifest["access_log"]
    head = verify_tree_head(
        log["tree_head"], _service_key(server, log["tree_head"]), citizen_id=citizen.citizen_id
    )
    assert head.size == log["tree_size"] == len(log["entries"]) >= 3  # issued, read, the breach notice
    for entry in log["entries"]:
        verify_entry(head, entry["index"], entry["data"], InclusionProof.from_json(entry["inclusion"]))
    assert [r["procedure_code"] for r in manifest["restrictions"]] == ["2.000908"]
    assert [(d["how_added"], d["revoked_at"]) for d in manifest["devices"]] == [("enrolment", None)]
    assert [i["title_en"] for i in manifest["incidents"]] == ["A test incident"]

    page = _Page()
    page.feed(archive.read("summary.html").decode("utf-8"))
    page.close()
    text = " ".join(page.text)
    assert "Dữ liệu của bạn trong ví" in text and "Nguyễn Thị Minh Khai" in text
    assert manifest["documents"][0]["filename"] in text and "b" not in page.tags  # text, never markup
    assert "HS-77" in text and "đã đồng ý / approved" in text and "Sự cố thử nghiệm" in text
    assert "đã xem" in text  # the pull, in words

    other = RawCitizen(server.url)
    assert other.enrol(name="Lê Văn Tám").status_code == 201 and other.login().status_code == 200
    _, theirs = _export(other)
    assert theirs["documents"] == theirs["credentials"] == theirs["consents"] == theirs["incidents"] == []
    assert theirs["citizen"]["citizen_id"] == other.citizen_id


def test_a_tampered_log_entry_in_an_export_fails_its_proof(
    server: WalletServer, citizen: RawCitizen, tmp_path: Path
) -> None:
    parties = agencies(server, tmp_path)
    issue_birth_certificate(parties.issuer, citizen)
    _, manifest = _export(citizen)
    log = manifest["access_log"]
    head = verify_tree_head(
        log["tree_head"], _service_key(server, log["tree_head"]), citizen_id=citizen.citizen_id
    )
    entry = log["entries"][0]
    forged = entry["data"].replace(parties.issuer.agency_id, "co-quan-khac")
    try:
        verify_entry(head, entry["index"], forged, InclusionProof.from_json(entry["inclusion"]))
    except LogInconsistent:
        return
    raise AssertionError("a changed entry still matched its proof")


def _validated(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(
        json.loads(archive.read("schema.json")), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(manifest)


def _summary(archive: zipfile.ZipFile) -> str:
    page = _Page()
    page.feed(archive.read("summary.html").decode("utf-8"))
    page.close()
    return " ".join(page.text)


def test_the_export_holds_mandates_recoveries_and_the_reissue_status(
    make_server: Callable[..., WalletServer], tmp_path: Path
) -> None:
    server = make_server(env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": "1"})
    parties = agencies(server, tmp_path)
    citizen, other = RawCitizen(server.url), RawCitizen(server.url)
    enrolled = citizen.enrol()
    assert enrolled.status_code == 201 and citizen.login().status_code == 200
    assert other.enrol(name="Lê Văn Tám").status_code == 201 and other.login().status_code == 200
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    scope = {"documents": ["other"], "procedures": ["1.001193"]}
    body = {"delegate_cccd": other.cccd, "scope": scope, "valid_until": until}
    granted = citizen.request("POST", "/v1/me/mandates", json=body)
    assert granted.status_code == 201, granted.text
    body = {"delegate_cccd": citizen.cccd, "scope": {"documents": ["other"]}, "valid_until": until}
    held = other.request("POST", "/v1/me/mandates", json=body)
    assert held.status_code == 201, held.text
    ended = other.request("DELETE", f"/v1/me/mandates/{held.json()['mandate_id']}")
    assert ended.status_code == 200, ended.text
    old_id = issue_birth_certificate(parties.issuer, citizen)

    phone = recover_by_code(server.url, citizen, enrolled.json()["recovery_code"])
    archive, manifest = _export(phone)
    _validated(archive, manifest)
    assert "recovery_code" not in archive.read("manifest.json").decode()
    assert enrolled.json()["recovery_code"] not in archive.read("manifest.json").decode()
    [recovery] = manifest["recoveries"]
    assert (recovery["status"], recovery["method"], recovery["device_name"]) == (
        "completed",
        "code",
        "Điện thoại mới",
    )
    mandates = {m["role"]: m for m in manifest["mandates"]}
    assert mandates["granted"]["id"] == granted.json()["mandate_id"]
    assert mandates["granted"]["state"] == "active" and mandates["granted"]["delegate_name"] == "Lê Văn Tám"
    assert mandates["granted"]["scope"] == {**scope, "credentials": []}
    assert mandates["held"]["state"] == "ended" and mandates["held"]["represented_name"] == "Lê Văn Tám"
    [waiting] = manifest["credentials"]
    assert (waiting["id"], waiting["reissue"], waiting["replaced_by"]) == (old_id, "pending", None)
    text = _summary(archive)
    assert "Uỷ quyền" in text and "Lê Văn Tám" in text and "đã chấm dứt / ended" in text
    assert "Điện thoại mới" in text and "đã hoàn tất / completed" in text
    assert "đang chờ cơ quan cấp lại / waiting for the issuer" in text

    [item] = parties.issuer.client().reissue_queue()
    new_id = parties.issuer.client().reissue(item)["credential_id"]
    archive, manifest = _export(phone)
    _validated(archive, manifest)
    credentials = {c["id"]: c for c in manifest["credentials"]}
    assert (credentials[old_id]["reissue"], credentials[old_id]["replaced_by"]) == ("done", new_id)
    assert credentials[old_id]["status"] == "revoked"
    assert (credentials[new_id]["reissue"], credentials[new_id]["replaces"]) == ("not_needed", old_id)

    _, theirs = _export(other)  # the delegate sees the mandate from their side, nothing of the recovery
    assert theirs["recoveries"] == [] and theirs["credentials"] == []
    assert {m["role"] for m in theirs["mandates"]} == {"granted", "held"}
