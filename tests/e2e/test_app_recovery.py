"""Recovery from a new browser when every device is lost, in the app: the recovery code (dev mode)
or an identity provider's assertion pasted, the status page through the cooling-off, joining the
wallet and the new recovery code shown once -- in headless Chromium against a real server with a
short cooling-off (``WALLET_RECOVERY_COOLING_OFF_SECONDS``), on both backends."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import crypto
from tests.support.agencies import register
from tests.support.app_browser import (
    app_browser_fixture,  # noqa: F401 -- provides the app_browser fixture
    check_axe,
    enrol_in_app,
    keep_screenshot,
    open_app,
    wait_announced,
    wait_ready,
)
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.recovery import ASSERTION_TYP

COOLING_OFF = 4


def _short_cooling_off(make_server: Callable[..., WalletServer]) -> WalletServer:
    return make_server(env={"WALLET_RECOVERY_COOLING_OFF_SECONDS": str(COOLING_OFF)})


def _open_recovery(app_browser: Any, server: WalletServer, cccd: str) -> Any:
    """A fresh browser, from the enrolment page's "Lost your phone?" to the recovery form, filled."""
    page = open_app(app_browser, server.url)
    wait_ready(page, "enrol")
    page.click("#recover-link")
    wait_ready(page, "recover")
    page.fill("#recover-cccd", cccd)
    page.fill("#recover-name", "Điện thoại mới")
    return page


def _wait_home(page: Any) -> None:
    wait_ready(page, "home", timeout=(COOLING_OFF + 20) * 1000)


def test_recovering_with_the_code_in_a_new_browser(
    make_server: Callable[..., WalletServer], app_browser: Any
) -> None:
    server = _short_cooling_off(make_server)
    old = open_app(app_browser, server.url)
    cccd, _ = enrol_in_app(old, "Nguyễn Thị Thu Hà")
    code = old.inner_text("#recovery-code .code").strip()

    page = _open_recovery(app_browser, server, cccd)
    check_axe(page, "recovery form")
    keep_screenshot(page, "recover-form")
    page.click("#lang-switch")  # the same page in English, then back
    wait_ready(page, "recover", lang="en")
    assert "Get your wallet back" in page.inner_text("h1")
    check_axe(page, "recovery form (en)")
    page.click("#lang-switch")
    wait_ready(page, "recover", lang="vi")
    page.fill("#recover-cccd", cccd)  # kept as a draft across the re-render; filled again all the same

    # A wrong code is refused in words; nothing starts, nothing is kept.
    page.fill("#recover-code", "AAAA-BBBB-CCCC-DDDD")
    page.click("#recover-form button[type=submit]")
    wait_announced(page, "Không lấy lại được ví")
    assert page.locator("#recover-form").count() == 1
    assert page.evaluate("() => document.getElementById('recover-code').value") == "AAAA-BBBB-CCCC-DDDD"
    old.reload()
    wait_ready(old, "home")
    assert old.locator("#pending-recovery").count() == 0

    # The right code: the status page says when it completes, then the browser joins.
    page.fill("#recover-code", code)
    started_at = time.monotonic()
    page.click("#recover-form button[type=submit]")
    page.wait_for_selector("#recover-progress .notice")
    progress = page.inner_text("#recover-progress")
    assert "sau" in progress and "Mã nhận diện thiết bị này" in progress, progress
    check_axe(page, "recovery status")
    keep_screenshot(page, "recover-status")

    # Meanwhile the old browser is told (the announcement every still-held device gets).
    old.reload()
    wait_ready(old, "home")
    assert "Điện thoại mới" in old.inner_text("#pending-recovery")

    _wait_home(page)
    assert time.monotonic() - started_at >= COOLING_OFF - 1  # not before the cooling-off
    assert "Nguyễn Thị Thu Hà" in page.inner_text("h1")
    new_code = page.inner_text("#recovery-code .code").strip()
    assert len(new_code) >= 16 and new_code != code
    check_axe(page, "home after recovery")
    # The new browser is the wallet's only device; the old one is out.
    session = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("citizen-wallet", 1);
            open.onsuccess = () => {
                const get = open.result.transaction("kv").objectStore("kv").get("session");
                get.onsuccess = () => resolve(get.result);
            };
        })"""
    )
    assert session and session["citizen_id"]
    page.evaluate("(hash) => { location.hash = hash; }", "#/devices")
    wait_ready(page, "devices")
    devices = page.inner_text("#main")
    assert "Điện thoại mới" in devices
    old.reload()
    old.wait_for_selector("#main .notice.error")  # the old browser can no longer sign in

    # The code is single use: the old one no longer starts anything, the new one is shown once.
    page.evaluate("(hash) => { location.hash = hash; }", "#/documents")
    wait_ready(page, "documents")
    page.evaluate("(hash) => { location.hash = hash; }", "#/")
    wait_ready(page, "home")
    assert page.locator("#recovery-code").count() == 0
    again = _open_recovery(app_browser, server, cccd)
    again.fill("#recover-code", code)
    again.click("#recover-form button[type=submit]")
    wait_announced(again, "Không lấy lại được ví")


def test_recovering_with_an_identity_providers_assertion(
    make_server: Callable[..., WalletServer], app_browser: Any, tmp_path: Path
) -> None:
    server = _short_cooling_off(make_server)
    owner = RawCitizen(server.url)
    assert owner.enrol("Trần Văn Bình").status_code == 201 and owner.login().status_code == 200
    idp = register(server, tmp_path, name="Trung tâm định danh điện tử", roles="idp", types="")

    page = _open_recovery(app_browser, server, owner.cccd)
    page.check("#recover-by-idp")
    # Sending without the agency's details first is refused in words.
    page.fill("#recover-assertion", "x.y.z")
    page.click("#recover-form button[type=submit]")
    wait_announced(page, "Lấy thông tin cho cơ quan định danh")

    page.click("#recover-nonce")
    page.wait_for_selector("#recover-jwk")
    nonce = page.inner_text("#recover-nonce-text").split(":", 1)[1].strip()
    jwk = json.loads(page.inner_text("#recover-jwk"))
    check_axe(page, "recovery form, identity agency")

    # An assertion for another browser's key is refused; the agency's for this one works.
    stranger = crypto.public_jwk(crypto.generate_private_key())
    claims = {"iss": idp.agency_id, "sub": owner.cccd, "nonce": nonce, "acr": "high", "iat": int(time.time())}
    wrong = crypto.sign_jws(idp.key, {**claims, "cnf": {"jwk": stranger}}, typ=ASSERTION_TYP, kid=idp.kid)
    page.fill("#recover-assertion", wrong)
    page.click("#recover-form button[type=submit]")
    wait_announced(page, "Không lấy lại được ví")
    assert owner.request("GET", "/v1/me").json().get("pending_recovery") is None

    page.click("#recover-nonce")  # a refused start may have used the nonce up: ask for a fresh one
    deadline = time.monotonic() + 10
    while page.inner_text("#recover-nonce-text").split(":", 1)[1].strip() == nonce:
        assert time.monotonic() < deadline
        page.wait_for_timeout(100)
    nonce = page.inner_text("#recover-nonce-text").split(":", 1)[1].strip()
    right = crypto.sign_jws(
        idp.key, {**claims, "nonce": nonce, "cnf": {"jwk": jwk}}, typ=ASSERTION_TYP, kid=idp.kid
    )
    page.fill("#recover-assertion", right)
    page.click("#recover-form button[type=submit]")
    page.wait_for_selector("#recover-progress .notice")
    assert "Trung tâm định danh điện tử" in page.inner_text("#recover-progress")
    pending = owner.request("GET", "/v1/me").json()["pending_recovery"]
    assert pending["name"] == "Điện thoại mới" and pending["status"] == "pending"

    # A reload keeps following the recovery (kept in IndexedDB), then the browser joins.
    page.reload()
    _wait_home(page)
    assert "Trần Văn Bình" in page.inner_text("h1")
    assert owner.login().status_code != 200  # the old device was replaced
