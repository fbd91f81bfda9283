"""Stored XSS in a real browser: the payloads of ``xaso.core.testing.xss`` are planted
through the actions (``xss_plant.py``) into a ``xaso demo`` server, and the pages that
show them are opened in Debian's Chromium — anonymously, as a commune officer and as a
province administrator.

Each page is opened twice. First with the Content Security Policy bypassed, so that only
escaping stands between a payload and its execution: an init script traps ``__xss`` (every
payload sets it) and ``alert``/``confirm``/``prompt``, in every frame, and nothing may be
caught. Then with the policy on, as users get it: the console must show no CSP violation
(the site has no inline script or handler, so a violation means an injected one tried).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from xaso.core.testing.browser import chromium, demo_server
from xaso.core.testing.xss import TRAP_SCRIPT
from xaso.site.tests.xss_plant import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("XASO_BROWSER_TESTS", "1") == "0", reason="browser tests run once per CI"
    ),
]


@pytest.fixture(scope="module")
def planted_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    data_dir = tmp_path_factory.mktemp("xss-demo")
    with demo_server(data_dir) as url:
        env = {**os.environ, "XASO_DATA_DIR": str(data_dir),
               "DJANGO_SETTINGS_MODULE": "xaso.settings"}  # fmt: skip
        env.pop("DATABASE_URL", None)
        done = subprocess.run([sys.executable, "-m", "xaso.site.tests.xss_plant"], env=env,
                              check=True, capture_output=True, text=True)  # fmt: skip
        yield url, json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert "/dang-nhap/" not in page.url, "could not sign in"


def _visit(browser: Any, url: str, username: str | None, paths: list[str], *, csp: bool) -> Any:
    context = browser.new_context(locale="vi-VN", bypass_csp=not csp)
    context.add_init_script(TRAP_SCRIPT)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    console: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    page.on("dialog", lambda d: (console.append(f"dialog {d.message}"), d.dismiss()))
    if username:
        _sign_in(page, url, username)
    for path in paths:
        console.clear()
        response = page.goto(url + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_timeout(150)  # onerror, ontoggle, onfocus and friends fire by now
        hits: list[str] = []
        for frame in page.frames:
            try:
                hits += frame.evaluate("() => (window.__xss_hits || []).slice()")
            except Exception:  # a frame that navigated away (javascript: URLs are blocked)
                continue
        violations = [c for c in console if "Content Security Policy" in c or "dialog" in c]
        if hits or (csp and violations):
            found[path] = hits + violations[:3]
    context.close()
    return found


def test_no_payload_runs_in_chromium(
    planted_demo: tuple[str, dict[str, Any]], browser: Any
) -> None:
    url, planted = planted_demo
    users = {"anon": None, **planted["users"]}
    started = time.monotonic()
    problems: dict[str, Any] = {}
    loads = 0
    for who, paths in planted["pages"].items():
        for csp in (False, True):
            problems.update(_visit(browser, url, users[who], paths, csp=csp))
            loads += len(paths)
    took = time.monotonic() - started
    pages = sum(map(len, planted["pages"].values()))
    print(f"\nXSS (Chromium): {loads} page loads ({pages} pages, with and without CSP) "
          f"in {took:.1f} s; skipped: {planted['skipped']}")  # fmt: skip
    assert not problems, problems
    assert not planted["skipped"]


def test_the_trap_catches_a_payload_that_runs(
    planted_demo: tuple[str, dict[str, Any]], browser: Any
) -> None:
    """The trap is live: a payload put in the page by the test itself is caught."""
    url, _ = planted_demo
    context = browser.new_context(bypass_csp=True)
    context.add_init_script(TRAP_SCRIPT)
    page = context.new_page()
    page.goto(url + "/")
    page.evaluate("""() => { const d = document.createElement('div');
        d.innerHTML = '<img src=x onerror=top.__xss=/x5s999/>'; document.body.append(d); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__xss_hits.slice()") == ["/x5s999/"]
    context.close()
