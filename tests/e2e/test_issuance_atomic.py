"""An agency's change to a citizen's wallet and its entry in the citizen's log: one transaction.

Issuing a credential, changing its status, issuing a document, re-issuing a credential for a new
device, and fetching a parked presentation each used to commit first and append the log entry in
a second transaction, so a failed append (or a process dying in between) kept the change without
the line that tells the citizen. Each is now one transaction with its entry.

The append is made to fail for real (``tests.support.broken_log``: the stored head off its tree):
the agency gets 500 ``access_log_corrupted`` and nothing of the step is in the database; once the
head is mended the same step goes through and is logged exactly once. A real ``wallet serve`` on
each backend.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

import crypto
import storage
from tests.support.agencies import BIRTH_CLAIMS, document_jws, register
from tests.support.broken_log import assert_corrupted, broken_log, log_size
from tests.support.consents import BIRTH_VCT, Agencies, agencies, issue_birth_certificate, log_entries
from tests.support.raw import RawCitizen
from tests.support.recovery import recover_by_code
from tests.support.server import WalletServer
from wallet_api.clients.agency import AgencyApiError

Backend = Callable[[WalletServer], tuple[storage.Metadata, storage.BlobStore]]


@pytest.fixture(scope="module")
def quick_recovery(make_server: Callable[..., WalletServer]) -> WalletServer:
    """A server whose recovery cooling-off is one second (the re-issue case needs a recovery)."""
    return make_server(env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": "1"})


def _engine(backend_of: Backend, server: WalletServer) -> Engine:
    metadata, _ = backend_of(server)
    engine: Engine = getattr(metadata, "engine")  # noqa: B009  # the SQL adapter's engine, as an insider sees it
    return engine


def _world(
    server: WalletServer, backend_of: Backend, parties_dir: Path
) -> tuple[Agencies, RawCitizen, str, Engine]:
    """On ``server``: an issuer and a requester, an enrolled citizen (and their recovery code), and
    the server's database engine as an insider sees it."""
    parties_dir.mkdir(exist_ok=True)
    citizen, code = _enrolled(server)
    return agencies(server, parties_dir), citizen, code, _engine(backend_of, server)


def _enrolled(server: WalletServer) -> tuple[RawCitizen, str]:
    citizen = RawCitizen(server.url)
    enrolled = citizen.enrol()
    assert enrolled.status_code == 201 and citizen.login().status_code == 200
    return citizen, str(enrolled.json()["recovery_code"])


def _refused_500(call: Callable[[], object]) -> None:
    with pytest.raises(AgencyApiError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (500, "access_log_corrupted")
    assert caught.value.title and caught.value.detail


def _count(engine: Engine, table: str, citizen_id: str) -> int:
    with engine.connect() as connection:
        count = connection.execute(
            text(f"SELECT count(*) FROM {table} WHERE citizen_id = :c"),  # fixed names
            {"c": citizen_id},
        ).scalar_one()
    return int(count)


def _credentials(citizen: RawCitizen) -> dict[str, dict[str, Any]]:
    response = citizen.request("GET", "/v1/me/credentials")
    assert response.status_code == 200, response.text
    return {c["id"]: c for c in response.json()["items"]}


def _actions(citizen: RawCitizen, action: str) -> list[dict[str, Any]]:
    return [e for e in log_entries(citizen) if e["action"] == action]


def test_a_credential_is_not_stored_without_its_log_entry(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    parties, citizen, _, engine = _world(make_server(), backend_of, tmp_path)
    first = issue_birth_certificate(parties.issuer, citizen)  # the log exists from here on
    client = parties.issuer.client()
    sd_jwt = client.sign_credential(citizen.cccd, BIRTH_VCT, BIRTH_CLAIMS)
    size = log_size(engine, citizen.citizen_id)

    with broken_log(engine, citizen.citizen_id):
        _refused_500(lambda: client.issue_credential(citizen.cccd, sd_jwt))
    assert list(_credentials(citizen)) == [first]
    assert _count(engine, "credentials", citizen.citizen_id) == 1
    assert log_size(engine, citizen.citizen_id) == size

    second = str(
        client.issue_credential(citizen.cccd, sd_jwt)["credential_id"]
    )  # its status slot was not kept
    assert set(_credentials(citizen)) == {first, second}
    assert [e["resource_id"] for e in _actions(citizen, "issue")] == [first, second]


def test_a_status_change_is_not_made_without_its_log_entry(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    parties, citizen, _, engine = _world(make_server(), backend_of, tmp_path)
    credential = issue_birth_certificate(parties.issuer, citizen)
    client = parties.issuer.client()
    size = log_size(engine, citizen.citizen_id)

    with broken_log(engine, citizen.citizen_id):
        _refused_500(lambda: client.set_status(credential, "revoked"))
    assert _credentials(citizen)[credential]["status"] == "valid"
    assert log_size(engine, citizen.citizen_id) == size

    client.set_status(credential, "revoked")
    assert _credentials(citizen)[credential]["status"] == "revoked"
    assert len(_actions(citizen, "revoke")) == 1


def test_an_issued_document_is_not_stored_without_its_log_entry(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    server = make_server()
    parties, citizen, _, engine = _world(server, backend_of, tmp_path / "parties")
    issue_birth_certificate(parties.issuer, citizen)  # the log exists from here on
    agency = register(server, tmp_path, types="procedure-result", valid_from="2020-01-01")
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    body = {
        "cccd": citizen.cccd,
        "type": "procedure-result",
        "number": "123/QĐ-STP",
        "issue_date": "2026-11-20",
        "procedure_code": "1.001193",
        "filename": "Kết quả.png",
        "content_type": "image/png",
        "content": base64.b64encode(png).decode(),
        "signature": document_jws(agency, png, "image/png"),
    }
    client = agency.client()
    size = log_size(engine, citizen.citizen_id)

    with broken_log(engine, citizen.citizen_id):
        _refused_500(lambda: client._call("POST", "/v1/agency/documents", json=body))
    assert citizen.request("GET", "/v1/me/documents").json()["items"] == []
    assert _count(engine, "documents", citizen.citizen_id) == 0
    assert log_size(engine, citizen.citizen_id) == size

    stored = client._call("POST", "/v1/agency/documents", json=body)
    [listed] = citizen.request("GET", "/v1/me/documents").json()["items"]
    assert listed["id"] == stored["document_id"] and listed["provenance"] == "issued"
    assert [e["resource_id"] for e in _actions(citizen, "issue")][-1] == stored["document_id"]
    assert log_size(engine, citizen.citizen_id) == size + 1


def test_a_reissue_is_not_made_without_its_log_entries(
    quick_recovery: WalletServer, backend_of: Backend, tmp_path: Path
) -> None:
    server = quick_recovery
    parties, citizen, code, engine = _world(server, backend_of, tmp_path)
    old = issue_birth_certificate(parties.issuer, citizen)
    phone = recover_by_code(server.url, citizen, code)  # the old credential's key is gone
    client = parties.issuer.client()
    [item] = client.reissue_queue()
    size = log_size(engine, citizen.citizen_id)

    with broken_log(engine, citizen.citizen_id):
        _refused_500(lambda: client.reissue(item))
    assert log_size(engine, citizen.citizen_id) == size
    held = _credentials(phone)
    assert list(held) == [old] and held[old]["status"] == "valid" and held[old]["needs_reissue"] is True
    assert [i["credential_id"] for i in client.reissue_queue()] == [old]  # still queued (a lookup)

    fresh = client.reissue(item)
    assert fresh["replaces"] == old and _credentials(phone)[old]["status"] == "revoked"
    since = [(e["action"], e["resource_id"]) for e in log_entries(phone)[size:]]
    new = fresh["credential_id"]
    assert since == [("lookup", old), ("issue", new), ("credential-reissue", new)], since


def test_a_parked_presentation_is_not_taken_without_its_log_entry(
    make_server: Callable[..., WalletServer], backend_of: Backend, tmp_path: Path
) -> None:
    server = make_server()
    parties, citizen, _, engine = _world(server, backend_of, tmp_path)
    issue_birth_certificate(parties.issuer, citizen)  # the log exists from here on
    issued = crypto.issue_sd_jwt_vc(
        crypto.generate_private_key(),
        kid="k",
        iss="https://issuer.example",
        vct=BIRTH_VCT,
        claims={"full_name": "Phạm Thị Hoa", "note": "x" * 5000},
        holder_jwk=crypto.public_jwk(citizen.key),
        now=int(time.time()),
        lifetime=3600,
    )
    shown = crypto.present(
        issued.sd_jwt,
        disclose=["full_name", "note"],
        holder_key=citizen.key,
        nonce="n",
        audience=server.url + "/verify",
        now=int(time.time()),
    )
    parked = citizen.request("POST", "/v1/me/presentations", json={"presentation": shown})
    assert parked.status_code == 201, parked.text
    url = str(parked.json()["url"])
    size = log_size(engine, citizen.citizen_id)

    with broken_log(engine, citizen.citizen_id):
        assert_corrupted(httpx.get(url, timeout=30))
    assert log_size(engine, citizen.citizen_id) == size

    first = httpx.get(url, timeout=30)  # still parked: fetched once now, and logged
    assert first.status_code == 200 and first.text == shown
    assert httpx.get(url, timeout=30).status_code == 404
    assert log_size(engine, citizen.citizen_id) == size + 1
