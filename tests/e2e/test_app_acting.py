"""Acting for someone under a mandate, in the app: the delegate picks "act for X" among held
mandates, the documents view lists X's documents of a covered type (every call naming the mandate),
a banner says plainly whom they act for with a way back, another type is refused in words, a mandate
ended meanwhile is refused too, and X's own log view says "done by ... for you" -- two headless
Chromium profiles against the real service, on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
from tests.support.server import WalletServer

MOTHER = "Lê Thị Hoa"
SON = "Lê Văn Nam"


def _upload(page: Any, path: Path, doc_type: str) -> None:
    page.select_option("#upload-type", doc_type)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-button")
    page.wait_for_selector(f"#documents li:has-text('{path.name}')")


def test_acting_for_someone_under_a_mandate(server: WalletServer, app_browser: Any, tmp_path: Path) -> None:
    mother = open_app(app_browser, server.url)
    enrol_in_app(mother, MOTHER, birth_year=1950)
    go(mother, "documents")
    birth = tmp_path / "giấy khai sinh.pdf"
    birth.write_bytes(b"%PDF-1.4\nkhai sinh\n%%EOF\n")
    other = tmp_path / "sổ tiết kiệm.pdf"
    other.write_bytes(b"%PDF-1.4\nrieng tu\n%%EOF\n")
    _upload(mother, birth, "birth-certificate")
    _upload(mother, other, "other")

    son = open_app(app_browser, server.url)
    son_cccd, _ = enrol_in_app(son, SON)
    go(son, "mandates")
    assert son.locator("[data-act-for]").count() == 0  # holds no mandate yet

    go(mother, "mandates")
    mother.fill("#mandate-cccd", son_cccd)
    mother.check("#mandate-documents-birth-certificate")
    mother.fill("#mandate-until", (dt.date.today() + dt.timedelta(days=30)).strftime("%d/%m/%Y"))
    mother.click("#mandate-form button[type=submit]")
    wait_announced(mother, "Đã uỷ quyền")

    # The delegate picks "act for" and sees her documents of the covered type.
    go(son, "documents")
    go(son, "mandates")
    son.click(f"#mandates-held button:has-text('{MOTHER}')")
    wait_ready(son, "documents")
    banner = son.inner_text("#acting-banner")
    assert f"Bạn đang làm thay {MOTHER}" in banner, banner
    assert MOTHER in son.inner_text("h1")
    son.wait_for_selector("#documents li")
    listed = son.inner_text("#documents")
    assert "giấy khai sinh.pdf" in listed and "sổ tiết kiệm.pdf" not in listed
    assert son.locator("#upload-form").count() == 0 and son.locator("#export").count() == 0
    assert son.locator("#documents li button.danger").count() == 0  # nothing to delete for her
    check_axe(son, "documents, acting for someone")
    keep_screenshot(son, "documents-acting")
    with son.expect_download() as download:
        son.click("#documents li button:has-text('Tải về')")
    assert Path(download.value.path()).read_bytes() == birth.read_bytes()

    # Another type is refused by the service, in words; nothing of hers is shown.
    son.select_option("#filter-type", "other")
    wait_announced(son, "Uỷ quyền không bao gồm loại giấy tờ")
    assert son.locator("#documents li").count() == 0

    # Her log, in her own app, says who did it for her.
    go(mother, "log")
    mother.wait_for_selector("#main li:has-text('thay bạn (theo uỷ quyền)')")
    worded = mother.inner_text("#main")
    assert f"{SON} đã xem giấy khai sinh của bạn thay bạn (theo uỷ quyền)" in worded, worded

    # The way back: his own documents, no banner, no mandate named.
    son.click("#stop-acting")
    son.wait_for_selector("#acting-banner", state="detached")
    wait_ready(son, "documents")
    assert "Giấy tờ của tôi" in son.inner_text("h1")
    son.wait_for_selector("#documents-count:has-text('Chưa có giấy tờ nào')")

    # She ends the mandate: acting again is refused at the next request, in words.
    go(son, "mandates")
    son.click(f"#mandates-held button:has-text('{MOTHER}')")
    wait_ready(son, "documents")
    go(mother, "mandates")
    mother.click("#mandates-granted li[data-mandate] button.danger")
    mother.click("dialog.confirm button.danger")
    wait_announced(mother, "Đã chấm dứt")
    son.reload()  # acting is kept across a reload; the list is asked again
    wait_ready(son, "documents")
    wait_announced(son, "đã bị thu hồi")
    assert son.locator("#documents li").count() == 0
    assert son.locator("#stop-acting").count() == 1
