"""A delegate presents the represented citizen's credential WITH holder binding, under a mandate
attestation (``qr.mandate``, docs/mandates.md): a real server on both backends, a real issuer
agency, the online verifier (``POST /v1/verify`` with a counter nonce) and the offline one
(``wallet-verify`` as a separate process, and its library on the synced cache). Every refusal
is a reason of the one table: a KB-JWT by the wrong key, an expired or forged attestation, one
for another credential, a type the mandate does not cover; and the server refuses attestations
to the wrong people: not the delegate (404), another citizen's credential (404), a scope without
the type (403), a revoked mandate (403; an attestation issued before is refused online at once,
and offline dies with its five minutes).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import crypto
import qr
from qr.mandate import MANDATE_TYP, join_presentation, split_presentation
from qr.offline import verify_credential
from qr.trust import TrustCache, TrustStore
from tests.support.app_browser import wallet_verify
from tests.support.consents import Agencies, agencies, issue_birth_certificate
from tests.support.hostile import assert_problem
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

AUDIENCE = "https://quay-mot-cua.example.vn"
NONCE = "84613907"


@dataclass
class World:
    server: WalletServer
    parties: Agencies
    mother: RawCitizen
    son: RawCitizen
    stranger: RawCitizen
    credential: str
    mandate: str
    store: TrustStore
    cache: Path


def _citizen(server: WalletServer, name: str) -> RawCitizen:
    person = RawCitizen(server.url)
    assert person.enrol(name=name).status_code == 201 and person.login().status_code == 200
    return person


def _grant(owner: RawCitizen, delegate: RawCitizen, scope: dict[str, list[str]]) -> str:
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    body = {"delegate_cccd": delegate.cccd, "scope": scope, "valid_until": until}
    granted = owner.request("POST", "/v1/me/mandates", json=body)
    assert granted.status_code == 201, granted.text
    return str(granted.json()["mandate_id"])


@pytest.fixture(scope="module")
def world(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("mandated")
    parties = agencies(server, tmp)
    mother, son = _citizen(server, "Lê Thị Hoa"), _citizen(server, "Lê Văn Nam")
    stranger = _citizen(server, "Phạm Văn Lạ")
    credential = issue_birth_certificate(parties.issuer, mother)
    mandate = _grant(mother, son, {"credentials": ["birth-certificate"]})
    cache = tmp / "verifier"
    synced = wallet_verify(cache, "sync", "--server", server.url)
    assert synced.returncode == 0, synced.stderr
    yield World(server, parties, mother, son, stranger, credential, mandate, TrustCache(cache).load(), cache)


def _attest(world: World, who: RawCitizen, mandate: str, credential: str) -> httpx.Response:
    path = f"/v1/me/mandates/{mandate}/attestation"
    return who.request("POST", path, json={"credential_id": credential})


def _attested(world: World) -> dict[str, Any]:
    response = _attest(world, world.son, world.mandate, world.credential)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _presented(
    attestation: str | None, sd_jwt: str, key: crypto.EcPrivateKey, *, nonce: str = NONCE, aud: str = AUDIENCE
) -> str:
    kb = crypto.present(
        sd_jwt,
        disclose=["full_name"],
        holder_key=key,
        nonce=nonce,
        audience=aud,
        now=int(time.time()),
        delegated=True,
    )
    return kb if attestation is None else join_presentation(attestation, kb)


def _offline(world: World, text: str, *, now: int | None = None) -> qr.offline.Verdict:
    return verify_credential(
        world.store, text, now=int(time.time()) if now is None else now, nonce=NONCE, audience=AUDIENCE
    )


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    parsed: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return parsed


def test_the_delegate_presents_with_their_own_key_and_every_verifier_says_so(world: World) -> None:
    issued = _attested(world)
    claims = _claims(issued["attestation"])
    assert crypto.unverified_header(issued["attestation"])["typ"] == MANDATE_TYP
    assert claims["exp"] - claims["iat"] <= 300 and claims["mid"] == world.mandate
    assert claims["cnf"]["jwk"]["x"] == crypto.public_jwk(world.son.key)["x"]
    assert claims["represented_name"] == "Lê Thị Hoa" and claims["delegate_name"] == "Lê Văn Nam"
    assert claims["credentials"] == ["birth-certificate"]
    text = _presented(issued["attestation"], issued["sd_jwt"], world.son.key)

    verdict = _offline(world, text)  # the library wallet-verify runs
    assert verdict.valid, verdict.reasons
    assert verdict.mandate is not None and "Lê Văn Nam" in verdict.mandate.words()[1]
    assert verdict.claims.get("full_name") == "Nguyễn Thị Minh Khai"

    path = world.cache.parent / "presentation.txt"
    path.write_text(text)
    shown = wallet_verify(world.cache, "credential", str(path), "--nonce", NONCE, "--audience", AUDIENCE)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "Do Lê Văn Nam xuất trình thay Lê Thị Hoa theo uỷ quyền" in shown.stdout
    assert "Presented by Lê Văn Nam for Lê Thị Hoa under a mandate, until" in shown.stdout

    # online: with the attestation the presentation outgrows a version-25 QR code, so the delegate
    # parks it behind the one-time link and shows that (a WR1 code), as phones do for big ones
    fresh = _attested(world)
    ticket = httpx.post(world.server.url + "/v1/verify/nonces").json()
    online_text = _presented(
        fresh["attestation"], fresh["sd_jwt"], world.son.key, nonce=ticket["nonce"], aud=ticket["audience"]
    )
    with pytest.raises(qr.QrError):
        qr.encode_presentation(online_text)
    parked = world.son.request("POST", "/v1/me/presentations", json={"presentation": online_text})
    assert parked.status_code == 201, parked.text
    payload = base64.b64encode(qr.encode_reference(parked.json()["reference"])).decode()
    body = {"payload": payload, "encoding": "base64", "ticket": ticket["ticket"]}
    online = httpx.post(world.server.url + "/v1/verify", json=body).json()
    assert online["valid"], online["reasons"]
    assert online["mandate"]["delegate"] == "Lê Văn Nam" and online["mandate"]["represented"] == "Lê Thị Hoa"
    assert online["mandate"]["vi"].startswith("Do Lê Văn Nam xuất trình thay Lê Thị Hoa")

    # both logs say so, before the attestation was answered
    def entries(person: RawCitizen) -> list[dict[str, Any]]:
        page = person.request("GET", "/v1/me/log", params={"limit": 500}).json()["entries"]
        return [e for e in page if json.loads(e["data"])["action"] == "present"]

    mine = entries(world.mother)
    assert len(mine) >= 2 and all(
        json.loads(e["data"])["agency_id"] == f"mandate:{world.mandate}" for e in mine
    )
    assert "Lê Văn Nam presented your birth certificate for you (under a mandate)" in mine[0]["text_en"]
    theirs = entries(world.son)
    assert (
        len(theirs) == len(mine)
        and "You presented the birth certificate of Lê Thị Hoa" in theirs[0]["text_en"]
    )


def test_a_key_binding_by_anyone_but_the_named_delegate_is_refused(world: World) -> None:
    issued = _attested(world)
    for key in (world.mother.key, world.stranger.key, crypto.generate_private_key()):
        verdict = _offline(world, _presented(issued["attestation"], issued["sd_jwt"], key))
        assert not verdict.valid and verdict.reasons == ["mandate_wrong_key"]
    # without the attestation the delegate's key is not the holder's at all
    plain = _offline(world, _presented(None, issued["sd_jwt"], world.son.key))
    assert not plain.valid and "bad_key_binding" in plain.reasons
    wrong_nonce = _offline(
        world, _presented(issued["attestation"], issued["sd_jwt"], world.son.key, nonce="1")
    )
    assert wrong_nonce.reasons == ["wrong_nonce"]


def test_an_attestation_lives_five_minutes_and_binds_one_credential(world: World) -> None:
    issued = _attested(world)
    text = _presented(issued["attestation"], issued["sd_jwt"], world.son.key)
    assert _offline(world, text).valid
    late = _offline(world, text, now=_claims(issued["attestation"])["exp"] + 31)
    assert not late.valid and "mandate_expired" in late.reasons

    other = issue_birth_certificate(world.parties.issuer, world.mother)
    second = world.son.request(
        "GET", f"/v1/me/credentials/{other}", headers={"Wallet-Mandate": world.mandate}
    )
    assert second.status_code == 200, second.text
    swapped = _presented(issued["attestation"], second.json()["sd_jwt"], world.son.key)
    verdict = _offline(world, swapped)
    assert not verdict.valid and verdict.reasons == ["mandate_wrong_credential"]


def test_a_forged_or_altered_attestation_is_refused(world: World) -> None:
    issued = _attested(world)
    token, sd_jwt = issued["attestation"], issued["sd_jwt"]
    header = crypto.unverified_header(token)
    claims = _claims(token)
    forged = crypto.sign_jws(crypto.generate_private_key(), claims, typ=MANDATE_TYP, kid=header["kid"])
    # the delegate writes themself a longer life and a wider scope: the signature no longer holds
    head, _, rest = token.partition(".")
    altered_claims = {**claims, "exp": claims["exp"] + 86400, "delegate_name": "Ai đó"}
    altered = (
        head + "." + crypto.b64url_encode(json.dumps(altered_claims).encode()) + "." + rest.split(".", 1)[1]
    )
    unsigned = (
        crypto.b64url_encode(json.dumps({**header, "alg": "none"}).encode()) + "." + token.split(".")[1] + "."
    )
    wrong_typ = crypto.sign_jws(crypto.generate_private_key(), claims, typ="JWT", kid=header["kid"])
    for bad in (forged, altered, unsigned, wrong_typ):
        verdict = _offline(world, _presented(bad, sd_jwt, world.son.key))
        assert not verdict.valid and verdict.reasons in (["mandate_bad_signature"], ["mandate_malformed"]), (
            bad
        )
    assert _offline(world, _presented("not.a-jws", sd_jwt, world.son.key)).reasons in (
        ["mandate_malformed"],
        ["mandate_bad_signature"],
    )
    attestation, rest_text = split_presentation(_presented(token, sd_jwt, world.son.key))
    assert attestation == token and "~~" not in rest_text


def test_the_wallet_gives_attestations_only_to_the_delegate_for_covered_credentials(world: World) -> None:
    problem = assert_problem(_attest(world, world.stranger, world.mandate, world.credential), 404)
    assert problem["code"] == "mandate_not_found"
    assert assert_problem(_attest(world, world.mother, world.mandate, world.credential), 404)["code"] == (
        "mandate_not_found"
    )  # the represented citizen is not the delegate
    theirs = issue_birth_certificate(world.parties.issuer, world.stranger)
    problem = assert_problem(_attest(world, world.son, world.mandate, theirs), 404)
    assert problem["code"] == "credential_not_found"
    documents_only = _grant(world.mother, world.son, {"documents": ["birth-certificate"]})
    problem = assert_problem(_attest(world, world.son, documents_only, world.credential), 403)
    assert problem["code"] == "mandate_out_of_scope"
    under = world.son.request(
        "POST",
        f"/v1/me/mandates/{world.mandate}/attestation",
        json={"credential_id": world.credential},
        headers={"Wallet-Mandate": world.mandate},
    )
    assert assert_problem(under, 403)["code"] == "mandate_not_allowed"
    malformed = _attest(world, world.son, "not-a-uuid", world.credential)
    assert assert_problem(malformed, 404)["code"] == "mandate_not_found"


def test_a_revoked_mandate_gives_no_new_attestation_and_an_old_one_dies_young(world: World) -> None:
    mandate = _grant(world.mother, world.son, {"credentials": ["birth-certificate"]})
    before = _attest(world, world.son, mandate, world.credential)
    assert before.status_code == 201
    assert world.mother.request("DELETE", f"/v1/me/mandates/{mandate}").status_code == 200
    problem = assert_problem(_attest(world, world.son, mandate, world.credential), 403)
    assert problem["code"] == "mandate_not_valid"
    old = before.json()
    text = _presented(old["attestation"], old["sd_jwt"], world.son.key)
    assert _offline(world, text).valid  # offline, nothing can know of the revocation for its 5 minutes
    assert "mandate_expired" in _offline(world, text, now=_claims(old["attestation"])["exp"] + 31).reasons

    # online, the service knows at once: the same attestation, within its five minutes, is refused
    ticket = httpx.post(world.server.url + "/v1/verify/nonces").json()
    online_text = _presented(
        old["attestation"], old["sd_jwt"], world.son.key, nonce=ticket["nonce"], aud=ticket["audience"]
    )
    parked = world.son.request("POST", "/v1/me/presentations", json={"presentation": online_text})
    assert parked.status_code == 201, parked.text
    payload = base64.b64encode(qr.encode_reference(parked.json()["reference"])).decode()
    body = {"payload": payload, "encoding": "base64", "ticket": ticket["ticket"]}
    online = httpx.post(world.server.url + "/v1/verify", json=body).json()
    assert not online["valid"] and [r["code"] for r in online["reasons"]] == ["mandate_ended"]
    [reason] = online["reasons"]
    assert reason["vi"].startswith("Uỷ quyền đã bị thu hồi") and "revoked" in reason["en"]
