"""The citizen's whole journey in the app (/app) in Chromium, in Vietnamese and in English.

Enrol -> upload a document with a progress bar -> an agency issues a credential into the wallet ->
an agency asks for data and the citizen approves PART of it in the app (the decision signed by the
browser's key) -> the agency pulls exactly that -> the access log shows the read in plain words with
every proof checked in the browser (and a tampered row, injected into the API answer, is shown as a
warning that leaves the accepted head alone) -> a presentation QR for the counter's nonce reads
valid -> the identity QR with the network cut, screenshotted and read by ``wallet-verify scan``:
valid. axe-core finds nothing serious or critical on the consents, log and present views; each is
kept as a 360x640 screenshot in test-artifacts/app/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qr.decode import read_qr_image
from tests.support.app_browser import (
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
from tests.support.consents import WARD, Agencies, agencies, ask, issue_birth_certificate, refused
from tests.support.counter import counter_nonce, scan
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

NAME = "Phạm Thị Hồng Nhung"
WORDS = {
    "vi": {
        "uploaded": "Đã tải lên",
        "approved": "Đã đồng ý chia sẻ. Biên nhận đã được kiểm chứng.",
        "receipt": "✔ Biên nhận có chữ ký hợp lệ của dịch vụ ví",
        "read": f"{WARD} đã xem giấy khai sinh của bạn cho thủ tục 1.001193 Đăng ký khai sinh, hồ sơ số ",
        "verified": "Đã kiểm chứng nhật ký",
        "warning": "CẢNH BÁO: nhật ký truy cập đã bị sửa hoặc xoá",
        "ready": "Mã QR đã sẵn sàng",
        "scan_valid": "Hợp lệ",
    },
    "en": {
        "uploaded": "uploaded.",
        "approved": "Shared. The receipt was verified.",
        "receipt": "✔ The receipt carries a valid signature of the wallet service",
        "read": f"{WARD} read your birth certificate for procedure 1.001193 Birth registration, case ",
        "verified": "Log verified",
        "warning": "WARNING: the access log was tampered with",
        "ready": "The QR code is ready",
        "scan_valid": "Valid",
    },
}
JARGON = ("JWS", "SD-JWT", "hash", "Merkle", "full_name", "date_of_birth", "undefined", "null")


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _kept(page: Any, view: str, lang: str) -> None:
    """axe-core clean, a 360x640 screenshot kept, text at 200 % without sideways scrolling, and
    touch targets of at least 44 px."""
    check_axe(page, f"{view} {lang}")
    keep_screenshot(page, f"{view}-{lang}")
    page.set_viewport_size({"width": 640, "height": 640})
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
    page.set_viewport_size({"width": 360, "height": 640})
    assert overflow <= 0, f"{view} overflows by {overflow}px at 200 % text"
    small = page.evaluate(
        """() => [...document.querySelectorAll("main button, main a, main select, main summary, "
                + "main input:not([type=checkbox]):not([type=radio])")]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.textContent.trim() || e.id, e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44).map(([t]) => t)"""
    )
    assert small == [], f"{view}: touch targets under 44 px: {small}"


def _no_jargon(page: Any) -> None:
    shown = page.inner_text("main")
    assert not [word for word in JARGON if word in shown], shown


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_whole_journey_in_the_app(
    server: WalletServer, app_browser: Any, parties: Agencies, tmp_path: Path, lang: str
) -> None:
    words = WORDS[lang]
    page = open_app(app_browser, server.url, lang=lang)
    cccd, _ = enrol_in_app(page, NAME, birth_year=1988)
    citizen_id = idb_value(page, "profile")["citizen_id"]
    citizen = RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)  # what the agencies know

    # Upload, with the progress bar moving.
    go(page, "documents")
    page.select_option("#upload-type", "birth-certificate")
    page.set_input_files("#upload-file", str(sample_pdf(tmp_path / "giấy khai sinh.pdf", 400_000)))
    page.click("#upload-button")
    page.wait_for_selector("#upload-status .notice.ok", timeout=60_000)
    assert page.get_attribute("#upload-progress", "value") == "100"
    wait_announced(page, words["uploaded"])

    # An agency issues a credential; the app lists it.
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    go(page, "credentials")
    assert ("Giấy khai sinh" if lang == "vi" else "Birth certificate") in page.inner_text("main")

    # A ward asks for the name and date of birth; the citizen shares the name only.
    agency = parties.asking()
    asked = ask(agency, citizen, [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}])
    go(page, "consents")
    card = page.locator(f'article[data-consent="{asked["id"]}"]')
    assert WARD in card.inner_text() and asked["case_number"] in card.inner_text()
    assert card.locator(f'input[type=radio][value="{credential_id}"]').is_checked()
    _no_jargon(page)
    _kept(page, "consents", lang)
    card.locator('input[data-claim="date_of_birth"]').uncheck()
    card.locator('button[data-action="approve"]').click()
    page.wait_for_selector(f"#consents-status:has-text('{words['approved']}')", timeout=15_000)
    wait_announced(page, words["approved"])
    assert words["receipt"] in page.locator(f'article[data-consent="{asked["id"]}"]').inner_text()
    _kept(page, "consents-decided", lang)

    # The agency pulls exactly what was approved, once; the date of birth is not in it.
    pulled = agency.pull_credential(asked["id"], credential_id)
    assert pulled["disclosed"] == ["full_name", "registration_number"]

    # The log shows the read, proved in the browser; the head it accepted is kept.
    go(page, "log")
    page.wait_for_selector("#log-entries li")
    entries = page.locator("#log-entries li").all_inner_texts()
    assert words["read"] in entries[0] and asked["case_number"] in entries[0]
    assert words["verified"] in page.inner_text("#log-status")
    head = idb_value(page, f"log.head.{citizen_id}")
    assert head["size"] == len(entries) >= 3
    _no_jargon(page)
    _kept(page, "log", lang)

    # A tampered row in the API's answer: a warning, nothing shown, the head left where it was.
    issue_birth_certificate(parties.issuer, citizen)  # the log grows, so the page must prove more

    def tamper(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        for entry in data["entries"]:
            entry["data"] = entry["data"].replace(WARD, "Cơ quan khác")
        route.fulfill(response=response, json=data)

    # On the context: the app's calls may go through its service worker, which page.route misses.
    page.context.route("**/v1/me/log?*", tamper)
    go(page, "home")
    go(page, "log")
    page.wait_for_selector("#log-warning:not([hidden])")
    assert words["warning"] in page.inner_text("#log-warning")
    assert page.locator("#log-entries li").count() == 0
    wait_announced(page, words["warning"])
    assert idb_value(page, f"log.head.{citizen_id}") == head
    _kept(page, "log-tampered", lang)
    page.context.unroute("**/v1/me/log?*")
    page.click("#log-retry")
    page.wait_for_selector("#log-entries li")
    assert idb_value(page, f"log.head.{citizen_id}")["size"] == head["size"] + 2

    # A presentation QR for the counter's nonce, made in the browser: valid at the counter.
    go(page, "present")
    issued = counter_nonce(server)
    for claim in ("place_of_birth", "father_name", "mother_name", "sex", "registration_date"):
        page.uncheck(f'input[data-claim="{claim}"]')
    page.fill("#present-nonce", issued["nonce"][:4] + " " + issued["nonce"][4:])
    page.click("#present-make")
    page.wait_for_selector("#present-qr")
    wait_announced(page, words["ready"])
    _no_jargon(page)
    _kept(page, "present", lang)
    shot = tmp_path / "present.png"
    page.locator("#present-qr").screenshot(path=str(shot))
    verdict = scan(server, read_qr_image(shot), issued["ticket"])
    assert verdict["valid"] is True, verdict
    assert {f["key"] for f in verdict["fields"]} >= {"full_name", "date_of_birth"}
    assert "place_of_birth" not in {f["key"] for f in verdict["fields"]}

    # The identity QR with the network cut: the verifier's `wallet-verify scan` of a screenshot.
    go(page, "identity")
    page.wait_for_selector("#identity-qr")
    cache = tmp_path / "verifier"
    assert wallet_verify(cache, "sync", "--server", server.url).returncode == 0
    page.context.set_offline(True)
    page.reload()
    wait_ready(page, "identity")
    page.wait_for_selector("#identity-qr")
    identity = tmp_path / "identity.png"
    page.locator("#qr-box").screenshot(path=str(identity))
    scanned = wallet_verify(cache, "scan", str(identity))
    assert scanned.returncode == 0, scanned.stdout + scanned.stderr
    assert words["scan_valid"] in scanned.stdout or "Hợp lệ" in scanned.stdout
    assert NAME in scanned.stdout

    # Offline, the log and the consents say they need the network instead of failing.
    go(page, "log")
    assert page.locator("#log-entries li").count() == 0 and page.is_hidden("#log-warning")
    page.context.set_offline(False)

    # Revoking later in the app: the agency's next pull is refused.
    go(page, "consents")
    page.locator(f'article[data-consent="{asked["id"]}"] button[data-action="revoke"]').click()
    page.wait_for_selector(f'article[data-consent="{asked["id"]}"] section.receipt')
    assert refused(lambda: agency.pull_credential(asked["id"], credential_id)).code == "consent_revoked"
    assert [p for p in page.problems if "Content Security Policy" in p] == []
