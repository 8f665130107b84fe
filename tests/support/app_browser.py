"""Driving the citizen's app (/app) in Debian's Chromium through playwright-python.

``app_browser`` (a fixture: import ``app_browser_fixture`` into a test module to use it) launches
headless Chromium like tests/e2e/test_web_verifier.py does; ``open_app`` gives a fresh profile (its
own IndexedDB, service worker and cache) at 360x640; ``enrol_in_app`` fills the enrolment form;
``check_axe`` runs the vendored axe-core in the page and fails on any serious or critical
violation; ``keep_screenshot`` writes a screenshot to test-artifacts/app/ (gitignored).

The app's CSP forbids eval, so Playwright's string predicates (``wait_for_function("...")``) fail
in its pages: wait on selectors, e.g. ``html[data-ready='1']`` (the shell sets it after each view
rendered) or ``html[data-view='documents']``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.raw import valid_cccd

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_DIR = Path(__file__).parent / "axe"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "app"
PHONE = {"width": 360, "height": 640}


def axe_source() -> str:
    """The vendored axe-core, after checking it is the pinned file."""
    source = (AXE_DIR / "axe.min.js").read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    assert digest in (AXE_DIR / "VENDORED.md").read_text(), "axe.min.js is not the pinned file"
    return source.decode("utf-8")


@pytest.fixture(name="app_browser")
def app_browser_fixture() -> Iterator[Any]:
    """A headless Chromium for one test (each ``open_app`` is a fresh profile in it). Not kept for
    the session: a running sync Playwright would break the other browser tests of the worker."""
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    chromium = manager.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield chromium
    chromium.close()
    manager.stop()


def open_app(
    browser: Any, base_url: str, *, lang: str | None = None, viewport: dict[str, int] | None = None
) -> Any:
    """A fresh browser profile on ``/app`` (``?lang=`` when given), ready; returns the page. CSP
    violations and page errors are collected in ``page.problems``."""
    context = browser.new_context(viewport=viewport or PHONE, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.problems = problems
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(base_url + "/app" + (f"?lang={lang}" if lang else ""))
    wait_ready(page)
    return page


def wait_ready(
    page: Any, view: str | None = None, timeout: float = 15_000, *, lang: str | None = None
) -> None:
    """Wait until the shell has rendered a view (``view`` when given; in ``lang`` when given)."""
    selector = f"html[data-view='{view}'][data-ready='1']" if view else "html[data-ready='1']"
    if lang:
        selector += f"[lang='{lang}']"
    page.wait_for_selector(selector, state="attached", timeout=timeout)


def go(page: Any, view: str) -> None:
    """Navigate to ``#/view`` through the address bar's hash and wait for it."""
    page.evaluate("(hash) => { location.hash = hash; }", "#/" + view)
    wait_ready(page, view)


def enrol_in_app(page: Any, full_name: str, *, birth_year: int = 1985) -> tuple[str, str]:
    """Fill and send the enrolment form; returns (cccd, ISO date of birth) once home is shown."""
    cccd, dob = valid_cccd(birth_year=birth_year)
    page.fill("#cccd", cccd)
    page.fill("#full-name", full_name)
    year, month, day = dob.split("-")
    page.fill("#dob", f"{day}/{month}/{year}")
    page.click("#enrol-form button[type=submit]")
    wait_ready(page, "home")
    return cccd, dob


def check_axe(page: Any, name: str) -> None:
    """Run axe-core on the page as it is now; no serious or critical violation allowed."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;0")  # DevTools evaluation: the page's CSP does not apply
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }"""
    )
    assert found == [], f"axe on {name}: {found}"


def keep_screenshot(page: Any, name: str) -> Path:
    """A screenshot of the page kept as a test artefact (test-artifacts/app/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def announced(page: Any) -> str:
    """What the shell's live regions say now."""
    text: str = page.evaluate(
        "() => document.getElementById('announce').textContent + ' ' + "
        "document.getElementById('announce-assertive').textContent"
    )
    return text


def wait_announced(page: Any, words: str, timeout: float = 10.0) -> None:
    """Wait until a live region says ``words`` (polled from here: the page's CSP forbids the eval
    that ``wait_for_function`` needs)."""
    deadline = time.monotonic() + timeout
    while words not in announced(page):
        assert time.monotonic() < deadline, f"never announced {words!r}; last: {announced(page)!r}"
        page.wait_for_timeout(100)


def idb_value(page: Any, key: str) -> Any:
    """A value of the app's IndexedDB store, read in the page."""
    return page.evaluate(
        """(key) => new Promise((resolve, reject) => {
            const open = indexedDB.open("citizen-wallet");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const get = open.result.transaction("kv").objectStore("kv").get(key);
                get.onsuccess = () => resolve(
                    get.result === undefined ? null : JSON.parse(JSON.stringify(get.result)));
            };
        })""",
        key,
    )


def wallet_verify(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``wallet-verify`` (the counter's command line) run as a separate process."""
    command = [sys.executable, "-c", "from qr.cli import main; main()", "--cache", str(cache), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def sample_pdf(path: Path, size: int) -> Path:
    """A file that starts and ends like a PDF, ``size`` bytes of filler between."""
    path.write_bytes(b"%PDF-1.4\n" + bytes(i % 251 for i in range(size)) + b"\n%%EOF\n")
    return path
