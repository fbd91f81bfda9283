"""End to end in a real browser (Debian's Chromium driven by Playwright) against a real
`xaso demo` server: search as you type, accessibility, phones, and no CSP violations."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("XASO_BROWSER_TESTS", "1") == "0", reason="browser tests run once per CI"
    ),
]

AXE = Path(__file__).parent / "assets" / "axe-4.14.1.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo site in its own data directory, served by the real `xaso serve`."""
    env = {**os.environ, "XASO_DATA_DIR": str(tmp_path_factory.mktemp("demo"))}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "xaso", "demo", "--no-serve"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "xaso", "serve", "--port", str(port), "--no-worker",
         "--workers", "1"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the demo server did not start")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (scripts/ensure-system-packages.sh)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="vi-VN")
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    yield pg
    context.close()


def test_search_as_you_type_without_reload(page: Any, demo_url: str) -> None:
    page.goto(f"{demo_url}/don-vi/tim-kiem/")
    page.get_by_label("Tên hoặc mã (có dấu hoặc không dấu)").press_sequentially("hoa phu")
    page.wait_for_selector("#results li")
    assert "Xã Hòa Phú" in page.inner_text("#results")
    assert page.url.endswith("/don-vi/tim-kiem/")  # results came by HTMX, not navigation
    assert page.errors == []  # no CSP violation, no script error


def test_unit_page_links_predecessors(page: Any, demo_url: str) -> None:
    page.goto(f"{demo_url}/don-vi/hien-nay/24175/")
    page.get_by_role("link", name="Xã Hòa Khánh").click()
    assert page.url.endswith("/don-vi/truoc-2025/24181/") or "Hòa Khánh" in page.title()
    assert "Xã Hòa Phú" in page.inner_text("main")


@pytest.mark.parametrize("path", ["/", "/don-vi/", "/don-vi/hien-nay/24175/",
                                  "/don-vi/tim-kiem/?q=song+cau"])  # fmt: skip
def test_no_serious_accessibility_violations(browser: Any, demo_url: str, path: str) -> None:
    # axe is injected by the test, so only this context lets an injected script run.
    context = browser.new_context(bypass_csp=True, locale="vi-VN")
    page = context.new_page()
    page.goto(demo_url + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    serious = [
        f"{v['id']}: {v['help']}" for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]  # fmt: skip
    context.close()
    assert serious == []


def test_fits_a_phone_screen(browser: Any, demo_url: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    for path in ("/", "/don-vi/hien-nay/66/", "/don-vi/hien-nay/24175/"):
        page.goto(demo_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 362, (path, width)
    context.close()


def test_keyboard_reaches_skip_link_first(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Bỏ qua")
