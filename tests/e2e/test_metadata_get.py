"""The metadata GET's own path (the proof spent and the document read in one statement): every
refusal of the general path still holds, on both backends, over real HTTP.

A proof is spent exactly once, whether the document exists, is another citizen's or is not a
document id at all; a replay is refused with 401 and nothing of the document, on either worker and
after a restart; a token whose device key was revoked is refused; an agency's token is refused.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

import crypto
from tests.support.agencies import register
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer


def _refused(r: httpx.Response, *secrets: str) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_token"
    for secret in secrets:
        assert secret not in r.text


def _person(server: WalletServer) -> RawCitizen:
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    return person


def _upload(person: RawCitizen, filename: str) -> str:
    r = person.upload(b"%PDF-1.7 metadata get", filename=filename)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_a_replayed_metadata_get_is_refused_on_every_worker_and_after_a_restart(
    make_server: Callable[..., WalletServer],
) -> None:
    server = make_server(workers=2)
    person = _person(server)
    doc = _upload(person, "giay-khai-sinh.pdf")
    path = f"/v1/me/documents/{doc}"
    headers = person.headers("GET", path)
    first = httpx.get(server.url + path, headers=headers)
    assert first.status_code == 200 and first.json()["filename"] == "giay-khai-sinh.pdf"
    for _ in range(6):  # fresh connections land on either worker
        with httpx.Client() as fresh:
            _refused(fresh.get(server.url + path, headers=headers), "giay-khai-sinh", doc)
    server.stop()
    server.start()
    _refused(httpx.get(server.url + path, headers=headers), "giay-khai-sinh", doc)
    assert person.request("GET", path).json()["filename"] == "giay-khai-sinh.pdf"  # a fresh proof reads


def test_the_proof_is_spent_when_the_document_is_missing_or_anothers(server: WalletServer) -> None:
    owner, other = _person(server), _person(server)
    theirs = _upload(owner, "so-ho-khau.pdf")
    for target in (theirs, str(uuid.uuid4()), "not-a-document-id"):
        path = f"/v1/me/documents/{target}"
        headers = other.headers("GET", path)
        missing = httpx.get(server.url + path, headers=headers)
        assert missing.status_code == 404, missing.text
        assert missing.headers["content-type"].startswith("application/problem+json")
        assert "so-ho-khau" not in missing.text
        _refused(httpx.get(server.url + path, headers=headers), "so-ho-khau")
    assert owner.request("GET", f"/v1/me/documents/{theirs}").status_code == 200


def test_a_token_of_a_revoked_device_reads_nothing(server: WalletServer) -> None:
    person = _person(server)
    doc = _upload(person, "bang-lai.pdf")
    devices = person.request("GET", "/v1/me/devices").json()["items"]
    assert len(devices) == 1
    revoked = person.request("DELETE", f"/v1/me/devices/{devices[0]['device_id']}?last=true")
    assert revoked.status_code == 204, revoked.text
    _refused(person.request("GET", f"/v1/me/documents/{doc}"), "bang-lai", doc)


def test_bad_proofs_and_agency_tokens_are_refused_before_anything_is_read(
    server: WalletServer, tmp_path: Path
) -> None:
    person = _person(server)
    doc = _upload(person, "hoc-ba.pdf")
    path = f"/v1/me/documents/{doc}"
    # a proof made for another document, for another method, or no proof at all
    wrong_url = {"Authorization": f"DPoP {person.token}", "DPoP": person.proof("GET", "/v1/me/documents/x")}
    wrong_method = {"Authorization": f"DPoP {person.token}", "DPoP": person.proof("DELETE", path)}
    for headers in (wrong_url, wrong_method, {"Authorization": f"DPoP {person.token}"}):
        _refused(httpx.get(server.url + path, headers=headers), "hoc-ba")
    agency = register(server, tmp_path).client()
    agency.login()  # an agency's token is valid, and not a citizen's
    url = server.url + path
    proof = crypto.make_dpop_proof(agency.key, "GET", url, now=int(time.time()), access_token=agency.token)
    _refused(httpx.get(url, headers={"Authorization": f"DPoP {agency.token}", "DPoP": proof}), "hoc-ba")


def _at_once(server: WalletServer, requests: list[tuple[str, dict[str, str]]]) -> list[httpx.Response]:
    """Send every request at the same moment, each on its own connection (on the embedded default
    their proofs are spent together, in one commit: ``GroupSpend``)."""

    async def send() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as client:
            return list(await asyncio.gather(*(client.get(path, headers=h) for path, h in requests)))

    return asyncio.run(send())


def test_one_proof_sent_many_times_at_once_reads_once(server: WalletServer) -> None:
    person = _person(server)
    doc = _upload(person, "cung-luc.pdf")
    path = f"/v1/me/documents/{doc}"
    headers = person.headers("GET", path)
    for _ in range(3):
        answers = _at_once(server, [(path, headers)] * 12)
        served = [r for r in answers if r.status_code == 200]
        assert len(served) == 1 and served == [r for r in answers if r.status_code != 401]
        assert served[0].json()["filename"] == "cung-luc.pdf"
        for refused in answers:
            if refused.status_code == 401:
                _refused(refused, "cung-luc", doc)
        headers = person.headers("GET", path)


def test_many_proofs_at_once_each_read_once_with_others_and_replays_among_them(server: WalletServer) -> None:
    """Fresh proofs, replays of them and other citizens' proofs for the same document, all at once:
    each fresh proof reads its own document exactly once, nothing else is served."""
    owner, other = _person(server), _person(server)
    doc = _upload(owner, "nhieu-yeu-cau.pdf")
    path = f"/v1/me/documents/{doc}"
    fresh = [owner.headers("GET", path) for _ in range(10)]
    answers = _at_once(
        server, [(path, h) for h in fresh] + [(path, other.headers("GET", path)) for _ in range(4)]
    )
    assert [r.status_code for r in answers[:10]] == [200] * 10
    assert all(r.json()["filename"] == "nhieu-yeu-cau.pdf" for r in answers[:10])
    assert [r.status_code for r in answers[10:]] == [404] * 4  # another's document: not found for them
    replays = _at_once(server, [(path, h) for h in fresh] + [(path, owner.headers("GET", path))])
    for refused in replays[:10]:
        _refused(refused, "nhieu-yeu-cau", doc)
    assert replays[10].status_code == 200
