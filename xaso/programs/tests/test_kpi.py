"""KPI arithmetic: share of the way from baseline to target, whichever the direction, and
on track / behind / late against the time elapsed. The seeds' figures are the cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xaso.programs import kpi
from xaso.programs.kpi import KpiState, TaskState

D = dt.date
START, END = D(2023, 6, 30), D(2023, 12, 31)


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "percent"),
    [
        (0.1, 10, 10.7, 107.07),  # Sông Cầu online fee payment, past a 10 % target
        (2.0, 10, 8.3, 78.75),  # Quang Thuận: most of the way, not there
        (62, 90, 91, 103.57),  # Sông Cầu full-process online dossiers
        (71, 90, 99, 147.37),  # Đức Vân
        (2.0, 10, 2.0, 0.0),  # nothing moved
        (2.0, 10, 1.0, -12.5),  # moved the wrong way
    ],
)
def test_progress_is_the_share_of_the_way_from_baseline_to_target(
    baseline: float, target: float, actual: float, percent: float
) -> None:
    assert kpi.progress(baseline, target, actual) * 100 == pytest.approx(percent, abs=0.01)


def test_a_falling_target_counts_progress_the_same_way() -> None:
    # Paper dossiers from 80 % down to 20 %: at 50 % the commune is half way.
    assert kpi.progress(80, 20, 50) == pytest.approx(0.5)
    assert kpi.progress(80, 20, 10) == pytest.approx(7 / 6)
    assert kpi.progress(80, 20, 90) < 0


def test_a_target_equal_to_the_baseline_cannot_be_measured() -> None:
    with pytest.raises(kpi.KpiDefinitionError):
        kpi.progress(5, 5, 6)


def test_definitions_that_contradict_their_direction_are_refused() -> None:
    rising = kpi.check_definition(
        baseline=10, target=5, increasing=True, baseline_on=START, target_on=END
    )
    falling = kpi.check_definition(
        baseline=10, target=15, increasing=False, baseline_on=START, target_on=END
    )
    backwards = kpi.check_definition(
        baseline=1, target=5, increasing=True, baseline_on=END, target_on=START
    )
    assert [f for f, _ in rising] == ["target"]
    assert [f for f, _ in falling] == ["target"]
    assert [f for f, _ in backwards] == ["target_on"]
    assert (
        kpi.check_definition(
            baseline=0.1, target=10, increasing=True, baseline_on=START, target_on=END
        )
        == []
    )


def _assess(measurements: list[tuple[dt.date, float]], on: dt.date) -> kpi.KpiStatus:
    return kpi.assess(
        baseline=2.0,
        target=10,
        baseline_on=START,
        target_on=END,
        measurements=measurements,
        on=on,
    )


def test_state_on_a_day_uses_only_measurements_taken_by_then() -> None:
    series = [(D(2023, 9, 30), 4.1), (D(2023, 12, 31), 8.3)]
    mid = _assess(series, D(2023, 10, 15))
    assert mid.actual == 4.1 and mid.measured_on == D(2023, 9, 30)
    # 2,1 of 8 points by mid-October, with 59 % of the time gone: behind.
    assert mid.state is KpiState.BEHIND and mid.light == "amber"
    end = _assess(series, END)
    assert end.actual == 8.3 and end.state is KpiState.BEHIND
    late = _assess(series, D(2024, 1, 15))
    assert late.state is KpiState.LATE and late.light == "red"
    assert late.label == "Quá hạn, chưa đạt"


def test_on_track_when_progress_keeps_up_with_time() -> None:
    # Half the time gone (mid-September is ~ 0,42), 4,4 of 8 points done: on track.
    status = _assess([(D(2023, 9, 15), 5.5)], D(2023, 9, 15))
    assert status.expected == pytest.approx(77 / 184)
    assert status.state is KpiState.ON_TRACK and status.light == "green"


def test_achieved_stays_achieved_after_the_deadline() -> None:
    status = kpi.assess(
        baseline=0.1,
        target=10,
        baseline_on=START,
        target_on=END,
        measurements=[(END, 10.7)],
        on=D(2025, 1, 1),
    )
    assert status.state is KpiState.ACHIEVED
    assert status.percent == pytest.approx(107.07, abs=0.01)


def test_no_measurement_is_no_data_until_the_deadline_then_late() -> None:
    assert _assess([], D(2023, 8, 1)).state is KpiState.NO_DATA
    assert _assess([], D(2023, 8, 1)).light == "grey"
    assert _assess([], D(2024, 1, 2)).state is KpiState.LATE


@given(
    baseline=st.floats(-1000, 1000),
    span=st.floats(0.01, 1000),
    share=st.floats(-2, 3),
    rising=st.booleans(),
)
def test_progress_recovers_the_share_whatever_the_direction(
    baseline: float, span: float, share: float, rising: bool
) -> None:
    target = baseline + span if rising else baseline - span
    actual = baseline + share * (target - baseline)
    assert kpi.progress(baseline, target, actual) == pytest.approx(share, abs=1e-6)


def test_task_states_follow_dates_and_reported_progress() -> None:
    def state(percent: int, on: dt.date, *, done: bool = False) -> TaskState:
        return kpi.task_state(
            starts_on=D(2023, 8, 1),
            due_on=D(2023, 10, 31),
            done=done,
            closed=False,
            percent=percent,
            on=on,
        )

    assert state(0, D(2023, 7, 1)) is TaskState.NOT_STARTED
    assert state(50, D(2023, 9, 15)) is TaskState.ON_TRACK
    assert state(10, D(2023, 10, 20)) is TaskState.BEHIND
    assert state(90, D(2023, 11, 1)) is TaskState.OVERDUE
    assert state(100, D(2024, 1, 1), done=True) is TaskState.DONE


def test_a_commune_shows_its_worst_light() -> None:
    assert kpi.worst_light(["green", "amber", "grey"]) == "amber"
    assert kpi.worst_light(["green", "red"]) == "red"
    assert kpi.worst_light(["grey"]) == "grey"
    assert kpi.worst_light([]) == "grey"
