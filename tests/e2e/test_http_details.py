"""HTTP details an outside review found: caching, connection reuse after a refusal, DPoP origins,
standard client assertions, the operator's metrics, parked presentations and self-served assets."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import crypto
from tests.support.raw import ASSERTION_TYPE, RawCitizen
from tests.support.server import WalletServer

PDF = b"%PDF-1.7\n" + b"x" * 4000 + b"\n%%EOF\n"
SWAGGER = Path(__file__).parents[2] / "wallet_api" / "static" / "swagger"


def test_every_me_answer_says_no_store(citizen: RawCitizen) -> None:
    created = citizen.upload(PDF)
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    for path in ("/v1/me", "/v1/me/documents", f"/v1/me/documents/{created.json()['id']}"):
        assert citizen.request("GET", path).headers["cache-control"] == "no-store", path


def test_a_refused_upload_closes_the_connection_and_the_next_request_works(
    make_server: Callable[..., WalletServer],
) -> None:
    server = make_server(env={"WALLET_MAX_UPLOAD_BYTES": "100000"})
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201 and person.login().status_code == 200
    too_big = b"%PDF-" + b"x" * 300_000
    for _ in range(10):  # the client keeps its connection pool between the two requests
        refused = person.request(
            "POST",
            "/v1/me/documents?type=other",
            content=too_big,
            headers={"Content-Type": "application/pdf"},
        )
        assert refused.status_code == 413 and refused.headers["connection"] == "close"
        assert refused.json()["detail"] == "Kích thước tối đa là 100000 byte."
        assert person.request("GET", "/v1/me").status_code == 200


def test_a_refused_upload_says_close_before_its_body_is_read(server: WalletServer) -> None:
    """Refused before a byte of the body (no token at all): still ``Connection: close``."""
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            "POST /v1/me/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/pdf\r\n"
            "Content-Length: 5000000\r\n\r\n"
        )
        sock.sendall(head.encode() + b"%PDF-" + b"x" * 1000)
        answer = sock.recv(65536).decode("latin-1").lower()
    assert answer.startswith("http/1.1 401") and "connection: close" in answer


def _dpop_get(citizen: RawCitizen, url: str, host: str | None = None) -> httpx.Response:
    proof = crypto.make_dpop_proof(citizen.key, "GET", url, now=int(time.time()), access_token=citizen.token)
    headers = {"Authorization": f"DPoP {citizen.token}", "DPoP": proof}
    if host:
        headers["Host"] = host
    return citizen.http.get(citizen.base_url + "/v1/me", headers=headers)


def test_dpop_names_a_configured_origin_never_the_host_the_client_sends(citizen: RawCitizen) -> None:
    port = citizen.base_url.rsplit(":", 1)[1]
    assert _dpop_get(citizen, citizen.base_url + "/v1/me").status_code == 200
    evil = _dpop_get(citizen, "http://evil.example/v1/me", host="evil.example")
    assert evil.status_code == 401 and evil.json()["code"] == "invalid_token"
    spoofed_port = _dpop_get(citizen, "http://127.0.0.1:1/v1/me", host="127.0.0.1:1")
    assert spoofed_port.status_code == 401
    # The loopback bind's twin name is configured too: a browser at http://localhost:<port> works.
    twin = _dpop_get(citizen, f"http://localhost:{port}/v1/me", host=f"localhost:{port}")
    assert twin.status_code == 200


def test_public_url_lists_the_origins(make_server: Callable[..., WalletServer]) -> None:
    server = make_server(env={"WALLET_PUBLIC_URL": "https://wallet.gov.example,http://127.0.0.1:1"})
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    url = "https://wallet.gov.example/v1/token"  # what a client behind the proxy names
    now = int(time.time())
    r = person.http.post(
        server.url + "/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": person.citizen_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": crypto.make_client_assertion(person.key, person.citizen_id, url, now=now),
        },
        headers={"DPoP": crypto.make_dpop_proof(person.key, "POST", url, now=now)},
    )
    assert r.status_code == 200, r.text
    person.token = r.json()["access_token"]
    assert _dpop_get(person, "https://wallet.gov.example/v1/me").status_code == 200
    assert _dpop_get(person, server.url + "/v1/me").status_code == 401  # not configured


@pytest.mark.parametrize("typ", ["JWT", "client-assertion+jwt"])
def test_token_endpoint_takes_standard_rfc7523_assertions(server: WalletServer, typ: str) -> None:
    person = RawCitizen(server.url)
    assert person.enrol().status_code == 201
    url, now = server.url + "/v1/token", int(time.time())
    claims = {
        "iss": person.citizen_id,
        "sub": person.citizen_id,
        "aud": url,
        "iat": now,
        "exp": now + 60,
        "jti": crypto.new_key().hex(),
    }
    form = {
        "grant_type": "client_credentials",
        "client_id": person.citizen_id,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": crypto.sign_jws(person.key, claims, typ=typ),
    }
    proof = crypto.make_dpop_proof(person.key, "POST", url, now=now)
    assert person.http.post(url, data=form, headers={"DPoP": proof}).status_code == 200
    replay = person.http.post(
        url, data=form, headers={"DPoP": crypto.make_dpop_proof(person.key, "POST", url, now=now)}
    )
    assert replay.status_code == 401  # the jti is still single use
    form["client_assertion"] = crypto.sign_jws(person.key, {**claims, "jti": "other"}, typ="dpop+jwt")
    proof = crypto.make_dpop_proof(person.key, "POST", url, now=now)
    assert person.http.post(url, data=form, headers={"DPoP": proof}).status_code == 401


def test_metrics_need_the_operator_credential(server: WalletServer) -> None:
    assert httpx.get(server.url + "/health").status_code == 200
    anonymous = httpx.get(server.url + "/metrics")
    assert anonymous.status_code == 401 and "wallet_requests_total" not in anonymous.text
    token = server.wallet("metrics", "token").stdout.strip()
    assert len(token) >= 40
    scraped = httpx.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and "wallet_requests_total" in scraped.text


def _presentation(citizen: RawCitizen) -> str:
    issuer = crypto.generate_private_key()
    issued = crypto.issue_sd_jwt_vc(
        issuer,
        kid="k",
        iss="https://issuer.example",
        vct="citizen-id",
        claims={"full_name": "Trần Thị Thu"},
        holder_jwk=crypto.public_jwk(citizen.key),
        now=int(time.time()),
        lifetime=3600,
    )
    return crypto.present(
        issued.sd_jwt,
        disclose=[("full_name",)],
        holder_key=citizen.key,
        nonce="123456",
        audience=citizen.base_url + "/verify",
        now=int(time.time()),
    )


@pytest.mark.parametrize(
    "text",
    [
        "<html><script>alert(1)</script></html>",
        "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",  # a JWS, no disclosures, no key binding
        "not~an~sd-jwt~",
    ],
)
def test_only_presentations_are_parked(citizen: RawCitizen, text: str) -> None:
    r = citizen.request("POST", "/v1/me/presentations", json={"presentation": text})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


def test_a_parked_presentation_is_served_once_and_never_sniffed(citizen: RawCitizen) -> None:
    presentation = _presentation(citizen)
    without_kb = presentation.rsplit("~", 1)[0] + "~"
    assert (
        citizen.request("POST", "/v1/me/presentations", json={"presentation": without_kb}).status_code == 400
    )
    parked = citizen.request("POST", "/v1/me/presentations", json={"presentation": presentation})
    assert parked.status_code == 201, parked.text
    served = httpx.get(parked.json()["url"])
    assert served.status_code == 200 and served.text == presentation
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-type"].startswith("text/plain")


def test_verify_page_names_its_charset_once(server: WalletServer) -> None:
    r = httpx.get(server.url + "/verify")
    assert r.headers["content-type"] == "text/html; charset=utf-8"


def test_verify_page_decoder_is_served_by_the_service_and_pinned(server: WalletServer) -> None:
    page = httpx.get(server.url + "/verify")
    csp = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # WebAssembly, never JS eval
    assert directives["connect-src"] == "'self'" and directives["default-src"] == "'none'"
    assert "https://" not in page.text and "cdn" not in page.text.lower()
    zxing = SWAGGER.parent / "zxing"
    wasm = httpx.get(server.url + "/static/zxing/zxing_reader.wasm")
    assert wasm.status_code == 200 and wasm.headers["content-type"] == "application/wasm"
    pinned = (zxing / "README.md").read_text()
    for name in ("zxing-reader.js", "zxing_reader.wasm"):
        served = httpx.get(f"{server.url}/static/zxing/{name}").content
        assert served == (zxing / name).read_bytes()
        assert hashlib.sha256(served).hexdigest() in pinned, name
    for name in ("LICENSE", "LICENSE.zxing-cpp"):
        assert (zxing / name).stat().st_size > 1000, name


def test_api_page_is_served_by_the_service(server: WalletServer) -> None:
    page = httpx.get(server.url + "/openapi/")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-eval" not in csp
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js"):
        asset = httpx.get(f"{server.url}/static/swagger/{name}")
        assert asset.status_code == 200 and asset.content == (SWAGGER / name).read_bytes()
    pinned = (SWAGGER / "README.md").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert hashlib.sha256((SWAGGER / name).read_bytes()).hexdigest() in pinned, name


def test_api_page_renders_in_a_browser_without_leaving_the_service(server: WalletServer) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_web_verifier import CHROMIUM

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as manager:
        browser = manager.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        try:
            page = browser.new_page()
            page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url + "/openapi/")
            page.wait_for_selector(".opblock-summary-path[data-path='/v1/me/documents']", timeout=30_000)
        finally:
            browser.close()
    assert outside == []
    assert not [e for e in errors if "Content Security Policy" in e], errors
