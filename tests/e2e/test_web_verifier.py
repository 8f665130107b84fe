"""The web verifier page in headless Chromium, its fake camera showing a QR code the project rendered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.camera import qr_video
from tests.support.cli import phone
from tests.support.raw import valid_cccd
from tests.support.server import WalletServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _identity_png(server: WalletServer, tmp_path: Path) -> Path:
    home, png = tmp_path / "phone", tmp_path / "id.png"

    mobile = phone(server.url, home)
    mobile("device", "init")
    cccd, dob = valid_cccd(birth_year=1975)
    assert mobile("enrol", "--cccd", cccd, "--name", "Đặng Thuỳ Trâm", "--dob", dob).returncode == 0
    assert mobile("qr", "--png", str(png)).returncode == 0
    return png


@pytest.fixture
def browser_with_camera(tmp_path: Path):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    def launch(video: Path):  # type: ignore[no-untyped-def]
        manager = sync_playwright().start()
        browser = manager.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append((manager, browser))
        return browser

    launched: list[tuple[object, object]] = []
    yield launch
    for manager, browser in launched:
        browser.close()  # type: ignore[attr-defined]
        manager.stop()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "lang, verdict, label", [("vi", "HỢP LỆ", "Họ và tên"), ("en", "VALID", "Full name")]
)
def test_page_scans_a_real_qr_from_the_camera(
    server: WalletServer,
    tmp_path: Path,
    browser_with_camera,  # type: ignore[no-untyped-def]
    lang: str,
    verdict: str,
    label: str,
) -> None:
    video = qr_video(_identity_png(server, tmp_path), tmp_path / "qr.y4m")
    browser = browser_with_camera(video)
    page = browser.new_page()
    page.goto(f"{server.url}/verify?lang={lang}")
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)
    text = page.inner_text("#result")
    page.screenshot(path=str(tmp_path / f"verify-{lang}.png"))
    assert verdict in page.inner_text("#verdict")
    assert "NOT" not in page.inner_text("#verdict") and "KHÔNG" not in page.inner_text("#verdict")
    assert "Đặng Thuỳ Trâm" in text and label in text
    assert ("tự khai báo" if lang == "vi" else "self-asserted") in text


def test_page_refuses_a_code_signed_by_an_unknown_key(
    server: WalletServer, tmp_path: Path, browser_with_camera
) -> None:  # type: ignore[no-untyped-def]
    import time

    import crypto
    import qr

    claims = qr.disclose(
        full_name="Kẻ Giả Mạo", date_of_birth="1990-01-01", cccd="048090012345", status="verified"
    )
    forged = qr.encode_identity(crypto.generate_private_key(), claims, not_before=int(time.time()) - 10)
    png = tmp_path / "forged.png"
    qr.render_png(forged, png)
    browser = browser_with_camera(qr_video(png, tmp_path / "forged.y4m"))
    page = browser.new_page()
    page.goto(f"{server.url}/verify")
    page.wait_for_selector("#result:not([hidden])", timeout=30_000)
    assert "KHÔNG HỢP LỆ" in page.inner_text("#verdict")
    assert "Khoá ký không có trong danh sách tin cậy" in page.inner_text("#reasons")
