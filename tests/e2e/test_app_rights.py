"""The citizen's rights requests in the app (views/rights.js, and the correction form of
views/credentials.js) in Chromium against the real service and agencies registered with the real
CLI, on both backends.

A citizen approves two requests in the app, the agency pulls under both, and the rights view then
offers to ask it to delete what it received (never for a consent nothing was pulled under). One
deletion is attested (the attestation checked in the browser against the agency's keys in the
service-signed trust list; a tampered one is said NOT to verify), the other refused with its legal
basis. A correction is asked from a certificate's page (a claim picked from its labelled claims), a
claim not of that credential is the API's problem shown in words, and the issuer's refusal is shown
with its reason. In English with the language switch; the status words are the phone client's.
Another citizen can neither ask about the first one's consent or credential nor see their requests.
A request left unanswered past the deadline shows as overdue (a server with a 2 s deadline).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

import crypto
from mobile_stub.cli_rights_requests import STATUS_WORDS
from tests.support.agencies import TestAgency, register
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
from tests.support.consents import Agencies, agencies, ask, issue_birth_certificate
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer
from wallet_api.clients.agency_rights import ATTESTATION_TYP, RightsAgencyClient

NAME = "Trần Thị Bình"
LEGAL_BASIS = "Luật Lưu trữ 2024, Điều 15: hồ sơ hộ tịch lưu vĩnh viễn"
REASON = "Sổ đăng ký gốc ghi đúng nơi sinh"

# A call the app does not offer, made through the app's own client (the citizen's token and proof).
FORCED = """async (a) => {
    const app = await import("/app/app.js");
    try {
        await app.api.post(a.path, a.body);
        return "ok";
    } catch (error) {
        return error.status + " " + error.code;
    }
}"""

TARGETS = """() => [...document.querySelectorAll("main :is(button, a, select, textarea, input)")]
    .filter((e) => e.offsetParent !== null)
    .map((e) => [e.textContent.trim() || e.id, e.getBoundingClientRect()])
    .filter(([, r]) => r.height < 44 || r.width < 44).map(([t]) => t)"""


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def rights_client(agency: TestAgency) -> RightsAgencyClient:
    return RightsAgencyClient(
        agency.server.url, agency.agency_id, agency.key, kid=agency.kid, accept_language="en"
    )


def _card(kind: str, key: str) -> str:
    return (
        f"#{kind} li[data-request='{key}']"
        if kind != "deletion-ask"
        else f"#deletion-ask li[data-consent='{key}']"
    )


def _rights(page: Any) -> None:
    """The rights view drawn afresh (through home: the same hash would not render it again)."""
    go(page, "home")
    go(page, "rights")


def _approve(page: Any, consent_id: str) -> None:
    card = page.locator(f'article[data-consent="{consent_id}"]')
    card.locator('button[data-action="approve"]').click()
    page.wait_for_selector(f"#consents-decided article[data-consent='{consent_id}']", timeout=15_000)


def _request_for(items: list[dict[str, Any]], consent_id: str) -> dict[str, Any]:
    return next(i for i in items if i["consent_id"] == consent_id)


def _refused_in_page(page: Any, path: str, body: dict[str, Any]) -> str:
    answer: str = page.evaluate(FORCED, {"path": path, "body": body})
    return answer


def test_deletion_and_correction_requests_in_the_app(
    server: WalletServer, app_browser: Any, parties: Agencies
) -> None:
    page = open_app(app_browser, server.url)
    cccd, _ = enrol_in_app(page, NAME)
    citizen = RawCitizen(server.url, cccd=cccd)
    credential_id = issue_birth_certificate(parties.issuer, citizen)
    ward = parties.asking()
    wanted = [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}]
    attested, refused, never_pulled = (ask(ward, citizen, wanted) for _ in range(3))

    go(page, "consents")
    for consent in (attested, refused, never_pulled):
        _approve(page, consent["id"])
    for consent in (attested, refused):
        ward.pull_credential(consent["id"], credential_id)

    # Only consents the agency actually pulled under are offered for deletion.
    _rights(page)
    page.wait_for_selector(_card("deletion-ask", attested["id"]))
    assert page.locator(_card("deletion-ask", refused["id"])).count() == 1
    assert page.locator(_card("deletion-ask", never_pulled["id"])).count() == 0
    assert "Chưa có yêu cầu xoá nào" in page.inner_text("#deletions")
    check_axe(page, "rights, nothing asked yet")
    assert page.evaluate(TARGETS) == []

    asked = page.locator(_card("deletion-ask", attested["id"]))
    asked.locator("textarea").fill("Xin xoá cả bản sao lưu")
    asked.locator("button[data-ask-deletion]").click()
    wait_announced(page, "Đã gửi yêu cầu xoá tới Ủy ban nhân dân phường Hải Châu. Hạn trả lời:")
    page.locator(_card("deletion-ask", refused["id"])).locator("button[data-ask-deletion]").click()
    page.wait_for_selector("#deletion-ask li:has-text('Không có cơ quan nào')")
    listed = page.inner_text("#deletions")
    assert listed.count("đang chờ trả lời") == 2 and "Hạn trả lời" in listed, listed
    assert "Xin xoá cả bản sao lưu" in listed

    # The agency answers: one signed attestation, one refusal with its legal basis.
    answering = rights_client(parties.requester)
    open_requests = answering.deletion_requests()
    first = _request_for(open_requests, attested["id"])
    token = answering.sign_attestation(
        first, what="Hồ sơ đăng ký khai sinh", copies=["hồ sơ giấy", "bản sao lưu"]
    )
    answering.attest_deletion(first["id"], token)
    answering.refuse_deletion(_request_for(open_requests, refused["id"])["id"], LEGAL_BASIS)

    _rights(page)
    done = page.locator(_card("deletions", first["id"]))
    done.locator(".attestation").wait_for()
    text = done.inner_text()
    assert "đã trả lời" in text and "✓ Đã xoá (chữ ký hợp lệ): Hồ sơ đăng ký khai sinh" in text, text
    assert "các bản sao: hồ sơ giấy, bản sao lưu" in text, text
    kept = page.locator(f"#deletions li:has-text('{LEGAL_BASIS}')")
    assert "bị từ chối" in kept.inner_text() and "Căn cứ pháp lý" in kept.inner_text()
    check_axe(page, "rights, answered")
    keep_screenshot(page, "rights-vi")

    # An attestation the agency's keys did not sign is never shown as a deletion.
    forged = crypto.sign_jws(
        crypto.generate_private_key(),
        json.loads(crypto.b64url_decode(token.split(".")[1])),
        typ=ATTESTATION_TYP,
        kid=parties.requester.kid,
    )

    def tamper(route: Any) -> None:
        response = route.fetch()
        data = response.json()
        for item in data["items"]:
            if item["attestation"]:
                item["attestation"] = forged
        route.fulfill(response=response, json=data)

    page.route("**/v1/me/deletion-requests", tamper)
    _rights(page)
    page.locator(f"{_card('deletions', first['id'])} .attestation").wait_for()
    text = page.inner_text(_card("deletions", first["id"]))
    assert "KHÔNG kiểm chứng được" in text and "Đã xoá (chữ ký hợp lệ)" not in text, text
    page.unroute("**/v1/me/deletion-requests")

    # A correction from the certificate's page: a claim of THAT credential, picked by its label.
    go(page, "credentials")
    page.focus(f"button[data-correct='{credential_id}']")
    page.keyboard.press("Enter")  # from the keyboard: the form opens on the claim picker
    form = page.locator("form.correction:visible")
    form.wait_for()
    assert page.evaluate("() => document.activeElement.tagName") == "SELECT"
    assert page.get_attribute(f"button[data-correct='{credential_id}']", "aria-expanded") == "true"
    labels = form.locator("select option").all_inner_texts()
    assert any(label.startswith("Nơi sinh: ") for label in labels), labels
    form.locator("select").select_option("place_of_birth")
    form.locator("button[type=submit]").click()  # nothing typed: said, nothing sent
    wait_announced(page, "Hãy nhập thông tin đúng.")
    form.locator("input").fill("Bệnh viện C Đà Nẵng")
    form.locator("textarea").fill("Theo giấy chứng sinh")

    def other_claim(route: Any) -> None:
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "claim": "blood_type"}))

    page.route("**/corrections", other_claim)  # a claim the credential does not have
    form.locator("button[type=submit]").click()
    wait_announced(page, "Không gửi được yêu cầu sửa: Giấy tờ loại này không có thông tin 'blood_type'.")
    page.unroute("**/corrections")
    form.locator("button[type=submit]").click()
    wait_announced(page, "Đã gửi yêu cầu sửa tới Sở Tư pháp thành phố Đà Nẵng. Hạn trả lời:")
    check_axe(page, "credentials, correction asked")

    issuer = rights_client(parties.issuer)
    (correction,) = [c for c in issuer.corrections() if c["credential_id"] == credential_id]
    assert (correction["claim"], correction["proposed"]) == ("place_of_birth", "Bệnh viện C Đà Nẵng")
    _rights(page)
    page.wait_for_selector(_card("corrections", correction["id"]))
    assert "đang chờ trả lời" in page.inner_text(_card("corrections", correction["id"]))
    issuer.refuse_correction(correction["id"], REASON)

    # In English, with the header's switch: the same requests, the phone's words.
    page.click("#lang-switch")
    wait_ready(page, "rights", lang="en")
    page.wait_for_selector(_card("corrections", correction["id"]))
    fixed = page.inner_text(_card("corrections", correction["id"]))
    assert "refused" in fixed and "Reason" in fixed and REASON in fixed and "Place of birth" in fixed, fixed
    page.locator(f"{_card('deletions', first['id'])} .attestation").wait_for()
    assert "✓ Deleted (signature valid): Hồ sơ đăng ký khai sinh" in page.inner_text("#deletions")
    assert "Legal basis" in page.inner_text("#deletions")
    check_axe(page, "rights, English")
    keep_screenshot(page, "rights-en")
    words = page.evaluate(
        "async () => { const v = await import('/app/views/rights.js');"
        " return [v.texts.vi.status, v.texts.en.status]; }"
    )
    assert {k: (words[0][k], words[1][k]) for k in STATUS_WORDS} == STATUS_WORDS

    # Another citizen: nothing of hers to ask about, nothing of hers listed.
    other = open_app(app_browser, server.url)
    enrol_in_app(other, "Phạm Văn Đức")
    deletion = f"/v1/me/consents/{attested['id']}/deletion-requests"
    assert _refused_in_page(other, deletion, {}) == "404 consent_not_found"
    fix = f"/v1/me/credentials/{credential_id}/corrections"
    assert (
        _refused_in_page(other, fix, {"claim": "place_of_birth", "proposed": "x"})
        == "404 credential_not_found"
    )
    go(other, "rights")
    other.wait_for_selector("#deletions li:has-text('Chưa có yêu cầu xoá nào')")
    assert "Chưa có yêu cầu sửa nào" in other.inner_text("#corrections")
    assert NAME not in other.inner_text("#main") and "Hải Châu" not in other.inner_text("#main")
    assert len(issuer.corrections()) == 0  # refused: none open, and the other citizen added none


def test_an_unanswered_correction_shows_as_overdue(
    make_server: Callable[..., WalletServer],
    app_browser: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = make_server(env={"WALLET_RIGHTS_DEADLINE_SECONDS": "2"})
    issuer = register(server, tmp_path_factory.mktemp("issuer"), roles="issuer", types="birth-certificate")
    page = open_app(app_browser, server.url, lang="en")
    cccd, _ = enrol_in_app(page, NAME)
    credential_id = issue_birth_certificate(issuer, RawCitizen(server.url, cccd=cccd))
    go(page, "credentials")
    page.click(f"button[data-correct='{credential_id}']")
    form = page.locator("form.correction:visible")
    form.locator("select").select_option("full_name")
    form.locator("input").fill("Trần Thị Bình An")
    form.locator("button[type=submit]").click()
    wait_announced(page, "Correction asked of")
    time.sleep(3)  # past the 2 s deadline
    _rights(page)
    page.wait_for_selector("#corrections li[data-status='overdue']")
    assert "OVERDUE, escalated to the operator" in page.inner_text("#corrections")
