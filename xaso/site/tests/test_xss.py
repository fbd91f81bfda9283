"""Stored XSS, without a browser: the payloads of ``xaso.core.testing.xss`` are planted
through the actions into every free-text field people write (``xss_plant.py``), then the
pages that show them are rendered with the test client — public pages anonymously,
officials' pages as the commune officer and the province administrator. In no page does
a payload appear as written (escaping changes at least one of its characters), nor sit
anywhere it would run (a script, an event handler, a ``javascript:`` URL, ``srcdoc``,
an evaluated template); and every payload did reach some page, so nothing is vacuous.
The same pages are opened in Chromium by ``test_xss_browser.py``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.citizens import actions as citizen_actions
from xaso.core.testing.xss import executable_spots, unescaped
from xaso.site.tests.xss_plant import plant


@pytest.fixture(autouse=True)
def _quick(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    citizen_actions.forget_caches()


def test_no_payload_is_rendered_where_it_would_run(db: None) -> None:
    started = time.monotonic()
    planted = plant()
    planting = time.monotonic() - started
    clients = {"anon": Client()}
    for role, username in planted.users.items():
        clients[role] = sign_in(Client(), User.objects.get(username=username))
    seen: set[str] = set()
    problems: dict[str, list[str]] = {}
    pages = 0
    for who, paths in planted.pages.items():
        for path in paths:
            response = clients[who].get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            html = response.content.decode()
            pages += 1
            found = unescaped(html, planted.payloads) + executable_spots(html)
            if found:
                problems[path] = found[:5]
            seen |= {p.marker for p in planted.payloads if p.marker in html}
    missing = sorted(p.marker for p in planted.payloads if p.marker not in seen)
    summary = f"{pages} pages rendered, {len(seen)} payloads seen; skipped: {planted.skipped}"
    print(
        f"\nXSS (test client): {len(planted.payloads)} payloads planted in {planting:.1f} s, "
        + summary
    )
    assert len(planted.payloads) >= 200
    assert not problems, problems
    assert not missing, f"payloads planted but shown nowhere: {missing}"


def test_evidence_links_are_web_addresses_only(dak_lak: Any, hoa_phu: Any) -> None:
    """A link to evidence is shown as ``<a href>``: a ``javascript:`` or ``data:`` link,
    which the form refused but the API passed through, is refused by the actions."""
    import datetime as dt

    from django.core.exceptions import ValidationError

    from xaso.accounts.tests.factories import make_user
    from xaso.programs import actions as programme_actions
    from xaso.programs.tests.factories import make_participant, make_programme

    officer = make_user(role="commune_officer", units=[hoa_phu])
    participant = make_participant(make_programme(dak_lak), hoa_phu)
    today = dt.date.today()
    task = programme_actions.do_add_task(
        participant, title="Số hoá hồ sơ", owner_kind="commune", starts_on=today,
        due_on=today + dt.timedelta(days=30), actor=officer,
    )  # fmt: skip
    kpi = programme_actions.do_add_kpi(
        participant, name="Tỷ lệ hồ sơ trực tuyến", baseline=10, baseline_on=today,
        baseline_source="Một cửa", target=50, target_on=today + dt.timedelta(days=90),
        actor=officer,
    )  # fmt: skip
    for link in ("javascript:top.__xss=1", " JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"):
        with pytest.raises(ValidationError, match="địa chỉ web"):
            programme_actions.do_update_task(task, status="in_progress", progress=10,
                                             evidence_url=link, actor=officer)  # fmt: skip
        with pytest.raises(ValidationError, match="địa chỉ web"):
            programme_actions.do_record_measurement(kpi, value=20, measured_on=today,
                                                    source="Một cửa", evidence_url=link,
                                                    actor=officer)  # fmt: skip
    fine = "https://dichvucong.gov.vn/"
    programme_actions.do_update_task(task, status="in_progress", progress=10,
                                     evidence_url=fine, actor=officer)  # fmt: skip
