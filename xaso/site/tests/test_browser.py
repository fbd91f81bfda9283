"""End to end in a real browser (Debian's Chromium driven by Playwright) against a real
`xaso demo` server: search as you type, accessibility, phones, and no CSP violations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from xaso.core.testing.browser import AXE, chromium, demo_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("XASO_BROWSER_TESTS", "1") == "0", reason="browser tests run once per CI"
    ),
]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("demo")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


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
