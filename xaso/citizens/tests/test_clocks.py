"""Every legal clock against the Vietnamese calendar: lunar Tết, substitute days off,
swapped working Saturdays, calendar-day periods ending on a holiday, extensions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from xaso.citizens import actions, clocks
from xaso.citizens.intake import IntakeRecord
from xaso.citizens.tests import factories
from xaso.units.models import Unit

VN = clocks.VN_TZ
# Friday 13/02/2026: the last working day before the Tết break (16–20/02/2026).
BEFORE_TET = dt.datetime(2026, 2, 13, 10, 30, tzinfo=VN)


def day(moment: dt.datetime) -> dt.date:
    return clocks.local_date(moment)


@pytest.mark.parametrize(
    ("legal_class", "first", "answer"),
    [
        # 3 working days skip the weekend and the five days of Tết: 23, 24, 25/02.
        ("field", dt.date(2026, 2, 16), dt.date(2026, 2, 25)),
        # Decree 20/2008: forward within 5 working days → 27/02.
        ("regulation", dt.date(2026, 2, 27), dt.date(2026, 3, 13)),
        # Law on Complaints: accept within 10 days → 23/02 (a working day); answer 30 days
        # after that latest lawful acceptance → 25/03.
        ("complaint", dt.date(2026, 2, 23), dt.date(2026, 3, 25)),
        # Law on Denunciations: initial processing 7 working days → 03/03; answer 30 days
        # after → 02/04.
        ("denunciation", dt.date(2026, 3, 3), dt.date(2026, 4, 2)),
    ],
)
def test_every_clock_for_a_case_received_the_day_before_tet(
    legal_class: str, first: dt.date, answer: dt.date
) -> None:
    d = clocks.deadlines(legal_class, BEFORE_TET)
    if legal_class == "field":
        # The first step of a field issue is one working day: Monday 16/02 is Tết.
        first = dt.date(2026, 2, 23)
    assert (day(d.first), day(d.answer)) == (first, answer)
    assert d.answer.hour == 23 and d.answer.tzinfo is not None


def test_tet_2027_and_the_29th_of_the_lunar_year() -> None:
    # Wednesday 03/02/2027; 04–10/02/2027 are off (29 Tết to mùng năm).
    received = dt.datetime(2027, 2, 3, 9, tzinfo=VN)
    assert clocks.holiday_name(dt.date(2027, 2, 4)) == "29 Tết"
    assert day(clocks.deadlines("field", received).answer) == dt.date(2027, 2, 15)


def test_substitute_day_off_and_swapped_working_saturday() -> None:
    # 26/04/2026 (Hùng Kings) is a Sunday; Monday 27/04 is the substitute day off.
    assert not clocks.is_working_day(dt.date(2026, 4, 27))
    assert clocks.add_working_days(dt.date(2026, 4, 24), 1) == dt.date(2026, 4, 28)
    # Saturday 26/04/2025 was worked to make 02/05/2025 a day off.
    assert clocks.is_working_day(dt.date(2025, 4, 26))
    assert clocks.add_working_days(dt.date(2025, 4, 25), 1) == dt.date(2025, 4, 26)
    assert clocks.add_working_days(dt.date(2025, 4, 29), 1) == dt.date(2025, 5, 5)


def test_a_calendar_period_ending_on_a_holiday_ends_on_the_next_working_day() -> None:
    # 06/02/2026 + 10 days = Monday 16/02, Giao thừa → Monday 23/02 (Civil Code art. 148).
    received = dt.datetime(2026, 2, 6, 8, tzinfo=VN)
    assert day(clocks.deadlines("complaint", received).first) == dt.date(2026, 2, 23)


def test_complaint_answer_runs_from_acceptance_and_45_days_when_complex() -> None:
    accepted = dt.datetime(2026, 3, 2, 9, tzinfo=VN)
    plain = clocks.deadlines("complaint", BEFORE_TET, accepted_at=accepted)
    hard = clocks.deadlines("complaint", BEFORE_TET, accepted_at=accepted, complex_case=True)
    assert day(plain.answer) == dt.date(2026, 4, 1)
    assert day(hard.answer) == dt.date(2026, 4, 16)


def test_local_sla_for_field_issues() -> None:
    assert day(clocks.deadlines("field", BEFORE_TET, local_sla_days=5).answer) == dt.date(
        2026, 2, 27
    )


@pytest.mark.django_db
def test_denunciation_extends_twice_with_a_reason_then_no_more(
    hoa_phu: Unit, officer: object
) -> None:
    record = IntakeRecord(
        channel="counter",
        unit_id=hoa_phu.pk,
        legal_class="denunciation",
        body="Tố cáo cán bộ địa chính nhận tiền khi cấp giấy",
        received_at=BEFORE_TET,
    )
    case = actions.do_receive_case(record, actor=officer).case  # type: ignore[arg-type]
    assert not case.is_public
    actions.do_accept_case(case=case, actor=officer, now=dt.datetime(2026, 2, 24, 9, tzinfo=VN))  # type: ignore[arg-type]
    assert day(case.resolve_due) == dt.date(2026, 3, 26)
    with pytest.raises(ValidationError, match="lý do"):
        actions.do_extend_deadline(case=case, reason="", actor=officer)  # type: ignore[arg-type]
    actions.do_extend_deadline(case=case, reason="Vụ việc phức tạp, cần xác minh", actor=officer)  # type: ignore[arg-type]
    # 26/03 + 30 = Saturday 25/04; 26/04 is Sunday and 27/04 the Hùng Kings substitute day.
    assert day(case.resolve_due) == dt.date(2026, 4, 28)
    actions.do_extend_deadline(case=case, reason="Đặc biệt phức tạp, nhiều người", actor=officer)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="hết số lần gia hạn"):
        actions.do_extend_deadline(case=case, reason="Lần thứ ba thì không được", actor=officer)  # type: ignore[arg-type]
    assert case.events.filter(kind="extension").count() == 2


@pytest.mark.django_db
def test_the_commune_sets_its_own_field_sla(hoa_phu: Unit) -> None:
    actions.do_save_settings(
        unit=hoa_phu, field_sla_days=5, chairman=None, approval_required=False, actor=None
    )
    case = factories.case(hoa_phu)
    record = IntakeRecord(
        channel="counter", unit_id=hoa_phu.pk, body="Cống bị tắc gây ngập", received_at=BEFORE_TET
    )
    made = actions.do_receive_case(record, actor=None).case
    assert case.pk != made.pk and day(made.resolve_due) == dt.date(2026, 2, 27)
