"""Tiến độ chỉ tiêu — KPI arithmetic on plain numbers and dates (no database).

Progress is the share of the way from the baseline to the target: 0 at the baseline,
1 at the target, above 1 past it, below 0 when the value moved the wrong way. It is the
same formula whichever the direction, because a falling target makes both the distance
travelled and the distance to go negative. Being on track compares that share with the
share of the time elapsed between the baseline date and the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

# How far behind the straight line from baseline to target a KPI may be and still count
# as on track: measurements arrive quarterly, so a fixed share of the way is fairer than
# demanding the line to the day.
TOLERANCE = 0.10


class KpiState(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    LATE = "late"
    NO_DATA = "no_data"


STATE_LABELS = {
    KpiState.ACHIEVED: "Đã đạt",
    KpiState.ON_TRACK: "Đúng tiến độ",
    KpiState.BEHIND: "Chậm tiến độ",
    KpiState.LATE: "Quá hạn, chưa đạt",
    KpiState.NO_DATA: "Chưa có số đo",
}

# Traffic light of each state: green, amber, red, grey.
STATE_LIGHTS = {
    KpiState.ACHIEVED: "green",
    KpiState.ON_TRACK: "green",
    KpiState.BEHIND: "amber",
    KpiState.LATE: "red",
    KpiState.NO_DATA: "grey",
}


class KpiDefinitionError(ValueError):
    """A KPI whose baseline, target and direction contradict each other."""


def check_definition(
    *, baseline: float, target: float, increasing: bool, baseline_on: dt.date, target_on: dt.date
) -> list[tuple[str, str]]:
    """Problems with a KPI definition as (field, Vietnamese message); empty when sound."""
    problems: list[tuple[str, str]] = []
    if increasing and target <= baseline:
        problems.append(
            ("target", "Chỉ tiêu “càng cao càng tốt” cần mục tiêu lớn hơn giá trị ban đầu.")
        )
    if not increasing and target >= baseline:
        problems.append(
            ("target", "Chỉ tiêu “càng thấp càng tốt” cần mục tiêu nhỏ hơn giá trị ban đầu.")
        )
    if target_on <= baseline_on:
        problems.append(("target_on", "Hạn đạt mục tiêu phải sau ngày đo ban đầu."))
    return problems


def progress(baseline: float, target: float, actual: float) -> float:
    """Share of the way from ``baseline`` to ``target`` that ``actual`` has come."""
    span = target - baseline
    if span == 0:
        raise KpiDefinitionError("Mục tiêu trùng giá trị ban đầu: không tính được tiến độ.")
    return (actual - baseline) / span


def expected_progress(baseline_on: dt.date, target_on: dt.date, on: dt.date) -> float:
    """Share of the time from baseline date to deadline elapsed on ``on`` (0–1)."""
    total = (target_on - baseline_on).days
    if total <= 0:
        return 1.0
    return min(max((on - baseline_on).days / total, 0.0), 1.0)


@dataclass(frozen=True)
class KpiStatus:
    state: KpiState
    progress: float | None  # share of the way, None without a measurement
    expected: float  # share of the time elapsed on the day asked
    actual: float | None
    measured_on: dt.date | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def light(self) -> str:
        return STATE_LIGHTS[self.state]

    @property
    def percent(self) -> float | None:
        return None if self.progress is None else self.progress * 100


def assess(
    *,
    baseline: float,
    target: float,
    baseline_on: dt.date,
    target_on: dt.date,
    measurements: list[tuple[dt.date, float]],
    on: dt.date,
) -> KpiStatus:
    """Where a KPI stands on day ``on`` given its measurements (date, value) — only those
    taken by that day count, the latest deciding."""
    expected = expected_progress(baseline_on, target_on, on)
    taken = sorted((d, v) for d, v in measurements if d <= on)
    if not taken:
        state = KpiState.LATE if on > target_on else KpiState.NO_DATA
        return KpiStatus(state, None, expected, None, None)
    measured_on, actual = taken[-1]
    share = progress(baseline, target, actual)
    if share >= 1:
        state = KpiState.ACHIEVED
    elif on > target_on:
        state = KpiState.LATE
    elif share >= expected - TOLERANCE:
        state = KpiState.ON_TRACK
    else:
        state = KpiState.BEHIND
    return KpiStatus(state, share, expected, actual, measured_on)


def worst_light(lights: list[str]) -> str:
    """A commune's light is its worst KPI's or task's; grey only when nothing is known."""
    for light in ("red", "amber", "green"):
        if light in lights:
            return light
    return "grey"


class TaskState(StrEnum):
    DONE = "done"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"
    NOT_STARTED = "not_started"
    CLOSED = "closed"


TASK_STATE_LABELS = {
    TaskState.DONE: "Hoàn thành",
    TaskState.ON_TRACK: "Đúng tiến độ",
    TaskState.BEHIND: "Chậm tiến độ",
    TaskState.OVERDUE: "Quá hạn",
    TaskState.NOT_STARTED: "Chưa tới ngày bắt đầu",
    TaskState.CLOSED: "Tạm dừng/huỷ",
}
TASK_STATE_LIGHTS = {
    TaskState.DONE: "green",
    TaskState.ON_TRACK: "green",
    TaskState.BEHIND: "amber",
    TaskState.OVERDUE: "red",
    TaskState.NOT_STARTED: "grey",
    TaskState.CLOSED: "grey",
}


def task_state(
    *, starts_on: dt.date, due_on: dt.date, done: bool, closed: bool, percent: int, on: dt.date
) -> TaskState:
    """A task against its dates: overdue once past due and not done; behind when its
    reported progress trails the time elapsed by more than the tolerance."""
    if done:
        return TaskState.DONE
    if closed:
        return TaskState.CLOSED
    if on > due_on:
        return TaskState.OVERDUE
    if on < starts_on:
        return TaskState.NOT_STARTED
    if percent / 100 >= expected_progress(starts_on, due_on, on) - 2 * TOLERANCE:
        return TaskState.ON_TRACK
    return TaskState.BEHIND
