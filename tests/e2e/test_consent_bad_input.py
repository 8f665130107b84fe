"""Consent bad input (issue 4), one test each: refused with a clear problem, nothing served or logged."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

import crypto
from tests.support.agencies import register
from tests.support.consents import (
    Agencies,
    agencies,
    approve_credential,
    ask,
    consenting,
    decide,
    decision,
    issue_birth_certificate,
    reads,
    refused,
)
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

BIRTH = [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}]


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _approved(parties: Agencies, citizen: RawCitizen, **terms: Any) -> tuple[Any, dict[str, Any], str]:
    """A requester client, a consent the citizen approved for their birth certificate, and its id."""
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, BIRTH, **terms)
    assert approve_credential(citizen, asked["id"], credential_id).status_code == 200
    return agency, asked, credential_id


def _problem(response: Any) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.status_code, response.json()["code"]


def test_a_request_by_an_agency_without_the_requester_role(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    problem = refused(lambda: ask(consenting(parties.issuer), citizen, BIRTH))
    assert (problem.status, problem.code) == (403, "forbidden_role")
    assert citizen.request("GET", "/v1/me/consents").json()["items"] == []


def test_a_request_naming_a_document_type_that_does_not_exist(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    problem = refused(lambda: ask(parties.asking(), citizen, [{"type": "giay-chung-nhan-ma"}]))
    assert (problem.status, problem.code) == (422, "unknown_document_type")
    assert "giay-chung-nhan-ma" in problem.detail
    unknown = refused(lambda: ask(parties.asking(), citizen, procedure_code="9.999999"))
    assert (unknown.status, unknown.code) == (422, "unknown_procedure")
    claim = refused(
        lambda: ask(parties.asking(), citizen, [{"type": "birth-certificate", "claims": ["blood"]}])
    )
    assert (claim.status, claim.code) == (422, "unknown_claim")
    off_purpose = refused(lambda: ask(parties.asking(), citizen, [{"type": "driving-licence"}]))
    assert (off_purpose.status, off_purpose.code) == (422, "type_not_for_procedure")
    assert citizen.request("GET", "/v1/me/consents").json()["items"] == []


def test_a_pull_with_another_agencys_consent_id(
    server: WalletServer, citizen: RawCitizen, parties: Agencies, tmp_path: Path
) -> None:
    _, asked, credential_id = _approved(parties, citizen)
    other = consenting(
        register(server, tmp_path, name="Công an phường Hải Châu", roles="requester", types="")
    )
    stolen = refused(lambda: other.pull_credential(asked["id"], credential_id))
    missing = refused(lambda: other.pull_credential(str(uuid.uuid4()), credential_id))
    assert (stolen.status, stolen.code, stolen.detail) == (missing.status, missing.code, missing.detail)
    assert (stolen.status, stolen.code) == (404, "consent_not_found")
    assert refused(lambda: other.consent(asked["id"])).code == "consent_not_found"
    assert refused(lambda: other.close_case(asked["id"])).code == "consent_not_found"
    assert reads(citizen) == []


def test_a_pull_of_an_item_outside_the_approval(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    agency, asked, _ = _approved(parties, citizen)
    other_credential = issue_birth_certificate(parties.issuer, citizen)  # same type, not the approved one
    document = citizen.upload(b"%PDF-1.4 giay khai sinh", doc_type="birth-certificate").json()["id"]
    stranger = RawCitizen(server.url)
    assert stranger.enrol().status_code == 201 and stranger.login().status_code == 200
    strangers = issue_birth_certificate(parties.issuer, stranger)
    attempts = [
        lambda: agency.pull_credential(asked["id"], other_credential),
        lambda: agency.pull_credential(asked["id"], strangers),
        lambda: agency.pull_credential(asked["id"], "not-a-uuid"),
        lambda: agency.pull_document(asked["id"], document),
    ]
    for attempt in attempts:
        problem = refused(attempt)
        assert (problem.status, problem.code) == (404, "consent_item_not_found")
    assert agency.consent(asked["id"])["uses"] == 0
    assert reads(citizen) == [] and reads(stranger) == []


def test_a_pull_after_revocation_in_the_same_second(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    agency, asked, credential_id = _approved(parties, citizen)
    agency.pull_credential(asked["id"], credential_id)
    agency.login()  # the token is ready: revocation and pull run back to back
    r = citizen.request("POST", f"/v1/me/consents/{asked['id']}/revoke")
    revoked_at = time.time()
    assert r.status_code == 200 and r.json()["receipt"]["state"] == "revoked"
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert time.time() - revoked_at < 1.0
    assert (problem.status, problem.code) == (410, "consent_revoked")
    assert len(reads(citizen)) == 1  # the pull before, not the one after


def test_a_pull_after_expiry(server: WalletServer, citizen: RawCitizen, parties: Agencies) -> None:
    agency, asked, credential_id = _approved(parties, citizen, valid_for_seconds=3)
    agency.pull_credential(asked["id"], credential_id)
    time.sleep(3.2)  # a real server has the real clock; tests/e2e/test_consent_clock.py pins it
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert (problem.status, problem.code) == (410, "consent_expired")
    assert agency.consent(asked["id"])["state"] == "expired"
    assert len(reads(citizen)) == 1


def test_a_pull_past_the_maximum_uses(server: WalletServer, citizen: RawCitizen, parties: Agencies) -> None:
    agency, asked, credential_id = _approved(parties, citizen, max_uses=2)
    for _ in range(2):
        agency.pull_credential(asked["id"], credential_id)
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert (problem.status, problem.code) == (410, "consent_used_up")
    assert agency.consent(asked["id"])["uses"] == 2
    assert len(reads(citizen)) == 2


def test_a_pull_before_any_decision(server: WalletServer, citizen: RawCitizen, parties: Agencies) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, BIRTH)
    problem = refused(lambda: agency.pull_credential(asked["id"], credential_id))
    assert (problem.status, problem.code) == (403, "consent_pending")
    assert refused(lambda: agency.receipt(asked["id"])).code == "consent_pending"
    assert reads(citizen) == []


def test_an_approval_signed_by_another_key(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    asked = ask(agency, citizen, BIRTH)
    entry = [{"item": 0, "kind": "credential", "id": credential_id}]
    forged = decision(crypto.generate_private_key(), asked["id"], "approve", entry)
    assert _problem(decide(citizen, asked["id"], forged)) == (422, "invalid_decision")
    unsigned = forged.rsplit(".", 1)[0] + "."
    assert _problem(decide(citizen, asked["id"], unsigned)) == (422, "invalid_decision")
    stale = decision(citizen.key, asked["id"], "approve", entry, iat=int(time.time()) - 3600)
    assert _problem(decide(citizen, asked["id"], stale)) == (422, "invalid_decision")
    assert agency.consent(asked["id"])["state"] == "pending"
    assert refused(lambda: agency.pull_credential(asked["id"], credential_id)).code == "consent_pending"
    assert reads(citizen) == []


def test_an_approval_of_more_than_was_requested(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    document = citizen.upload(b"%PDF-1.4 giay khai sinh", doc_type="birth-certificate").json()["id"]
    agency = parties.asking()
    asked = ask(agency, citizen, BIRTH)
    too_much = [
        [{"item": 0, "kind": "credential", "id": credential_id, "claims": ["full_name", "mother_name"]}],
        [{"item": 0, "kind": "document", "id": document}],  # only claims were asked for, not the whole paper
        [{"item": 1, "kind": "credential", "id": credential_id}],  # no item 1 was requested
        [{"item": 0, "kind": "credential", "id": str(uuid.uuid4())}],  # not the citizen's
    ]
    for items in too_much:
        r = decide(citizen, asked["id"], decision(citizen.key, asked["id"], "approve", items))
        assert _problem(r) == (422, "approval_exceeds_request"), items
    assert agency.consent(asked["id"])["state"] == "pending"
    assert reads(citizen) == []


def test_a_decision_replayed_on_another_consent(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    agency = parties.asking()
    first, second = ask(agency, citizen, BIRTH), ask(agency, citizen, BIRTH)
    token = decision(
        citizen.key, first["id"], "approve", [{"item": 0, "kind": "credential", "id": credential_id}]
    )
    assert _problem(decide(citizen, second["id"], token)) == (422, "invalid_decision")
    assert agency.consent(second["id"])["state"] == "pending"
    assert decide(citizen, first["id"], token).status_code == 200
    again = decide(citizen, first["id"], token)  # the same decision twice: it is decided already
    assert _problem(again) == (409, "consent_already_decided")
    assert refused(lambda: agency.pull_credential(second["id"], credential_id)).code == "consent_pending"
    assert reads(citizen) == []


def test_another_citizens_consent_is_not_found(
    server: WalletServer, citizen: RawCitizen, parties: Agencies
) -> None:
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    asked = ask(parties.asking(), citizen, BIRTH)
    stranger = RawCitizen(server.url)
    assert stranger.enrol().status_code == 201 and stranger.login().status_code == 200
    token = decision(
        stranger.key, asked["id"], "approve", [{"item": 0, "kind": "credential", "id": credential_id}]
    )
    assert _problem(decide(stranger, asked["id"], token)) == (404, "consent_not_found")
    assert _problem(stranger.request("POST", f"/v1/me/consents/{asked['id']}/revoke")) == (
        404,
        "consent_not_found",
    )
    assert _problem(stranger.request("GET", f"/v1/me/consents/{asked['id']}")) == (404, "consent_not_found")
