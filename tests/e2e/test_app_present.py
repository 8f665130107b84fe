"""The citizen app's presentation QR (views/present.js) in Chromium, with a key made in the page.

The page builds the presentation itself (the chosen claims only, bound to the counter's nonce by a
key-binding token signed with its non-extractable key); the QR drawn on screen is read back from a
screenshot by zxing-cpp (what ``wallet-verify scan`` uses) and checked by the counter's online check
with the nonce's ticket: valid, and only the chosen claims shown. A wrong nonce, a typo in it and a
credential bound to another key are each refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import qrcode

import crypto
from qr.decode import read_qr_image
from tests.support.app_browser import app_browser_fixture  # noqa: F401 -- provides app_browser
from tests.support.app_views import chromium_page, enrol, show
from tests.support.consents import Agencies, agencies, issue_birth_certificate
from tests.support.counter import counter_nonce, scan
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _citizen(server: WalletServer, page: Any) -> RawCitizen:
    cccd, dob = valid_cccd(birth_year=1990)
    citizen_id = enrol(page, cccd, "Nguyễn Thị Minh Khai", dob)
    return RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)


def _make(page: Any, nonce: str, untick: tuple[str, ...] = ()) -> None:
    for claim in untick:
        page.uncheck(f'input[data-claim="{claim}"]')
    page.fill("#present-nonce", nonce)
    page.click("#present-make")


def _payload(page: Any) -> bytes:
    page.wait_for_selector("#present-qr", timeout=15_000)
    return crypto.b64url_decode(page.get_attribute("#present-qr-box", "data-payload"))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_presentation_qr_made_in_the_browser_is_valid_at_the_counter(
    app_browser: Any, server: WalletServer, parties: Agencies, tmp_path: Path, lang: str
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "present", lang)
        issued = counter_nonce(server)
        spaced = issued["nonce"][:4] + " " + issued["nonce"][4:]  # as the counter's page shows it
        _make(
            page, spaced, untick=("place_of_birth", "father_name", "mother_name", "sex", "registration_date")
        )
        payload = _payload(page)
        assert payload[:3] == b"WP1"
        shot = tmp_path / "present.png"
        page.locator("#present-qr").screenshot(path=str(shot))
        assert read_qr_image(shot) == payload  # the drawn code reads back as the same bytes
        ready = "Mã QR đã sẵn sàng" if lang == "vi" else "The QR code is ready"
        assert any(ready in m for m in page.evaluate("window.announced"))

        verdict = scan(server, payload, issued["ticket"])
        assert verdict["valid"] is True, verdict
        keys = {f["key"] for f in verdict["fields"]}
        assert {"full_name", "date_of_birth"} <= keys
        assert not keys & {"place_of_birth", "father_name", "mother_name", "sex", "registration_date"}

        # The same code at the next scan (a new nonce): refused.
        again = counter_nonce(server)
        assert scan(server, payload, again["ticket"])["valid"] is False


def test_bad_nonce_and_another_devices_credential_are_refused(
    app_browser: Any, server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "present", "vi")
        _make(page, "1234 567")
        page.wait_for_function(
            "() => document.getElementById('present-status').textContent.includes('8 chữ số')"
        )
        assert page.get_attribute("#present-nonce", "aria-invalid") == "true"
        assert page.locator("#present-qr").count() == 0

        issued = counter_nonce(server)
        other = counter_nonce(server)
        _make(page, other["nonce"])  # made for another scan's nonce
        payload = _payload(page)
        verdict = scan(server, payload, issued["ticket"])
        assert verdict["valid"] is False
        assert "wrong_nonce" in [r["code"] for r in verdict["reasons"]]

    # A credential bound to another key (the issuer bound it to a key this page does not hold).
    with chromium_page(app_browser, server.url) as page:
        holder = RawCitizen(server.url)
        assert holder.enrol().status_code == 201 and holder.login().status_code == 200
        issue_birth_certificate(parties.issuer, holder)
        # This page's key is enrolled as a second citizen; the held credential is copied to its view.
        mine = _citizen(server, page)
        issue_birth_certificate(parties.issuer, mine)
        foreign = holder.request("GET", "/v1/me/credentials").json()["items"][0]

        def swap(route: Any) -> None:
            response = route.fetch()
            data = response.json()
            data["items"] = [foreign]
            route.fulfill(response=response, json=data)

        page.route("**/v1/me/credentials?*", swap)
        show(page, "present", "vi")
        assert "gắn với thiết bị khác" in page.inner_text("#present-warning")
        _make(page, counter_nonce(server)["nonce"])
        page.wait_for_function(
            "() => document.getElementById('present-status').textContent.includes('gắn với thiết bị khác')"
        )
        assert page.locator("#present-qr").count() == 0


def test_the_counters_code_is_taken_by_scanning_its_qr(
    app_browser: Any, server: WalletServer, parties: Agencies, tmp_path: Path
) -> None:
    """/verify shows its code as a QR too; the present view reads it from a photo into the code field.
    A QR that is not a counter's code is refused in words and the field is left alone."""
    counter = app_browser.new_context(viewport={"width": 800, "height": 900}).new_page()
    counter.goto(server.url + "/verify")
    counter.wait_for_selector("#nonce-qr[data-nonce]")
    code = counter.get_attribute("#nonce-qr", "data-nonce")
    assert code and code.replace(" ", "") == counter.inner_text("#nonce").replace(" ", "")
    photo = tmp_path / "counter.png"
    counter.locator("#nonce-qr").screenshot(path=str(photo))
    assert json.loads(read_qr_image(photo)) == {"nonce": code}
    counter.context.close()

    with chromium_page(app_browser, server.url) as page:
        citizen = _citizen(server, page)
        issue_birth_certificate(parties.issuer, citizen)
        show(page, "present", "vi")
        page.wait_for_selector("#present-scan-photo")
        stranger = tmp_path / "other.png"
        qrcode.make("12345678").save(str(stranger))  # digits, but not a counter's code
        page.set_input_files("#present-scan-photo", str(stranger))
        page.wait_for_selector("#present-status .notice.error")
        assert "Không đọc được mã kiểm tra" in page.inner_text("#present-status")
        assert page.input_value("#present-nonce") == ""

        page.set_input_files("#present-scan-photo", str(photo))
        page.wait_for_selector("#present-status .notice.ok")
        assert page.input_value("#present-nonce") == f"{code[:4]} {code[4:]}"
