"""The citizen's app (/app) in headless Chromium, on both backends: enrolment with the browser's own
non-extractable key, documents (upload with progress, list, search, filter, download, delete),
staying logged in across reloads, credentials with their labels and status, the identity QR shown
with the network cut and read by ``wallet-verify scan``, pairing and revoking devices, axe-core on
every page and a 360x640 screenshot of each (test-artifacts/app/), in Vietnamese and in English."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.agencies import BIRTH_CLAIMS, register
from tests.support.app_browser import (
    ARGS,
    CHROMIUM,
    app_browser_fixture,  # noqa: F401 -- provides the app_browser fixture
    check_axe,
    enrol_in_app,
    go,
    idb_value,
    keep_screenshot,
    open_app,
    sample_pdf,
    wait_announced,
    wait_ready,
    wallet_verify,
)
from tests.support.camera import qr_video
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

APP_STATIC = Path(__file__).resolve().parents[2] / "wallet_api" / "static" / "app"
BIRTH = "urn:vn:wallet:vct:birth-certificate:1"
NAME = "Trần Thị Thuỷ Tiên"


def test_documents_journey_and_staying_logged_in(
    server: WalletServer, app_browser: Any, tmp_path: Path
) -> None:
    page = open_app(app_browser, server.url)
    # Typed in decomposed form (as some keyboards send it): the wallet keeps it NFC.
    enrol_in_app(page, unicodedata.normalize("NFD", NAME))
    title = page.inner_text("h1")
    assert NAME in title and unicodedata.normalize("NFD", NAME) not in title

    go(page, "documents")
    pdf = sample_pdf(tmp_path / "giấy khai sinh.pdf", 3_000_000)
    page.select_option("#upload-type", "birth-certificate")
    page.set_input_files("#upload-file", str(pdf))
    page.evaluate(
        """() => { window.seenProgress = []; const bar = document.getElementById("upload-progress");
            new MutationObserver(() => window.seenProgress.push(Number(bar.value)))
                .observe(bar, {attributes: true, attributeFilter: ["value"]}); }"""
    )
    cdp = page.context.new_cdp_session(page)  # a slow line, so the bar has something to show
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1_500_000},
    )
    page.click("#upload-button")
    page.wait_for_selector("#upload-status .notice.ok", timeout=60_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    seen = page.evaluate("() => window.seenProgress")
    assert any(0 < value < 100 for value in seen), seen
    assert seen[-1] == 100
    wait_announced(page, "Đã tải lên")
    cards = page.locator("#documents li")
    assert cards.count() == 1
    text = cards.first.inner_text()
    assert "giấy khai sinh.pdf" in text and "Giấy khai sinh" in text
    assert "Thêm ngày " in text and "/" in text  # DD/MM/YYYY
    document_id = cards.first.get_attribute("data-id")
    assert document_id

    page.fill("#search", "KHAI SINH")
    assert page.locator("#documents li").count() == 1
    page.fill("#search", "giay khai")  # typed without accents
    assert page.locator("#documents li").count() == 1
    page.fill("#search", "hộ chiếu")
    assert page.locator("#documents li").count() == 0
    assert "Không có giấy tờ nào khớp" in page.inner_text("#documents-count")
    page.fill("#search", "")
    page.select_option("#filter-type", "marriage-certificate")
    page.wait_for_selector("#documents-count:has-text('Chưa có giấy tờ nào')")
    page.select_option("#filter-type", "")
    page.wait_for_selector("#documents li")

    with page.expect_download() as download:
        page.click("#documents li button:has-text('Tải về')")
    assert Path(download.value.path()).read_bytes() == pdf.read_bytes()
    assert download.value.suggested_filename == "giấy khai sinh.pdf"

    with page.expect_download() as exported:
        page.click("#export")
    assert Path(exported.value.path()).read_bytes()[:2] == b"PK"

    # Another citizen cannot reach it, whatever the app shows.
    other = RawCitizen(server.url)
    assert other.enrol().status_code == 201 and other.login().status_code == 200
    assert other.request("GET", f"/v1/me/documents/{document_id}/content").status_code == 404
    assert other.request("DELETE", f"/v1/me/documents/{document_id}").status_code == 404

    # Deleting asks first; "keep it" keeps it.
    page.click("#documents li button.danger")
    page.click("dialog.confirm button:not(.danger)")
    assert page.locator("#documents li").count() == 1
    page.click("#documents li button.danger")
    page.click("dialog.confirm button.danger")
    page.wait_for_selector("#documents li", state="detached")
    wait_announced(page, "Đã xoá")

    page.reload()
    wait_ready(page, "documents")
    assert page.inner_text("h1") == "Giấy tờ của tôi"
    assert page.locator("#enrol-form").count() == 0
    assert "Chưa có giấy tờ nào" in page.inner_text("#documents-count")
    assert page.problems == []


def test_the_device_key_cannot_be_exported(server: WalletServer, app_browser: Any) -> None:
    page = open_app(app_browser, server.url)
    enrol_in_app(page, "Lê Văn Tám")
    refused = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("citizen-wallet");
            open.onsuccess = () => {
                const get = open.result.transaction("kv").objectStore("kv").get("device");
                get.onsuccess = async () => {
                    const device = get.result;
                    const out = {extractable: device.privateKey.extractable, jwkHasD: "d" in device.jwk,
                                 jkt: device.jkt, refusals: []};
                    for (const format of ["jwk", "pkcs8"]) {
                        try {
                            await crypto.subtle.exportKey(format, device.privateKey);
                            out.refusals.push("EXPORTED");
                        } catch (error) { out.refusals.push(error.name); }
                    }
                    resolve(out);
                };
            };
        })"""
    )
    assert refused["extractable"] is False and refused["jwkHasD"] is False
    assert refused["refusals"] == ["InvalidAccessError", "InvalidAccessError"]
    profile = idb_value(page, "profile")
    assert profile["device_jkt"] == refused["jkt"]  # the service holds this browser's public key


def test_identity_qr_offline_reads_valid(server: WalletServer, app_browser: Any, tmp_path: Path) -> None:
    page = open_app(app_browser, server.url)
    enrol_in_app(page, NAME, birth_year=1979)
    go(page, "documents")
    page.set_input_files("#upload-file", str(sample_pdf(tmp_path / "hợp đồng.pdf", 2000)))
    page.click("#upload-button")
    page.wait_for_selector("#documents li")
    go(page, "identity")
    page.wait_for_selector("#identity-qr")
    assert page.evaluate("async () => Boolean(await navigator.serviceWorker.ready)")
    cache = tmp_path / "verifier"
    assert wallet_verify(cache, "sync", "--server", server.url).returncode == 0

    page.context.set_offline(True)
    page.reload()  # the shell comes from the service worker, the codes from IndexedDB
    wait_ready(page, "identity")
    page.wait_for_selector("#identity-qr")
    assert "ngoại tuyến" in page.inner_text("#identity-status")
    assert "độ sáng" in page.inner_text("#brightness")
    check_axe(page, "identity offline")
    page.click("#qr-full")
    page.wait_for_selector("#qr-screen.qr-full")
    shot = tmp_path / "identity.png"
    page.locator("#qr-box").screenshot(path=str(shot))
    keep_screenshot(page, "identity-fullscreen-offline")
    scanned = wallet_verify(cache, "scan", str(shot))
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert "Hợp lệ" in scanned.stdout and NAME in scanned.stdout and "1979" in scanned.stdout
    page.keyboard.press("Escape")

    # The last document list opens offline; an upload says it needs the network and keeps the file.
    go(page, "documents")
    assert "ngoại tuyến" in page.inner_text("#list-status")
    assert "hợp đồng.pdf" in page.inner_text("#documents")
    page.set_input_files("#upload-file", str(sample_pdf(tmp_path / "đơn.pdf", 100)))
    page.click("#upload-button")
    page.wait_for_selector("#upload-status .notice.warn")
    assert "cần có mạng" in page.inner_text("#upload-status")
    assert page.evaluate("() => document.getElementById('upload-file').files[0].name") == "đơn.pdf"
    page.context.set_offline(False)
    assert [p for p in page.problems if "Content Security Policy" in p] == []


def test_credentials_with_labels_and_plain_status(
    server: WalletServer, app_browser: Any, tmp_path: Path
) -> None:
    page = open_app(app_browser, server.url)
    cccd, _ = enrol_in_app(page, "Nguyễn Thị Minh Khai")
    agency = register(server, tmp_path)
    client = agency.client()
    kept = client.issue_credential(cccd, client.sign_credential(cccd, BIRTH, BIRTH_CLAIMS))
    revoked = client.issue_credential(cccd, client.sign_credential(cccd, BIRTH, BIRTH_CLAIMS))
    client.set_status(str(revoked["credential_id"]), "revoked")
    paused = client.issue_credential(cccd, client.sign_credential(cccd, BIRTH, BIRTH_CLAIMS))
    client.set_status(str(paused["credential_id"]), "suspended")

    go(page, "credentials")
    page.wait_for_selector("#credentials li")
    cards = page.locator("#credentials li")
    assert cards.count() == 3
    held = page.locator(f"#credentials li[data-id='{paused['credential_id']}']")
    assert "Đang bị tạm dừng" in held.inner_text() and held.get_attribute("data-status") == "suspended"
    bad = page.locator(f"#credentials li[data-id='{revoked['credential_id']}']")
    good = page.locator(f"#credentials li[data-id='{kept['credential_id']}']")
    assert "Đã bị thu hồi" in bad.inner_text() and bad.get_attribute("data-status") == "revoked"
    assert "Còn hiệu lực" in good.inner_text() and "Sở Tư pháp thành phố Đà Nẵng" in good.inner_text()
    good.locator("button[aria-controls^='cred-details']").click()
    details = good.locator("dl").inner_text()
    assert "Họ và tên" in details and "Nguyễn Thị Minh Khai" in details
    assert "Ngày sinh" in details and "01/05/1990" in details
    assert "cnf" not in details and "vct" not in details and "SD-JWT" not in page.inner_text("body")
    check_axe(page, "credentials open")

    page.click("#lang-switch")
    wait_ready(page, "credentials", lang="en")
    good = page.locator(f"#credentials li[data-id='{kept['credential_id']}']")
    assert "Revoked" in page.locator(f"#credentials li[data-id='{revoked['credential_id']}']").inner_text()
    good.locator("button[aria-controls^='cred-details']").click()
    assert "Full name" in good.locator("dl").inner_text() and "1 May 1990" in good.locator("dl").inner_text()


def test_the_api_labels_credential_claims(server: WalletServer, citizen: RawCitizen, tmp_path: Path) -> None:
    agency = register(server, tmp_path)
    client = agency.client()
    issued = client.issue_credential(citizen.cccd, client.sign_credential(citizen.cccd, BIRTH, BIRTH_CLAIMS))
    path = f"/v1/me/credentials/{issued['credential_id']}"
    claims = {c["key"]: c for c in citizen.request("GET", path).json()["claims"]}
    assert claims["full_name"] == {
        "key": "full_name",
        "label_vi": "Họ và tên",
        "label_en": "Full name",
        "value_vi": "Nguyễn Thị Minh Khai",
        "value_en": "Nguyễn Thị Minh Khai",
    }
    born = claims["date_of_birth"]
    assert (born["value_vi"], born["value_en"]) == ("01/05/1990", "1 May 1990")
    assert not {"iss", "cnf", "vct", "status", "iat", "exp"} & claims.keys()
    listed = citizen.request("GET", "/v1/me/credentials").json()["items"]
    assert listed[0]["claims"] == list(claims.values())
    other = RawCitizen(server.url)
    assert other.enrol().status_code == 201 and other.login().status_code == 200
    assert other.request("GET", path).status_code == 404


def test_pairing_a_browser_and_revoking_it(server: WalletServer, app_browser: Any) -> None:
    first = open_app(app_browser, server.url)
    enrol_in_app(first, "Phạm Văn Đồng")
    second = open_app(app_browser, server.url)
    go(second, "devices")
    check_axe(second, "join")
    second.fill("#device-name", "Máy tính bảng")
    second.click("#join-form button[type=submit]")
    second.wait_for_selector("#join-code-text")
    code = second.inner_text("#join-code-text")
    words = second.inner_text("#join-code .words >> nth=1")

    go(first, "devices")
    first.fill("#pair-code", code.lower())  # typed as people type it
    first.click("#pair-form button[type=submit]")
    first.wait_for_selector("#pair-words")
    assert first.inner_text("#pair-words") in words
    assert "Máy tính bảng" in first.inner_text("#pair-new")
    check_axe(first, "pairing shown")
    first.click("#pair-approve")
    first.wait_for_selector("#devices li >> nth=1")
    wait_announced(first, "Đã thêm")

    wait_ready(second, "home", timeout=30_000)
    assert "Phạm Văn Đồng" in second.inner_text("h1")

    tablet = first.locator("#devices li", has_text="Máy tính bảng")
    tablet.locator("button.danger").click()
    first.click("dialog.confirm button.danger")
    first.wait_for_selector("#devices li >> nth=1", state="detached")
    # The last device: asked twice, and "keep it" keeps it.
    first.click("#devices li button.danger")
    first.click("dialog.confirm button.danger")
    first.wait_for_selector("dialog.confirm")
    assert "thiết bị cuối cùng" in first.inner_text("dialog.confirm")
    first.click("dialog.confirm button:not(.danger)")
    assert first.locator("#devices li").count() == 1
    go(second, "documents")  # the revoked browser can no longer use the wallet
    assert second.locator("#documents li").count() == 0
    assert "không còn đăng nhập được vào ví" in second.inner_text(".notice.error")


def test_pairing_by_scanning_the_new_devices_qr(
    server: WalletServer, app_browser: Any, tmp_path: Path
) -> None:
    joiner = open_app(app_browser, server.url)
    go(joiner, "devices")
    joiner.fill("#device-name", "Điện thoại của mẹ")
    joiner.click("#join-form button[type=submit]")
    joiner.wait_for_selector("#join-code canvas")
    png = tmp_path / "pairing.png"
    joiner.locator("#join-code .qr-box").screenshot(path=str(png))
    # The approving browser's camera films the new device's screen.
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={qr_video(png, tmp_path / 'pairing.y4m')}",
    ]
    filming = app_browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=ARGS + camera)
    try:
        approver = open_app(filming, server.url)
        enrol_in_app(approver, "Bùi Thị Xuân")
        go(approver, "devices")
        approver.click("#scan-button")
        approver.wait_for_selector("#pair-words", timeout=30_000)
        assert approver.input_value("#pair-code") == joiner.inner_text("#join-code-text").replace("-", "")
        assert "Điện thoại của mẹ" in approver.inner_text("#pair-new")
        assert approver.inner_text("#pair-words") in joiner.inner_text("#join-code")
        assert approver.evaluate("() => document.getElementById('scan-video').hidden")  # camera stopped
        approver.click("#pair-approve")
        wait_announced(approver, "Đã thêm")
        wait_ready(joiner, "home", timeout=30_000)
        assert "Bùi Thị Xuân" in joiner.inner_text("h1")
        assert approver.problems == [] and joiner.problems == []
    finally:
        filming.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_accessible_at_phone_size(server: WalletServer, app_browser: Any, lang: str) -> None:
    page = open_app(app_browser, server.url, lang=lang)
    check_axe(page, f"enrol {lang}")
    keep_screenshot(page, f"enrol-{lang}")
    enrol_in_app(page, "Hoàng Thị Loan")
    assert page.get_attribute("html", "lang") == lang
    for view in ["home", "documents", "credentials", "identity", "devices", "settings"]:
        go(page, view)
        if view == "identity":
            page.wait_for_selector("#identity-qr")
        assert page.evaluate("() => document.activeElement.tagName") in ("H1", "BODY")
        check_axe(page, f"{view} {lang}")
        keep_screenshot(page, f"{view}-{lang}")
        # Text at 200 %: nothing runs off the side of a 640 px wide window.
        page.set_viewport_size({"width": 640, "height": 640})
        page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        page.set_viewport_size({"width": 360, "height": 640})
        assert overflow <= 0, f"{view} overflows by {overflow}px at 200 % text"
        small = page.evaluate(
            """() => [...document.querySelectorAll("main button, main a, main select, nav a, header button")]
                .filter((e) => e.offsetParent !== null)
                .map((e) => [e.textContent.trim(), e.getBoundingClientRect()])
                .filter(([, r]) => r.height < 44 || r.width < 44).map(([t]) => t)"""
        )
        assert small == [], f"{view}: touch targets under 44 px: {small}"
    # A desktop window: the same views, one readable column.
    page.set_viewport_size({"width": 1280, "height": 800})
    go(page, "documents")
    check_axe(page, f"documents desktop {lang}")
    keep_screenshot(page, f"documents-desktop-{lang}")
    assert page.evaluate("() => document.getElementById('main').getBoundingClientRect().width") <= 800
    page.set_viewport_size({"width": 360, "height": 640})
    go(page, "settings")
    # The language is remembered across reloads, and switched with one tap.
    page.reload()
    wait_ready(page, "settings")
    assert page.get_attribute("html", "lang") == lang
    other = "en" if lang == "vi" else "vi"
    page.click("#lang-switch")
    wait_ready(page, "settings", lang=other)
    page.goto(server.url + "/app#/settings")  # no ?lang= this time: the choice was remembered
    wait_ready(page, "settings", lang=other)
    assert page.problems == []


def test_english_run_and_installable(server: WalletServer, app_browser: Any, tmp_path: Path) -> None:
    page = open_app(app_browser, server.url, lang="en")
    assert page.inner_text("h1") == "Create your wallet"
    page.fill("#dob", "31/02/1990")  # no such day: said plainly, nothing sent, nothing lost
    page.fill("#cccd", "012345678901")
    page.fill("#full-name", "Đỗ Mười")
    page.click("#enrol-form button[type=submit]")
    wait_announced(page, "The date of birth is not right")
    assert page.input_value("#full-name") == "Đỗ Mười"
    assert page.get_attribute("#dob", "aria-invalid") == "true"
    enrol_in_app(page, "Đỗ Mười")
    assert page.inner_text("h1") == "Hello, Đỗ Mười"
    go(page, "documents")
    page.set_input_files("#upload-file", str(sample_pdf(tmp_path / "receipt.pdf", 5000)))
    page.click("#upload-button")
    page.wait_for_selector("#documents li")
    wait_announced(page, "“receipt.pdf” uploaded.")
    added = page.inner_text("#documents li .meta")
    assert re.search(
        r"Added \d{1,2} (January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{4}",
        added,
    ), added
    assert "Other document" in page.inner_text("#documents li")
    # Installable: the manifest parses and nothing but the test's private profile stands in the way.
    page.evaluate("async () => Boolean(await navigator.serviceWorker.ready)")
    page.reload()
    wait_ready(page, "documents", lang="en")
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getAppManifest").get("errors") == []
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert [e for e in errors if e != "in-incognito"] == []
    assert page.problems == []


def test_keyboard_alone_reaches_and_opens_a_view(server: WalletServer, app_browser: Any) -> None:
    page = open_app(app_browser, server.url)
    enrol_in_app(page, "Vũ Thị Hồng")
    page.reload()
    wait_ready(page, "home")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.view") == "documents":
            break
    page.keyboard.press("Enter")
    wait_ready(page, "documents")
    assert page.evaluate("() => document.activeElement.tagName") == "H1"


def test_served_files_pinned_compressed_and_confined(server: WalletServer) -> None:
    page = httpx.get(server.url + "/app")
    csp = page.headers["content-security-policy"]
    assert (
        "script-src 'self' 'wasm-unsafe-eval';" in csp
        and "connect-src 'self'" in csp
        and "unsafe-inline" not in csp
    )
    assert page.headers["content-type"].startswith("text/html")
    zipped = httpx.get(server.url + "/app/app.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == (APP_STATIC / "app.js").read_bytes()  # httpx undid the gzip
    raw = httpx.get(server.url + "/app/app.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == (APP_STATIC / "app.js").read_bytes()
    again = httpx.get(server.url + "/app/app.js", headers={"If-None-Match": raw.headers["etag"]})
    assert again.status_code == 304
    assert len(gzip.compress(raw.content)) < len(raw.content)

    pinned = (APP_STATIC / "vendor" / "VENDORED.md").read_text()
    served = httpx.get(server.url + "/app/vendor/qrcode.mjs").content
    assert served == (APP_STATIC / "vendor" / "qrcode.mjs").read_bytes()
    assert hashlib.sha256(served).hexdigest() in pinned
    assert (APP_STATIC / "vendor" / "LICENSE.qrcode-generator").stat().st_size > 500

    worker = httpx.get(server.url + "/app/sw.js")
    assert worker.headers["service-worker-allowed"] == "/app"
    manifest = json.loads(httpx.get(server.url + "/app/manifest.webmanifest").content)
    assert manifest["start_url"] == "/app" and manifest["lang"] == "vi"
    for icon in manifest["icons"]:
        assert httpx.get(server.url + icon["src"]).status_code == 200, icon["src"]
    for bad in [
        "/app/../pyproject.toml",
        "/app/%2e%2e/app.py",
        "/app/.hidden.js",
        "/app/views/none.js",
        "/app/x.py",
    ]:
        assert httpx.get(server.url + bad).status_code == 404, bad
