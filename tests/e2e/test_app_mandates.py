"""The app's mandates view, the recovery code shown once after enrolment, a recovery under way
announced on home and cancelled from there, and an enrolment of a CCCD that already has a wallet
told plainly -- in headless Chromium against the real service, on both backends."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import httpx

import crypto
from tests.support.app_browser import (
    app_browser_fixture,  # noqa: F401 -- provides the app_browser fixture
    check_axe,
    enrol_in_app,
    go,
    keep_screenshot,
    open_app,
    wait_announced,
    wait_ready,
)
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer


def test_granting_and_ending_a_mandate(server: WalletServer, app_browser: Any, citizen: RawCitizen) -> None:
    page = open_app(app_browser, server.url)
    enrol_in_app(page, "Lê Thị Hồng Gấm")
    go(page, "mandates")
    check_axe(page, "mandates")
    keep_screenshot(page, "mandates")
    until = (dt.date.today() + dt.timedelta(days=90)).strftime("%d/%m/%Y")

    # Nothing chosen: refused in words, nothing sent.
    page.fill("#mandate-cccd", citizen.cccd)
    page.fill("#mandate-until", until)
    page.click("#mandate-form button[type=submit]")
    wait_announced(page, "ít nhất một việc")
    assert citizen.request("GET", "/v1/me/mandates").json()["items"] == []

    page.check("#mandate-documents input >> nth=0")
    page.click("#mandate-form button[type=submit]")
    wait_announced(page, "Đã uỷ quyền")
    page.wait_for_selector("#mandates-granted li[data-mandate]")
    held = citizen.request("GET", "/v1/me/mandates").json()["items"]
    assert [m["role"] for m in held] == ["delegate"] and held[0]["state"] == "active"
    assert held[0]["represented_name"] == "Lê Thị Hồng Gấm"
    assert "Đang hiệu lực" in page.inner_text("#mandates-granted")

    page.click("#mandates-granted li[data-mandate] button.danger")
    page.click("dialog.confirm button.danger")
    wait_announced(page, "Đã chấm dứt")
    assert citizen.request("GET", "/v1/me/mandates").json()["items"][0]["state"] == "ended"
    assert "Đã chấm dứt" in page.inner_text("#mandates-granted")


def test_recovery_code_shown_once_and_a_recovery_cancelled_from_home(
    server: WalletServer, app_browser: Any
) -> None:
    page = open_app(app_browser, server.url)
    cccd, _ = enrol_in_app(page, "Đỗ Minh Khôi")
    code = page.inner_text("#recovery-code .code").strip()
    assert len(code) >= 16
    check_axe(page, "home with recovery code")
    go(page, "documents")
    go(page, "home")
    assert page.locator("#recovery-code").count() == 0  # shown this once, kept nowhere

    # Someone holding the code starts a recovery from another device.
    device = crypto.generate_private_key()
    with httpx.Client(base_url=server.url, timeout=30) as http:
        nonce = http.post("/v1/recovery/nonces", json={"cccd": cccd}).json()["nonce"]
        proof = crypto.make_dpop_proof(device, "POST", server.url + "/v1/recovery", now=int(time.time()))
        body = {"name": "Máy lạ", "device_jwk": crypto.public_jwk(device), "nonce": nonce, "code": code}
        started = http.post("/v1/recovery", json=body, headers={"DPoP": proof})
    assert started.status_code == 201, started.text

    page.reload()
    wait_ready(page, "home")
    page.wait_for_selector("#pending-recovery")
    assert "Máy lạ" in page.inner_text("#pending-recovery")
    check_axe(page, "home with a recovery under way")
    page.click("#cancel-recovery")
    page.click("dialog.confirm button.danger")
    wait_announced(page, "Đã huỷ")
    page.wait_for_selector("#pending-recovery", state="detached")


def test_enrolling_a_cccd_that_has_a_wallet_says_to_pair(server: WalletServer, app_browser: Any) -> None:
    cccd, dob = valid_cccd()
    owner = RawCitizen(server.url)
    assert owner.enrol(cccd=cccd, dob=dob).status_code == 201 and owner.login().status_code == 200
    page = open_app(app_browser, server.url)
    page.fill("#cccd", cccd)
    page.fill("#full-name", "Người Khác")
    year, month, day = dob.split("-")
    page.fill("#dob", f"{day}/{month}/{year}")
    page.click("#enrol-form button[type=submit]")
    wait_announced(page, "thêm thiết bị này từ thiết bị cũ")
    assert page.locator("#enrol-form").count() == 1  # still on the form, nothing kept
    entries = owner.request("GET", "/v1/me/log").json()["entries"]
    assert any(json.loads(e["data"])["action"] == "enrol-attempt" for e in entries)
