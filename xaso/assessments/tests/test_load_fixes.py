"""What the deadline-day load test (benchmarks/loadtest/) found slow in the form: each
autosave built the whole sheet twice — once for its row, once more only to count filled
criteria for the progress bar — and matched every evidence file against every other
unit's one by one. Same answers, less work."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from xaso.assessments import actions, queries, sheet
from xaso.assessments.models import Period
from xaso.assessments.tests.factories import sample_raw
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_progress_of_counts_what_the_whole_sheet_counts(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    raw = sample_raw(queries.framework_of(period))
    some = dict(list(raw.items())[:13])
    sub = actions.do_save_values(submission=sub, values=some, actor=None).submission
    expected = sheet.progress(sheet.build(sub, viewer=officer)[0])
    assert sheet.progress_of(sub) == expected == (13, 34, 38)


def test_an_autosave_builds_one_row_not_two_sheets(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any, monkeypatch: Any
) -> None:
    built: list[str | None] = []
    real = sheet.build

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("only"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sheet, "build", counting)
    sub = period.submissions.get(unit=hoa_phu)
    response = signed_in(officer).post(
        reverse("assessments:save", args=[sub.pk]),
        {"ma": "NT1.02", "v_NT1.02": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "1/34" in response.content.decode()
    assert built == ["NT1.02"]


def test_reuse_lists_every_match_in_order(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any
) -> None:
    mine = period.submissions.get(unit=hoa_phu)
    theirs = period.submissions.get(unit=krong_nang)

    def attach(sub: Any, who: Any, code: str, number: str, data: bytes) -> Any:
        return actions.do_upload_evidence(
            submission=sub, criterion=code, name=f"{code}.pdf", data=data,
            doc_number=number, actor=who,
        )  # fmt: skip

    a = attach(mine, officer, "NT1.01", "15/QĐ-UBND", PDF + b"a")
    b = attach(mine, officer, "NT1.02", "", PDF + b"b")
    same_number = attach(theirs, officer_kn, "CQ.01", "15/QĐ-UBND", PDF + b"c")
    same_file = attach(theirs, officer_kn, "CQ.02", "", PDF + b"b")
    both = attach(theirs, officer_kn, "CQ.03", "15/QĐ-UBND", PDF + b"a")
    found = queries.evidence_reuse([a, b])
    assert [(r.criterion, r.same_file, r.same_number) for r in found[a.pk]] == [
        (same_number.criterion, False, True),
        (both.criterion, True, True),
    ]
    assert [(r.criterion, r.same_file, r.same_number) for r in found[b.pk]] == [
        (same_file.criterion, True, False)
    ]
