"""The citizen app's consents view (views/consents.js) in Chromium, with a key made in the page.

A request is shown in plain words (who, why, which procedure and case, which data by label, until
when, how many times); a revoked credential is listed but never chosen by default; approving PART
of it (one claim unticked) signs the decision with the page's key, and the agency then gets exactly
that; the receipt is verified in the browser (a tampered one is flagged); deny and revoke work and
the agency's next pull is refused.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.app_browser import app_browser_fixture  # noqa: F401 -- provides app_browser
from tests.support.app_views import chromium_page, enrol, show, stored
from tests.support.consents import (
    WARD,
    Agencies,
    agencies,
    ask,
    issue_birth_certificate,
    refused,
)
from tests.support.raw import RawCitizen, valid_cccd
from tests.support.server import WalletServer

JARGON = ("JWS", "SD-JWT", "hash", "jwt", "full_name", "date_of_birth", "null", "undefined")


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _citizen(server: WalletServer, page: Any) -> RawCitizen:
    cccd, dob = valid_cccd(birth_year=1990)
    citizen_id = enrol(page, cccd, "Nguyễn Thị Minh Khai", dob)
    return RawCitizen(server.url, citizen_id=citizen_id, cccd=cccd)


def _card(consent_id: str) -> str:
    return f'article[data-consent="{consent_id}"]'


def _status(page: Any, words: str) -> None:
    page.wait_for_function(
        "(w) => document.getElementById('consents-status').textContent.includes(w)", arg=words, timeout=15_000
    )


def test_approve_part_of_a_request_in_plain_vietnamese(
    app_browser: Any, server: WalletServer, parties: Agencies
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _citizen(server, page)
        revoked_id = issue_birth_certificate(parties.issuer, citizen)
        parties.issuer.client().set_status(revoked_id, "revoked")
        valid_id = issue_birth_certificate(parties.issuer, citizen)
        agency = parties.asking()
        asked = ask(
            agency,
            citizen,
            [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}],
            max_uses=2,
        )
        show(page, "consents", "vi")
        card = page.locator(_card(asked["id"]))
        text = card.inner_text()
        for words in (
            f"{WARD} xin xem dữ liệu của bạn",
            "Đăng ký khai sinh cho con thứ hai",  # why
            "Đăng ký khai sinh (1.001193)",  # which procedure
            asked["case_number"],
            "tối đa 2 lần (đã lấy 0 lần)",
            "30 ngày",
            "Giấy khai sinh",
            "Họ và tên",
            "Ngày sinh",
            "ĐÃ BỊ THU HỒI",
            "còn hiệu lực",
        ):
            assert words in text, words
        assert not [j for j in JARGON if j in text], text
        # Both credentials are offered; the valid one is chosen, the revoked one is not.
        assert card.locator(f'input[type=radio][value="{valid_id}"]').is_checked()
        assert not card.locator(f'input[type=radio][value="{revoked_id}"]').is_checked()
        assert card.locator(".which .notice.warn").is_hidden()

        card.locator('input[data-claim="date_of_birth"]').uncheck()  # share PART: the name only
        card.locator('button[data-action="approve"]').click()
        _status(page, "Đã đồng ý chia sẻ. Biên nhận đã được kiểm chứng.")
        assert "Đã đồng ý chia sẻ. Biên nhận đã được kiểm chứng." in page.evaluate("window.announced")
        decided = page.locator(_card(asked["id"]))
        assert "✔ Biên nhận có chữ ký hợp lệ của dịch vụ ví" in decided.inner_text()
        assert "Giấy khai sinh: Họ và tên" in decided.inner_text()

        pulled = agency.pull_credential(asked["id"], valid_id)
        assert pulled["disclosed"] == ["full_name", "registration_number"]  # the always-shared number too
        assert (
            refused(lambda: agency.pull_credential(asked["id"], revoked_id)).code == "consent_item_not_found"
        )

        # The receipt again, later, verified; then a tampered copy is flagged, not believed.
        show(page, "consents", "vi")
        page.locator(_card(asked["id"])).locator('button[data-action="receipt"]').click()
        page.wait_for_selector(f"{_card(asked['id'])} section.receipt")
        assert "✔ Biên nhận có chữ ký hợp lệ" in page.locator(_card(asked["id"])).inner_text()

        def tamper(route: Any) -> None:
            response = route.fetch()
            data = response.json()
            data["receipt"]["approved"][0]["claims"] = ["full_name", "date_of_birth"]
            route.fulfill(response=response, json=data)

        page.route("**/receipt", tamper)
        page.locator(_card(asked["id"])).locator('button[data-action="receipt"]').click()
        page.wait_for_function(
            "(s) => document.querySelector(s + ' section.receipt').textContent.includes('không kiểm chứng')",
            arg=_card(asked["id"]),
        )
        page.unroute("**/receipt")

        # Withdraw: the agency's next pull is refused.
        page.locator(_card(asked["id"])).locator('button[data-action="revoke"]').click()
        _status(page, "Đã rút lại sự đồng ý")
        assert refused(lambda: agency.pull_credential(asked["id"], valid_id)).code == "consent_revoked"
        assert "đã rút lại" in page.locator(_card(asked["id"])).inner_text()


def test_deny_in_english_and_choices_kept_while_offline(
    app_browser: Any, server: WalletServer, parties: Agencies
) -> None:
    with chromium_page(app_browser, server.url) as page:
        citizen = _citizen(server, page)
        credential_id = issue_birth_certificate(parties.issuer, citizen)
        agency = parties.asking()
        asked = ask(
            agency, citizen, [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}]
        )
        show(page, "consents", "en")
        card = page.locator(_card(asked["id"]))
        assert f"{WARD} asks to see your data" in card.inner_text()
        assert "Full name" in card.inner_text() and "Birth registration (1.001193)" in card.inner_text()

        card.locator('input[data-claim="full_name"]').uncheck()
        page.context.set_offline(True)
        card.locator('button[data-action="approve"]').click()
        _status(page, "You need a network connection")
        drafts = stored(page, "consents.drafts")
        assert drafts[asked["id"]]["0"]["claims"] == ["date_of_birth"], json.dumps(drafts)
        page.context.set_offline(False)

        show(page, "consents", "en")  # shown again: the unticked claim stays unticked
        card = page.locator(_card(asked["id"]))
        assert not card.locator('input[data-claim="full_name"]').is_checked()
        card.locator('button[data-action="deny"]').click()
        _status(page, "Request denied. The receipt was verified.")
        assert refused(lambda: agency.pull_credential(asked["id"], credential_id)).code == "consent_denied"
        assert "denied" in page.locator(_card(asked["id"])).inner_text()
