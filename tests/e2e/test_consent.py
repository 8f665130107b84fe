"""Consent and once-only reuse over real HTTP: request, the citizen's decision, pulls, receipts, log."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

import crypto
from tests.support.consents import (
    JUSTICE,
    WARD,
    Agencies,
    agencies,
    approve_credential,
    ask,
    decide,
    decision,
    issue_birth_certificate,
    log_entries,
    reads,
    refused,
)
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _service_key(server: WalletServer, token: str) -> crypto.EcPublicKey:
    jwks = httpx.get(server.url + "/.well-known/jwks.json").json()
    kid = crypto.unverified_header(token)["kid"]
    return crypto.public_key_from_jwk(next(k for k in jwks["keys"] if k["kid"] == kid))


def test_a_procedure_code_alone_asks_for_what_it_accepts(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    scan = citizen.upload(b"%PDF-1.4 scan", doc_type="citizen-id", filename="CCCD mặt trước.pdf").json()["id"]
    asked = ask(parties.asking(), citizen, purpose="Đăng ký khai sinh cho con")
    assert asked["state"] == "pending" and asked["agency_name"] == WARD
    assert [i["type"] for i in asked["items"]] == ["citizen-id", "birth-certificate"]

    r = citizen.request("GET", "/v1/me/consents?state=pending", headers={"Accept-Language": "vi"})
    assert r.status_code == 200, r.text
    [pending] = r.json()["items"]
    assert pending["agency_name"] == WARD and pending["purpose"] == "Đăng ký khai sinh cho con"
    assert pending["procedure_code"] == "1.001193" and pending["procedure_name"] == "Đăng ký khai sinh"
    by_type = {i["type"]: i for i in pending["items"]}
    assert by_type["birth-certificate"]["type_name"] == "Giấy khai sinh"
    assert by_type["birth-certificate"]["claims"] is None  # the whole of it
    assert [c["id"] for c in by_type["birth-certificate"]["candidates"]] == [credential_id]
    assert by_type["birth-certificate"]["candidates"][0]["label"] == JUSTICE
    [id_scan] = by_type["citizen-id"]["candidates"]
    assert (id_scan["id"], id_scan["provenance"], id_scan["label"]) == (
        scan,
        "uploaded",
        "CCCD mặt trước.pdf",
    )


def test_approving_part_of_a_request_serves_only_that(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    items = [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth", "place_of_birth"]}]
    asked = ask(agency, citizen, items, max_uses=2)
    shown = citizen.request("GET", f"/v1/me/consents/{asked['id']}", headers={"Accept-Language": "en"}).json()
    assert [c["label"] for c in shown["items"][0]["claims"]] == [
        "Full name",
        "Date of birth",
        "Place of birth",
    ]
    assert [c["name"] for c in shown["items"][0]["always_shared"]] == ["registration_number"]

    r = approve_credential(citizen, asked["id"], credential_id, ["full_name", "date_of_birth"])
    assert r.status_code == 200, r.text
    assert agency.consent(asked["id"])["state"] == "approved"

    pulled = agency.pull_credential(asked["id"], credential_id)
    assert pulled["disclosed"] == ["date_of_birth", "full_name", "registration_number"]
    issuer_key = crypto.public_key_from_jwk(crypto.public_jwk(parties.issuer.key))
    verified = crypto.verify_sd_jwt(
        pulled["sd_jwt"], issuer_key_for=lambda iss, kid: issuer_key, now=int(time.time())
    )
    assert verified.claims == {
        "full_name": "Nguyễn Thị Minh Khai",
        "date_of_birth": "1990-05-01",
        "registration_number": "123/2024",
    }
    assert verified.issuer == parties.issuer.agency_id
    assert len(pulled["sd_jwt"].rstrip("~").split("~")) == 3  # issuer JWT + two disclosures, no key binding

    [read] = reads(citizen)
    assert (read["agency_name"], read["resource_id"], read["procedure_code"]) == (
        WARD,
        credential_id,
        "1.001193",
    )
    assert read["consent_id"] == asked["id"]
    assert agency.consent(asked["id"])["uses"] == 1


def test_the_receipt_is_the_signed_decision_and_both_sides_have_it(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate", "claims": ["full_name"]}], retention_days=90)
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    mine = citizen.request("GET", f"/v1/me/consents/{asked['id']}/receipt").json()
    theirs = agency.receipt(asked["id"])
    assert mine["receipt"] == theirs["receipt"]
    receipt = mine["receipt"]
    assert receipt["pii_controller"] == {"agency_id": parties.requester.agency_id, "name": WARD}
    assert receipt["purpose"]["procedure"]["code"] == "1.001193"
    assert receipt["retention_days"] == 90 and receipt["consent_given_at"] and receipt["valid_until"]
    assert receipt["approved"] == [
        {
            "item": 0,
            "kind": "credential",
            "id": credential_id,
            "type": "birth-certificate",
            "claims": ["full_name"],
        }
    ]
    assert "revoke" in receipt["withdrawal"]["method"]
    signed = crypto.verify_jws(
        mine["receipt_jws"], _service_key(server, mine["receipt_jws"]), typ="consent-receipt+jwt"
    )
    assert signed["receipt_id"] == asked["id"]
    by_device = crypto.verify_jws(
        receipt["decision_jws"], citizen.key.public_key(), typ="consent-decision+jwt"
    )
    assert by_device["consent_id"] == asked["id"] and by_device["decision"] == "approve"


def test_a_document_is_served_whole_with_its_provenance(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    content = b"%PDF-1.4\n" + bytes(range(256)) * 40
    doc = citizen.upload(content, doc_type="citizen-id", filename="cccd.pdf").json()["id"]
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "citizen-id"}], max_uses=1)
    entry = {"item": 0, "kind": "document", "id": doc}
    assert (
        decide(citizen, asked["id"], decision(citizen.key, asked["id"], "approve", [entry])).status_code
        == 200
    )
    body, headers = agency.pull_document(asked["id"], doc)
    assert body == content
    assert headers["wallet-provenance"] == "uploaded" and headers["content-type"] == "application/pdf"
    assert refused(lambda: agency.pull_document(asked["id"], doc)).code == "consent_used_up"
    assert len(reads(citizen)) == 1


def test_a_denied_request_serves_nothing(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate"}])
    assert decide(citizen, asked["id"], decision(citizen.key, asked["id"], "deny")).status_code == 200
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert (problem.status, problem.code) == (403, "consent_denied")
    assert agency.receipt(asked["id"])["receipt"]["state"] == "denied"
    assert reads(citizen) == []


def test_closing_the_case_ends_the_consent(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate"}])
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    agency.pull_credential(asked["id"], credential_id)
    assert agency.close_case(asked["id"])["state"] == "closed"
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert (problem.status, problem.code) == (410, "consent_closed")
    assert "closed the case" in problem.detail
    assert len(reads(citizen)) == 1


def test_issuance_revocation_and_pulls_are_in_the_log_in_plain_words(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate"}])
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    agency.pull_credential(asked["id"], credential_id)
    parties.issuer.client().set_status(credential_id, "revoked")
    r = citizen.request("GET", "/v1/me/log")
    page = r.json()
    actions = [json.loads(e["data"])["action"] for e in page["entries"]]
    assert actions == ["lookup", "issue", "read", "revoke"]  # the key lookup before the issuance too
    text = page["entries"][2]["text_vi"]
    case = asked["case_number"]  # the procedure's name, the case and the purpose, not only a code
    assert text.startswith(
        f"{WARD} đã xem giấy khai sinh của bạn cho thủ tục 1.001193 Đăng ký khai sinh, hồ sơ số {case} "
        "(mục đích: Đăng ký khai sinh cho con thứ hai) lúc "
    )
    assert page["entries"][2]["text_en"].startswith(
        f"{WARD} read your birth certificate for procedure 1.001193 Birth registration, case {case} "
        "(purpose: Đăng ký khai sinh cho con thứ hai) at "
    )
    assert page["tree_size"] == 4
    stats = citizen.request("GET", "/v1/me/stats").json()["items"]
    assert stats == [
        {
            "procedure_code": "1.001193",
            "procedure_name": "Đăng ký khai sinh",
            "agency_id": parties.requester.agency_id,
            "consents": 1,
            "items": 1,
            "pulls": 1,
        }
    ]
    assert [e["action"] for e in log_entries(citizen)] == ["lookup", "issue", "read", "revoke"]


def test_operator_sees_reuse_per_procedure_and_agency(
    server: WalletServer, citizen: RawCitizen, parties: Agencies, tmp_path: Path
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate"}], max_uses=5)
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    for _ in range(3):
        agency.pull_credential(asked["id"], credential_id)
    rows = json.loads(server.wallet("stats", "reuse", "--json").stdout)
    mine = [r for r in rows if r["agency_id"] == parties.requester.agency_id]
    assert mine and mine[0]["agency_name"] == WARD and mine[0]["procedure_name_vi"] == "Đăng ký khai sinh"
    assert mine[0]["pulls"] >= 3 and mine[0]["items"] >= 1
    assert "Items not resubmitted" in server.wallet("stats", "reuse").stdout
