"""Expiry with a pinned clock: the app in-process over its ASGI interface, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

import crypto
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.raw import ASSERTION_TYPE, valid_cccd
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.routes.operator import metrics_token
from wallet_api.settings import Settings


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


def _login(client: TestClient, key: crypto.EcPrivateKey, citizen_id: str, now: int) -> str:  # type: ignore[type-arg]
    url = BASE + "/v1/token"
    r = client.post(
        "/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": citizen_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(key, citizen_id, url, now=now),
        },
        headers={"DPoP": crypto.make_dpop_proof(key, "POST", url, now=now)},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_expired_token_is_refused(settings: Settings) -> None:
    clock = Clock(1_800_000_000)
    initialise(settings)
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        key = crypto.generate_private_key()
        cccd, dob = valid_cccd()
        r = client.post(
            "/v1/citizens",
            json={
                "cccd": cccd,
                "full_name": "Đỗ Mười",
                "date_of_birth": dob,
                "device_jwk": crypto.public_jwk(key),
            },
        )
        citizen_id = r.json()["citizen_id"]
        token = _login(client, key, citizen_id, int(clock.now))

        def get_me() -> int:
            proof = crypto.make_dpop_proof(
                key, "GET", BASE + "/v1/me", now=int(clock.now), access_token=token
            )
            return client.get("/v1/me", headers={"Authorization": f"DPoP {token}", "DPoP": proof}).status_code

        assert get_me() == 200
        clock.now += settings.token_ttl_seconds - 1
        assert get_me() == 200
        clock.now += 2
        assert get_me() == 401
        # an assertion from the past is refused too
        stale = int(clock.now) - 3600
        url = BASE + "/v1/token"
        r = client.post(
            "/v1/token",
            data={
                "grant_type": "client_credentials",
                "client_id": citizen_id,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": crypto.make_client_assertion(key, citizen_id, url, now=stale),
            },
            headers={"DPoP": crypto.make_dpop_proof(key, "POST", url, now=int(clock.now))},
        )
        assert r.status_code == 401


def test_openapi_document_describes_v1(settings: Settings) -> None:
    initialise(settings)
    with TestClient(create_app(settings), base_url=BASE) as client:
        doc = client.get("/openapi/openapi.json").json()
        assert doc["openapi"].startswith("3.")
        for path in (
            "/v1/citizens",
            "/v1/token",
            "/v1/me",
            "/v1/me/documents",
            "/v1/me/documents/{document_id}",
            "/v1/me/documents/{document_id}/content",
            "/v1/me/export",
            "/.well-known/jwks.json",
            "/health",
        ):
            assert path in doc["paths"], path
        assert client.get("/openapi/").status_code == 200


def test_strict_mode_refuses_self_asserted_enrolment(tmp_path: Path) -> None:
    settings = Settings.for_data_dir(tmp_path / "strict", mode="strict", public_url=BASE)
    initialise(settings)
    with TestClient(create_app(settings), base_url=BASE) as client:
        cccd, dob = valid_cccd()
        jwk = crypto.public_jwk(crypto.generate_private_key())
        r = client.post(
            "/v1/citizens",
            json={"cccd": cccd, "full_name": "Lý Thường Kiệt", "date_of_birth": dob, "device_jwk": jwk},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 403 and r.json()["code"] == "enrolment_requires_idp"


def test_metrics_are_exposed(tmp_path: Path) -> None:
    settings = Settings.for_data_dir(tmp_path / "metrics", public_url=BASE)
    initialise(settings)
    with TestClient(create_app(settings), base_url=BASE) as client:
        assert client.get("/health").status_code == 200
        token = metrics_token(crypto.open_master_key(settings.master_key_url))
        body = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
        assert "wallet_requests_total" in body and 'path="/health"' in body


def test_metrics_need_the_operator_credential(tmp_path: Path) -> None:
    settings = Settings.for_data_dir(tmp_path / "metrics", public_url=BASE)
    initialise(settings)
    token = metrics_token(crypto.open_master_key(settings.master_key_url))
    with TestClient(create_app(settings), base_url=BASE) as client:
        for headers in (
            {},
            {"Authorization": "Bearer " + token[:-1] + ("A" if token[-1] != "A" else "B")},
            {"Authorization": f"Basic {token}"},
            {"Authorization": f"DPoP {token}"},
            {"Authorization": "Bearer "},
        ):
            r = client.get("/metrics", headers={**headers, "Accept-Language": "en"})
            assert r.status_code == 401, headers
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "operator_credential_required"
            assert "wallet_" not in r.text and r.headers["www-authenticate"].startswith("Bearer")
        assert "/metrics" not in client.get("/openapi/openapi.json").json()["paths"]
