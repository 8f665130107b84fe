"""Key epochs on a serving wallet, both backends: the re-wrap resumes after a crash, requests keep
working through rotation and destruction, derived keys survive version 1, legacy document keys
gain their master layer, and destruction is refused while it could lose data."""

from __future__ import annotations

import os
from collections.abc import Callable

import httpx
import pytest

import crypto
import storage
from tests.e2e.conftest import settings_of
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer
from wallet_api.bootstrap import build_context
from wallet_api.erasure.epochs import KeyEpochs
from wallet_api.erasure.layout import LEGACY_DEK_SIZE
from wallet_api.services.citizens import unwrap_citizen_key
from wallet_api.services.documents import blob_aad

NO_RETENTION = {"WALLET_KEY_RETENTION_SECONDS": "0"}


class Crash(Exception):
    pass


def _person(server: WalletServer, cccd: str | None = None, dob: str | None = None) -> RawCitizen:
    person = RawCitizen(server.url)
    assert person.enrol(cccd=cccd, dob=dob).status_code == 201
    assert person.login().status_code == 200
    return person


def _kids(server: WalletServer) -> set[str]:
    return {k["kid"] for k in httpx.get(server.url + "/.well-known/jwks.json").json()["keys"]}


def test_rewrap_resumes_after_a_crash_and_nothing_breaks(make_server: Callable[..., WalletServer]) -> None:
    server = make_server(env=NO_RETENTION)
    cccd, dob = valid_cccd()
    people = [_person(server, cccd, dob), _person(server), _person(server)]
    bodies: list[tuple[RawCitizen, str, bytes]] = []
    for person in people:
        for _ in range(2):
            body = b"%PDF-1.7\n" + os.urandom(3000)
            bodies.append((person, person.upload(body).json()["id"], body))
    kids = _kids(server)
    assert "Master key version: 2" in server.wallet("keys", "rotate-master").stdout

    ctx = build_context(settings_of(server))
    try:
        calls = []

        def crash(table: str, seen: int, moved: int) -> None:
            calls.append(table)
            if len(calls) == 3:
                raise Crash()

        with pytest.raises(Crash):
            KeyEpochs(ctx, batch=1, progress=crash).rewrap()
        used = KeyEpochs(ctx).usage()
        assert used[1] > 0 and used[2] > 0  # half done
        refused = server.wallet("keys", "destroy-master", "1", check=False)
        assert refused.returncode != 0 and "live keys still use version 1" in refused.stderr
        for person, document, body in bodies:  # serving goes on over mixed versions
            assert person.request("GET", f"/v1/me/documents/{document}/content").content == body

        finished = server.wallet("keys", "rewrap").stdout
        assert "Re-wrapped" in finished
        used = KeyEpochs(ctx).usage()
        assert set(used) == {2}, used
        assert sum(used.values()) == 1 + 3 + 6  # a signing key, three citizens, six documents
    finally:
        ctx.metadata.close()

    assert "destroyed for good: 1" in server.wallet("keys", "destroy-master", "1").stdout
    for person, document, body in bodies:
        assert person.request("GET", f"/v1/me/documents/{document}/content").content == body
        assert person.request("GET", "/v1/me").status_code == 200
    # derived keys did not change: tokens, the blind index (a second enrolment still makes no wallet)
    again = people[0]
    assert again.login().status_code == 200 and again.request("GET", "/v1/me").status_code == 200
    twin = RawCitizen(server.url)
    assert twin.enrol(cccd=cccd, dob=dob).status_code == 201  # answered like a new one (docs/rights.md)
    assert twin.login().status_code == 401  # but the blind index found the wallet: no second one made
    # the signing keys were re-wrapped too: the same keys still sign
    assert _kids(server) == kids
    receipt = again.request("DELETE", f"/v1/me/documents/{next(d for p, d, _ in bodies if p is again)}")
    assert receipt.status_code == 200
    assert crypto.unverified_header(receipt.json()["receipt_jws"])["kid"] in kids


def test_a_legacy_document_key_gains_its_master_layer(make_server: Callable[..., WalletServer]) -> None:
    server = make_server(env=NO_RETENTION)
    person = _person(server)
    body = b"%PDF-1.7\n" + os.urandom(5000)
    document = person.upload(body).json()["id"]
    settings = settings_of(server)
    master = crypto.open_master_key(settings.master_key_url)
    metadata = storage.open_metadata(settings.database_url)
    aad = blob_aad(person.citizen_id, document, 1)
    try:
        with metadata.unit_of_work() as uow:  # as a version before key epochs stored it
            kek = unwrap_citizen_key(
                master, person.citizen_id, uow.citizens.get(person.citizen_id).wrapped_kek
            )
            record = uow.documents.get(person.citizen_id, document)
            from wallet_api.erasure.wrapping import unwrap_document_key

            dek = unwrap_document_key(master, kek, record.wrapped_dek, aad)
            legacy = crypto.wrap_key(kek, dek, b"dek|" + aad)
            assert len(legacy) == LEGACY_DEK_SIZE
            assert uow.key_epochs.swap("documents", document, record.wrapped_dek, legacy)
            uow.commit()
        assert person.request("GET", f"/v1/me/documents/{document}/content").content == body
        server.wallet("keys", "rotate-master", "--rewrap")
        with metadata.unit_of_work(readonly=True) as uow:
            converted = uow.documents.get(person.citizen_id, document).wrapped_dek
        assert len(converted) != LEGACY_DEK_SIZE and converted[:1] == b"\x02"
        assert master.version_of(converted[1:]) == 2
        assert person.request("GET", f"/v1/me/documents/{document}/content").content == body
    finally:
        metadata.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1",), "the version that wraps new keys cannot be destroyed"),
        (("7",), "there is no master key version 7"),
        (("0",), "0"),
        (("one",), "one"),
    ],
)
def test_destroy_refusals(server: WalletServer, args: tuple[str, ...], message: str) -> None:
    fresh = server.wallet("keys", "destroy-master", *args, check=False)
    assert fresh.returncode != 0 and message in fresh.stderr, fresh.stderr
    assert httpx.get(server.url + "/health").status_code == 200
