"""Counter nonces: issued by the service, single use, short-lived, one per scan.

The /verify page used to make its own nonce once per page load and the server never checked it,
so one presentation QR showed valid twice. Here every way of reusing, forging, or outliving a
nonce is refused, on the embedded default and on PostgreSQL + S3; and a code pasted at a counter
with no camera goes through the same checks as a scanned one.
"""

from __future__ import annotations

import base64
import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

import crypto
import qr
from tests.support.agencies import BIRTH_CLAIMS, register
from tests.support.counter import counter_nonce, scan
from tests.support.inprocess import BACKENDS, BASE, Clock, backend_settings
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.app import create_app
from wallet_api.bootstrap import initialise
from wallet_api.settings import Settings

BIRTH = "urn:vn:wallet:vct:birth-certificate:1"
T0 = 1_790_000_000.0
# Not a valid presentation: the nonce is checked first, so its verdict names only the nonce.
UNBOUND = qr.encode_presentation("eyJhbGciOiJFUzI1NiJ9.e30.c2ln~")


def _codes(verdict: dict[str, Any]) -> list[str]:
    return [r["code"] for r in verdict["reasons"]]


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, tmp_path)


@pytest.fixture
def counter(settings: Settings) -> Iterator[tuple[Clock, TestClient]]:  # type: ignore[type-arg]
    clock = Clock(T0)
    initialise(settings)
    with TestClient(create_app(settings, clock=clock), base_url=BASE) as client:
        yield clock, client


def _issue(client: TestClient) -> dict[str, Any]:  # type: ignore[type-arg]
    r = client.post("/v1/verify/nonces")
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store", r.text
    issued: dict[str, Any] = r.json()
    return issued


def _check(client: TestClient, payload: bytes, ticket: str | None) -> dict[str, Any]:  # type: ignore[type-arg]
    body = {"payload": base64.b64encode(payload).decode(), "ticket": ticket}
    r = client.post("/v1/verify", json=body)
    assert r.status_code == 200, r.text
    verdict: dict[str, Any] = r.json()
    return verdict


def test_a_nonce_is_the_services_short_and_fresh(counter: tuple[Clock, TestClient]) -> None:  # type: ignore[type-arg]
    _, client = counter
    issued = [_issue(client) for _ in range(20)]
    assert all(len(i["nonce"]) == 8 and i["nonce"].isdigit() for i in issued)
    assert len({i["nonce"] for i in issued}) == 20 and len({i["ticket"] for i in issued}) == 20
    assert {i["audience"] for i in issued} == {BASE + "/verify"} and {i["expires_in"] for i in issued} == {
        300
    }


def test_a_nonce_counts_once(counter: tuple[Clock, TestClient]) -> None:  # type: ignore[type-arg]
    _, client = counter
    ticket = _issue(client)["ticket"]
    assert "nonce_used" not in _codes(_check(client, UNBOUND, ticket))
    assert _codes(_check(client, UNBOUND, ticket)) == ["nonce_used"]


def test_a_nonce_expires(counter: tuple[Clock, TestClient]) -> None:  # type: ignore[type-arg]
    clock, client = counter
    late, on_time = _issue(client)["ticket"], _issue(client)["ticket"]
    clock.now += 300
    assert "nonce_expired" not in _codes(_check(client, UNBOUND, on_time))
    clock.now += 1
    assert _codes(_check(client, UNBOUND, late)) == ["nonce_expired"]


def test_a_presentation_needs_a_nonce_from_the_service(counter: tuple[Clock, TestClient]) -> None:  # type: ignore[type-arg]
    _, client = counter
    version, expires, nonce, mac = _issue(client)["ticket"].split(".")
    other_nonce = str((int(nonce) + 1) % 10**8).zfill(8)
    forged = [
        f"{version}.{expires}.{other_nonce}.{mac}",  # the counter's own pick, with a real MAC
        f"{version}.{int(expires) + 3600}.{nonce}.{mac}",  # kept alive longer
        f"{version}.{expires}.{nonce}.{mac[:-2]}AA",
        f"n0.{expires}.{nonce}.{mac}",
        "quay-7",
        "....",
        "n1.9999999999999999999999.1.x",
        "n1.-1.00000000.x",
    ]
    for ticket in forged:
        assert _codes(_check(client, UNBOUND, ticket)) == ["nonce_unknown"], ticket
    assert _codes(_check(client, UNBOUND, None)) == ["nonce_missing"]
    assert _codes(_check(client, UNBOUND, "")) == ["nonce_missing"]
    r = client.post("/v1/verify", json={"payload": "V1Ax", "ticket": "n1." + "9" * 300})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    r = client.post("/v1/verify", json={"payload": "V1Ax", "nonce": "123", "audience": BASE})
    assert r.status_code == 400, "a nonce the counter picked itself is not accepted any more"


def test_scanning_an_identity_code_spends_the_nonce_too(counter: tuple[Clock, TestClient]) -> None:  # type: ignore[type-arg]
    clock, client = counter
    ticket = _issue(client)["ticket"]
    forged_identity = qr.encode_identity(  # refused for its key, but the scan happened
        crypto.generate_private_key(),
        qr.disclose(
            full_name="Lê Văn Tám", date_of_birth="1980-02-03", cccd="001080012345", status="verified"
        ),
        not_before=int(clock.now) - 10,
    )
    assert _check(client, forged_identity, ticket)["valid"] is False
    assert _codes(_check(client, UNBOUND, ticket)) == ["nonce_used"]


def test_racing_scans_with_one_nonce_count_once(server: WalletServer) -> None:
    ticket = counter_nonce(server)["ticket"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(lambda _: scan(server, UNBOUND, ticket), range(8)))
    assert sum("nonce_used" not in _codes(v) for v in verdicts) == 1, verdicts


@pytest.fixture
def presented(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """A birth certificate presented (name and date of birth) for a fresh counter nonce."""
    agency = register(server, tmp_path, types="birth-certificate")
    text = agency.client().sign_credential(citizen.cccd, BIRTH, BIRTH_CLAIMS)
    agency.client().issue_credential(citizen.cccd, text)
    issued = counter_nonce(server)
    shown = crypto.present(
        text,
        disclose=["full_name", "date_of_birth"],
        holder_key=citizen.key,
        nonce=issued["nonce"],
        audience=issued["audience"],
        now=int(time.time()),
    )
    return shown, issued


def test_the_verdict_shows_catalog_labels_and_vietnamese_dates(
    server: WalletServer, presented: tuple[str, dict[str, Any]]
) -> None:
    shown, issued = presented
    verdict = scan(server, qr.encode_presentation(shown), issued["ticket"])
    assert verdict["valid"] is True, verdict
    assert verdict["document"] == {"vi": "Giấy khai sinh", "en": "Birth certificate"}
    fields = {f["key"]: f for f in verdict["fields"]}
    # What was disclosed and what the type always shows; technical claims (cnf, status, vct) never.
    assert set(fields) == {"full_name", "date_of_birth", "registration_number"}, fields
    assert fields["registration_number"]["label_vi"] == "Số đăng ký"
    born = fields["date_of_birth"]
    assert (born["label_vi"], born["value_vi"]) == ("Ngày sinh", "01/05/1990")
    assert (born["label_en"], born["value_en"]) == ("Date of birth", "1 May 1990")
    assert fields["full_name"]["value_vi"] == "Nguyễn Thị Minh Khai"


def test_a_pasted_code_is_checked_like_a_scanned_one(
    server: WalletServer, citizen: RawCitizen, presented: tuple[str, dict[str, Any]]
) -> None:
    shown, issued = presented

    def paste(text: str, ticket: str | None) -> dict[str, Any]:
        r = httpx.post(
            server.url + "/v1/verify",
            json={"payload": text, "encoding": "text", "ticket": ticket},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        verdict: dict[str, Any] = r.json()
        return verdict

    parked = citizen.request("POST", "/v1/me/presentations", json={"presentation": shown}).json()
    assert paste(f"  {parked['url']}\n", issued["ticket"])["valid"] is True  # the link the phone shows
    assert _codes(paste(parked["url"], counter_nonce(server)["ticket"])) == ["already_used"]
    # The presentation's own text, and the base64 of a scanned payload, with line breaks from copying.
    assert _codes(paste(shown, counter_nonce(server)["ticket"])) == ["wrong_nonce"]
    wrapped = base64.b64encode(qr.encode_presentation(shown)).decode()
    wrapped = "\n".join(wrapped[i : i + 60] for i in range(0, len(wrapped), 60))
    assert _codes(paste(wrapped, counter_nonce(server)["ticket"])) == ["wrong_nonce"]
    for junk in ("xin chào", "Đặng Thuỳ Trâm", "ftp://example.invalid/x", "\u202e12345678"):
        verdict = paste(junk, counter_nonce(server)["ticket"])
        assert verdict["valid"] is False and verdict["reasons"], (junk, verdict)
    r = httpx.post(server.url + "/v1/verify", json={"payload": "abc", "encoding": "hex"}, timeout=30)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
