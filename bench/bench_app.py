"""The citizen's app (/app) in headless Chromium: time to interactive from a cold cache against the
counter's /verify page in the same run, the bytes of the shell compressed, and the time to show the
identity QR with the network cut.

Run with ``scripts/bench.sh app`` (or ``PYTHONPATH=. .venv/bin/python -m bench.bench_app``).

* Time to interactive: a fresh browser profile (empty cache, no service worker) opens the page;
  the clock stops when the page can be used: /app once its first view is rendered (the shell sets
  ``html[data-ready]``), /verify once the counter's nonce is shown. Median of ``--rounds``.
* Shell bytes: every file the service worker keeps for offline use (the page, modules, styles,
  icons, the vendored QR generator), as the service sends them to a browser that accepts gzip;
  goal under 200 KB. Also what a cold first visit of each page transferred (Resource Timing).
* Identity QR offline: an enrolled profile with its batch of codes, the network cut, the page
  reloaded from the service worker; then the time from asking for the QR view to the QR drawn
  (goal under 300 ms), against switching to the settings view in the same page.

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.app_browser import ARGS, CHROMIUM, PHONE, enrol_in_app, wait_ready
from tests.support.server import WalletServer

SW = Path(__file__).resolve().parents[1] / "wallet_api" / "static" / "app" / "sw.js"
SHOW_VIEW = """async ([hash, selector]) => {
    const start = performance.now();
    location.hash = hash;
    await new Promise((resolve) => {
        const done = () => document.querySelector(selector) && document.documentElement.dataset.ready === "1";
        if (done()) return resolve();
        const watch = new MutationObserver(() => { if (done()) { watch.disconnect(); resolve(); } });
        watch.observe(document.documentElement, {subtree: true, childList: true, attributes: true});
    });
    return performance.now() - start;
}"""
TRANSFERRED = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const parts = performance.getEntriesByType("resource").map((e) => e.transferSize);
    return (nav ? nav.transferSize : 0) + parts.reduce((a, b) => a + b, 0);
}"""


def shell_files() -> list[str]:
    """The paths the service worker precaches."""
    text = SW.read_text("utf-8")
    block = text.split("const SHELL = [", 1)[1].split("];", 1)[0]
    return re.findall(r'"(/app[^"]*)"', block)


def shell_bytes(base_url: str) -> tuple[int, int, int]:
    """(compressed bytes, uncompressed bytes, files) of the shell as sent with gzip."""
    compressed = plain = files = 0
    with httpx.Client(timeout=30) as http:
        for path in shell_files():
            with http.stream("GET", base_url + path, headers={"Accept-Encoding": "gzip"}) as response:
                if response.status_code != 200:
                    continue  # a view not in this build (another part of the app)
                raw = b"".join(response.iter_raw())  # the bytes as they travel, still gzipped
            compressed += len(raw)
            plain += len(http.get(base_url + path, headers={"Accept-Encoding": "identity"}).content)
            files += 1
    return compressed, plain, files


def cold_open(browser: Any, url: str, ready: str) -> tuple[float, int]:
    """Seconds from navigation to ``ready`` in a fresh profile, and the bytes it transferred."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(ready, state="attached", timeout=60_000)
    elapsed = time.perf_counter() - start
    page.wait_for_load_state("load")
    transferred = int(page.evaluate(TRANSFERRED))
    context.close()
    return elapsed, transferred


def offline_qr(browser: Any, base_url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds to show the identity QR offline, and to show the settings view, in one page."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(base_url + "/app")
    wait_ready(page)
    enrol_in_app(page, "Nguyễn Văn Bình")
    page.evaluate(SHOW_VIEW, ["#/identity", "#identity-qr"])  # fetches and keeps the batch
    page.evaluate("async () => Boolean(await navigator.serviceWorker.ready)")
    context.set_offline(True)
    page.reload()
    wait_ready(page)
    qr_times, other = [], []
    for _ in range(rounds):
        qr_times.append(float(page.evaluate(SHOW_VIEW, ["#/identity", "#identity-qr"])))
        other.append(float(page.evaluate(SHOW_VIEW, ["#/settings", "html[data-view='settings'] h1"])))
    context.close()
    return qr_times, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = WalletServer(Path(tmp) / "data")
        server.start()
        try:
            with sync_playwright() as manager:
                browser = manager.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                app, verify = [], []
                for _ in range(args.rounds):  # alternating, so both see the same machine load
                    app.append(cold_open(browser, server.url + "/app", "html[data-ready='1']"))
                    verify.append(cold_open(browser, server.url + "/verify", "#nonce:not(:text-is('…'))"))
                qr_times, other = offline_qr(browser, server.url, args.rounds)
                browser.close()
            compressed, plain, files = shell_bytes(server.url)
        finally:
            server.stop()

    app_tti = statistics.median(t for t, _ in app) * 1000
    verify_tti = statistics.median(t for t, _ in verify) * 1000
    print(f"time to interactive, cold cache (median of {args.rounds}):")
    print(f"  /app     {app_tti:8.1f} ms   transferred {app[-1][1] / 1024:7.1f} KB")
    print(f"  /verify  {verify_tti:8.1f} ms   transferred {verify[-1][1] / 1024:7.1f} KB")
    print(f"  ratio /app : /verify = {app_tti / verify_tti:.2f}")
    print(f"shell kept for offline use: {files} files, {compressed / 1024:.1f} KB compressed")
    print(f"  ({plain / 1024:.1f} KB uncompressed; goal < 200 KB: {compressed / (200 * 1024):.2f} of it)")
    qr_ms, other_ms = statistics.median(qr_times), statistics.median(other)
    print(f"identity QR shown offline (median of {args.rounds}): {qr_ms:.1f} ms")
    print(f"  goal < 300 ms: {qr_ms / 300:.2f} of it")
    print(f"  against switching to the settings view ({other_ms:.1f} ms): {qr_ms / other_ms:.2f}x")


if __name__ == "__main__":
    main()
