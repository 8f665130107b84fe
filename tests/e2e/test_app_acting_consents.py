"""Answering someone's consent requests under a mandate, in the app: the delegate picks "act for X:
answer requests" among held mandates, the consents view lists X's pending requests for the
procedures the mandate covers (every call naming the mandate), the delegate approves PART of one
with their own device's key (the decision names them and the mandate), the agency then gets exactly
that and a receipt naming both, both access logs say who did it, a request for a procedure outside
the mandate is neither shown nor answerable when forced, nothing of X's is kept on the delegate's
device, and a mandate ended meanwhile stops it -- two headless Chromium profiles against the real
service and agencies registered with the real CLI, on both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.support.app_browser import (
    app_browser_fixture,  # noqa: F401 -- provides the app_browser fixture
    check_axe,
    enrol_in_app,
    go,
    idb_value,
    keep_screenshot,
    open_app,
    wait_announced,
    wait_ready,
)
from tests.support.consents import Agencies, agencies, ask, issue_birth_certificate
from tests.support.raw import RawCitizen
from tests.support.server import WalletServer

MOTHER = "Lê Thị Hoa"
SON = "Lê Văn Nam"
BIRTH_REGISTRATION = "1.001193"  # covered by the mandate
MARRIAGE_REGISTRATION = "1.000656"  # not covered (it accepts birth certificates too)

# Everything the delegate's browser keeps, as JSON (CryptoKeys show as {}).
IDB_DUMP = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open("citizen-wallet");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const out = {};
        const cursor = open.result.transaction("kv").objectStore("kv").openCursor();
        cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return resolve(JSON.stringify(out));
            out[String(c.key)] = c.value;
            c.continue();
        };
    };
})"""

# A call the app would not make (the consent is not listed): forced through the app's own client
# for the person acted for, so it carries the delegate's token, proof and the mandate header.
FORCED = """async (a) => {
    const app = await import("/app/app.js");
    const api = app.ctx.actingApi;
    try {
        if (a.decide) await api.post("/v1/me/consents/" + a.id + "/decision", { decision: "x.y.z" });
        else await api.get("/v1/me/consents/" + a.id);
        return "ok";
    } catch (error) {
        return error.status + " " + error.code + " " + (error.detail || "");
    }
}"""


@pytest.fixture(scope="module")
def parties(server: WalletServer, tmp_path_factory: pytest.TempPathFactory) -> Agencies:
    return agencies(server, tmp_path_factory.mktemp("agencies"))


def _card(consent_id: str) -> str:
    return f'article[data-consent="{consent_id}"]'


def _status(page: Any, words: str) -> None:
    page.wait_for_selector(f"#consents-status:has-text('{words}')", timeout=15_000)


def _grant(mother: Any, son_cccd: str, procedures: str) -> None:
    go(mother, "mandates")
    mother.fill("#mandate-cccd", son_cccd)
    mother.fill("#mandate-procedures", procedures)
    mother.fill("#mandate-until", (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y"))
    mother.click("#mandate-form button[type=submit]")
    wait_announced(mother, "Đã uỷ quyền")


def _act_for_consents(son: Any) -> None:
    go(son, "mandates")
    son.click(f"#mandates-held button[data-act-for-consents]:has-text('{MOTHER}')")
    wait_ready(son, "consents")


def test_a_delegate_answers_a_covered_request_and_nothing_else(
    server: WalletServer, app_browser: Any, parties: Agencies
) -> None:
    mother = open_app(app_browser, server.url)
    mother_cccd, _ = enrol_in_app(mother, MOTHER, birth_year=1950)
    her = RawCitizen(server.url, cccd=mother_cccd)
    credential_id = issue_birth_certificate(parties.issuer, her)
    agency = parties.asking()
    wanted = [{"type": "birth-certificate", "claims": ["full_name", "date_of_birth"]}]
    covered = ask(agency, her, wanted)
    later = ask(agency, her, wanted)
    uncovered = ask(agency, her, wanted, procedure_code=MARRIAGE_REGISTRATION, purpose="Đăng ký kết hôn")

    son = open_app(app_browser, server.url)
    son_cccd, _ = enrol_in_app(son, SON)
    son_id = idb_value(son, "session")["citizen_id"]
    _grant(mother, son_cccd, BIRTH_REGISTRATION)

    # Procedures only: "act for" offers answering requests, not documents.
    go(son, "mandates")
    assert son.locator("[data-act-for]").count() == 0
    _act_for_consents(son)
    banner = son.inner_text("#acting-banner")
    assert f"Bạn đang làm thay {MOTHER} (theo uỷ quyền)" in banner, banner
    assert MOTHER in son.inner_text("h1")
    son.wait_for_selector(_card(covered["id"]))
    card = son.locator(_card(covered["id"]))
    assert f"xin xem dữ liệu của {MOTHER}" in card.inner_text()
    assert "Đăng ký khai sinh (1.001193)" in card.inner_text()
    assert son.locator(_card(later["id"])).count() == 1
    assert son.locator(_card(uncovered["id"])).count() == 0  # a procedure the mandate does not cover
    assert son.locator('button[data-action="revoke"]').count() == 0
    check_axe(son, "consents, acting for someone")
    keep_screenshot(son, "consents-acting")

    # Part of it, from the keyboard: the name only; signed with HIS key, naming him and the mandate.
    card.locator('input[data-claim="date_of_birth"]').uncheck()
    approve = card.locator('button[data-action="approve"]')
    approve.focus()
    son.keyboard.press("Enter")
    _status(son, "Đã đồng ý chia sẻ. Biên nhận đã được kiểm chứng.")
    decided = son.locator(_card(covered["id"]))
    assert "Người quyết định" in decided.inner_text()

    pulled = agency.pull_credential(covered["id"], credential_id)
    assert pulled["disclosed"] == ["full_name", "registration_number"]  # exactly what he approved
    receipt = agency.receipt(covered["id"])["receipt"]
    assert receipt["delegate"]["citizen_id"] == son_id
    assert receipt["pii_principal"]["citizen_id"] != son_id

    # The uncovered request, forced through the app's client under the mandate: refused by the API.
    for decide in (False, True):
        answer = son.evaluate(FORCED, {"id": uncovered["id"], "decide": decide})
        assert answer.startswith("403 mandate_out_of_scope"), answer
    assert agency.consent(uncovered["id"])["state"] == "pending"

    # Nothing of hers is kept on his device (no drafts, no consents, no claims).
    kept = son.evaluate(IDB_DUMP)
    for theirs in (covered["id"], later["id"], uncovered["id"], "Bệnh viện Phụ sản", mother_cccd):
        assert theirs not in kept, theirs

    # The mandate covers no documents: the documents view, still acting for her, says so and lists none.
    go(son, "documents")
    son.wait_for_selector("#list-status:has-text('không bao gồm việc xem giấy tờ')")
    assert son.locator("#acting-banner").count() == 1 and son.locator("#documents li").count() == 0

    # Both logs say who did it.
    go(son, "log")
    son.wait_for_selector("#main li:has-text('(theo uỷ quyền)')")
    mine = son.inner_text("#main")
    assert f"Bạn đã trả lời yêu cầu đồng ý của {MOTHER} (theo uỷ quyền)" in mine, mine
    go(mother, "log")
    mother.wait_for_selector("#main li:has-text('đã trả lời')")
    hers = mother.inner_text("#main")
    done_for_her = f"{SON} đã trả lời yêu cầu đồng ý của bạn thay bạn (theo uỷ quyền) cho thủ tục 1.001193"
    assert done_for_her in hers, hers

    # The way back: his own requests (none), no banner.
    go(son, "consents")
    son.click("#stop-acting")
    son.wait_for_selector("#acting-banner", state="detached")
    wait_ready(son, "consents")
    assert son.inner_text("h1").strip() == "Yêu cầu chia sẻ dữ liệu"
    son.wait_for_selector("#consents-pending:has-text('Không có yêu cầu nào đang chờ')")

    # She ends the mandate: the next request under it is refused, in words, the way back still there.
    _act_for_consents(son)
    son.wait_for_selector(_card(later["id"]))
    go(mother, "mandates")
    mother.click("#mandates-granted li[data-mandate] button.danger")
    mother.click("dialog.confirm button.danger")
    wait_announced(mother, "Đã chấm dứt")
    son.locator(_card(later["id"])).locator('button[data-action="deny"]').click()
    _status(son, "đã bị thu hồi")
    son.reload()
    wait_ready(son, "consents")
    _status(son, "đã bị thu hồi")
    assert son.locator(_card(later["id"])).count() == 0
    assert son.locator("#stop-acting").count() == 1
    assert agency.consent(later["id"])["state"] == "pending"  # nothing was decided for her
