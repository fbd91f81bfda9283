"""Scoped reads and the measured-value registry the higher apps plug into."""

from __future__ import annotations

from typing import Any

import pytest

from xaso.accounts.tests.factories import make_user
from xaso.assessments import queries, sheet
from xaso.assessments.measured import register_measured_source, unregister_measured_source
from xaso.assessments.models import Period
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_each_person_lists_only_their_units_submissions(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, verifier: Any,
    verifier_tn: Any, admin_tn: Any,
) -> None:  # fmt: skip
    assert [s.unit for s in queries.submissions_of(officer, period)] == [hoa_phu]
    assert {s.unit for s in queries.submissions_of(verifier, period)} == {hoa_phu, krong_nang}
    assert list(queries.submissions_of(verifier_tn, period)) == []
    assert list(queries.periods_for(admin_tn)) == []
    assert [s.unit for s in queries.my_submissions(officer)] == [hoa_phu]
    sponsor = make_user(role="sponsor", units=[krong_nang])
    assert list(queries.my_submissions(sponsor)) == []  # sponsors read, never fill in
    assert [s.unit for s in queries.submissions_of(sponsor, period)] == [krong_nang]


def test_measured_values_are_shown_beside_the_self_reported_one(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    calls: list[int] = []

    def one_stop(p: Any, units: Any) -> dict[str, dict[str, Any]]:
        calls.append(p.pk)
        return {u.code: {"CQ.06": {"v": 91.0}, "NT1.01": {"opt": "chu_tich"}} for u in units}

    def broken(p: Any, units: Any) -> dict[str, dict[str, Any]]:
        raise RuntimeError("hệ thống một cửa không trả lời")

    register_measured_source("test.one_stop", one_stop)
    register_measured_source("test.broken", broken)
    try:
        sub = period.submissions.get(unit=hoa_phu)
        measured = queries.measured_for(sub)
        groups, _ = sheet.build(sub, viewer=officer, only="CQ.06")
    finally:
        unregister_measured_source("test.one_stop")
        unregister_measured_source("test.broken")
    assert calls == [period.pk, period.pk]
    assert set(measured) == {"CQ.06"}  # NT1.01 is self-reported: not looked up
    row = groups[0].rows[0]
    assert (row.measured, row.measured_source) == ("91 %", "test.one_stop")
