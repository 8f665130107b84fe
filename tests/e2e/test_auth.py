"""Tokens and DPoP over real HTTP: every way to present a bad credential gets 401 and nothing."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest

import crypto
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _assert_unauthorised(r: httpx.Response) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "invalid_token"
    assert "citizen_id" not in r.text and "cccd" not in r.text


def test_token_then_profile(citizen: RawCitizen) -> None:
    r = citizen.request("GET", "/v1/me")
    assert r.status_code == 200
    assert r.json()["full_name"] == "Nguyễn Thị Minh Khai"
    assert r.json()["cccd"] == citizen.cccd


def test_token_without_dpop_proof(citizen: RawCitizen) -> None:
    _assert_unauthorised(
        citizen.http.get(citizen.base_url + "/v1/me", headers={"Authorization": f"DPoP {citizen.token}"})
    )


def test_token_as_bearer_is_refused(citizen: RawCitizen) -> None:
    headers = citizen.headers("GET", "/v1/me")
    headers["Authorization"] = f"Bearer {citizen.token}"
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_proof_for_another_url(citizen: RawCitizen) -> None:
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": citizen.proof("GET", "/v1/me/documents")}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_proof_for_another_method(citizen: RawCitizen) -> None:
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": citizen.proof("DELETE", "/v1/me")}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_replayed_proof(citizen: RawCitizen) -> None:
    headers = citizen.headers("GET", "/v1/me")
    assert citizen.http.get(citizen.base_url + "/v1/me", headers=headers).status_code == 200
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_stale_proof(citizen: RawCitizen) -> None:
    old = int(time.time()) - 600
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": citizen.proof("GET", "/v1/me", now=old)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_proof_signed_by_another_key(citizen: RawCitizen) -> None:
    other = crypto.generate_private_key()
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": citizen.proof("GET", "/v1/me", key=other)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_token_with_alg_none(citizen: RawCitizen) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    payload = citizen.token.split(".")[1]
    forged = f"{header}.{payload}."
    headers = {"Authorization": f"DPoP {forged}", "DPoP": citizen.proof("GET", "/v1/me", token=forged)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_token_hs256_keyed_with_service_public_key(citizen: RawCitizen, server: WalletServer) -> None:
    from jose import jwt

    jwk = httpx.get(server.url + "/.well-known/jwks.json").json()["keys"][0]
    public = crypto.public_key_from_jwk(jwk)
    from cryptography.hazmat.primitives import serialization

    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = json.loads(base64.urlsafe_b64decode(citizen.token.split(".")[1] + "=="))
    import hashlib
    import hmac

    header = _b64(
        json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": "wallet-at-1"}, separators=(",", ":")).encode()
    )
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{_b64(mac)}"
    headers = {"Authorization": f"DPoP {forged}", "DPoP": citizen.proof("GET", "/v1/me", token=forged)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))
    # the same forgery through a JOSE library, with the JWK as the "secret"
    forged2 = jwt.encode(claims, json.dumps(jwk), algorithm="HS256")
    headers = {"Authorization": f"DPoP {forged2}", "DPoP": citizen.proof("GET", "/v1/me", token=forged2)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_tampered_token_claims(citizen: RawCitizen, server: WalletServer) -> None:
    other = RawCitizen(server.url)
    assert other.enrol().status_code == 201
    header, body, mac = citizen.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = other.citizen_id
    forged = ".".join([header, _b64(json.dumps(claims, separators=(",", ":")).encode()), mac])
    headers = {"Authorization": f"DPoP {forged}", "DPoP": citizen.proof("GET", "/v1/me", token=forged)}
    _assert_unauthorised(citizen.http.get(citizen.base_url + "/v1/me", headers=headers))


def test_login_with_wrong_device_key(server: WalletServer) -> None:
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    person.key = crypto.generate_private_key()
    r = person.login()
    assert r.status_code == 401 and r.json()["code"] == "invalid_client"


def test_login_assertion_replayed(server: WalletServer) -> None:
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    url = server.url + "/v1/token"
    now = int(time.time())
    assertion = crypto.make_client_assertion(person.key, person.citizen_id, url, now=now)
    form = {
        "grant_type": "client_credentials",
        "client_id": person.citizen_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    first = httpx.post(
        url, data=form, headers={"DPoP": crypto.make_dpop_proof(person.key, "POST", url, now=now)}
    )
    assert first.status_code == 200
    again = httpx.post(
        url, data=form, headers={"DPoP": crypto.make_dpop_proof(person.key, "POST", url, now=now)}
    )
    assert again.status_code == 401


def test_login_unknown_client(server: WalletServer) -> None:
    person = RawCitizen(server.url)
    person.citizen_id = "00000000-0000-4000-8000-000000000000"
    assert person.login().status_code == 401


@pytest.mark.parametrize(
    "lang, title",
    [("vi", "Chưa xác thực"), ("en", "Not authenticated"), ("fr, en;q=0.5", "Not authenticated")],
)
def test_problem_language(server: WalletServer, lang: str, title: str) -> None:
    r = httpx.get(server.url + "/v1/me", headers={"Accept-Language": lang})
    assert r.status_code == 401
    assert r.json()["title"] == title


def test_replay_detected_across_workers_and_restart(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(workers=2)
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    headers = person.headers("GET", "/v1/me")
    assert person.http.get(server.url + "/v1/me", headers=headers).status_code == 200
    for _ in range(6):  # fresh connections land on either worker
        with httpx.Client() as fresh:
            _assert_unauthorised(fresh.get(server.url + "/v1/me", headers=headers))
    server.stop()
    server.start()
    _assert_unauthorised(httpx.get(server.url + "/v1/me", headers=headers))


def test_collector_forgets_expired_one_time_ids(make_server, backend_of) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    server = make_server()
    metadata, _ = backend_of(server)
    guard = metadata.replay_guard()
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    future = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert guard.remember("dpop", "old-proof", past) and guard.remember("dpop", "live-proof", future)
    result = server.wallet("collect", "--grace", "0")
    assert "Forgot 1 expired one-time ids" in result.stdout
    assert guard.remember("dpop", "old-proof", future) is True  # gone
    assert guard.remember("dpop", "live-proof", future) is False  # still refused as a replay
