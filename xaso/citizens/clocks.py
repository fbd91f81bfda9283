"""Legal clocks: every deadline rule in ONE table, and the day arithmetic behind it.

Sources and counting conventions are in docs/legal-clocks.md. In short:
- working days skip Saturdays, Sundays and the public holidays of the ``holidays``
  package's Vietnamese calendar (lunar Tết, substitute days off), and count the swapped
  working Saturdays as working days;
- a period starts the day after the event (receipt or acceptance) and ends at the end of
  its last day (Civil Code 2015, art. 147–148);
- a calendar-day period whose last day is not a working day ends at the end of the next
  working day (Civil Code 2015, art. 148(5)).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Days(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


@dataclass(frozen=True)
class Period:
    days: int
    kind: Days

    def label(self) -> str:
        unit = "ngày làm việc" if self.kind is Days.WORKING else "ngày"
        return f"{self.days} {unit}"


@dataclass(frozen=True)
class Clock:
    """One legal class's rule: the first step (accept, forward, initial processing), the
    answer, what starts the answer clock, and how far it may be extended."""

    legal_class: str
    first_step: str
    first: Period
    answer: Period
    answer_if_complex: Period | None
    answer_from_acceptance: bool
    max_extensions: int
    extension: Period | None
    source: str


# The one table. ``answer`` of field issues is the commune's local SLA (CommuneSettings);
# the value here is the default that setting starts from.
CLOCKS: dict[str, Clock] = {
    "regulation": Clock(
        "regulation",
        "Chuyển nội dung không thuộc thẩm quyền",
        Period(5, Days.WORKING),
        Period(15, Days.WORKING),
        None,
        False,
        1,
        Period(10, Days.WORKING),
        "Nghị định 20/2008/NĐ-CP (tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành "
        "chính): chuyển trong 5 ngày làm việc; hạn trả lời 15 ngày làm việc là quy định "
        "của địa phương.",
    ),
    "field": Clock(
        "field",
        "Tiếp nhận, phân loại",
        Period(1, Days.WORKING),
        Period(3, Days.WORKING),
        None,
        False,
        1,
        Period(3, Days.WORKING),
        "Quy định của địa phương (dịch vụ Phản ánh hiện trường): mặc định 3 ngày làm việc, "
        "xã tự đặt.",
    ),
    "complaint": Clock(
        "complaint",
        "Thụ lý khiếu nại",
        Period(10, Days.CALENDAR),
        Period(30, Days.CALENDAR),
        Period(45, Days.CALENDAR),
        True,
        0,
        None,
        "Luật Khiếu nại 2011, Điều 27 (thụ lý trong 10 ngày) và Điều 28 (giải quyết "
        "trong 30 ngày, vụ việc phức tạp 45 ngày, kể từ ngày thụ lý).",
    ),
    "denunciation": Clock(
        "denunciation",
        "Xử lý ban đầu thông tin tố cáo",
        Period(7, Days.WORKING),
        Period(30, Days.CALENDAR),
        None,
        True,
        2,
        Period(30, Days.CALENDAR),
        "Luật Tố cáo 2018, Điều 24 (xử lý ban đầu trong 7 ngày làm việc) và Điều 30 "
        "(giải quyết trong 30 ngày kể từ ngày thụ lý; phức tạp gia hạn một lần, đặc biệt "
        "phức tạp gia hạn hai lần, mỗi lần không quá 30 ngày).",
    ),
}


@lru_cache(maxsize=8)
def _calendar(first_year: int, last_year: int) -> holidays.HolidayBase:
    years = list(range(first_year, last_year + 1))
    return holidays.country_holidays("VN", years=years, language="vi")


def calendar_for(day: dt.date) -> holidays.HolidayBase:
    # Cached per span of years, wide enough that a deadline computed near December
    # still sees next year's Tết.
    return _calendar(day.year - 1, day.year + 2)


def is_working_day(day: dt.date) -> bool:
    return bool(calendar_for(day).is_working_day(day))


def holiday_name(day: dt.date) -> str:
    return str(calendar_for(day).get(day) or "")


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=VN_TZ)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(VN_TZ).date()


def due(start: dt.datetime, period: Period) -> dt.datetime:
    """When a period that starts at ``start`` runs out."""
    day = local_date(start)
    if period.kind is Days.WORKING:
        return end_of(add_working_days(day, period.days))
    last = day + dt.timedelta(days=period.days)
    return end_of(next_working_day_on_or_after(last))


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day."""
    a, b = local_date(start), local_date(end)
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


@dataclass(frozen=True)
class Deadlines:
    first: dt.datetime
    answer: dt.datetime


def clock_for(legal_class: str) -> Clock:
    try:
        return CLOCKS[legal_class]
    except KeyError:
        raise ValueError(f"Không có quy định thời hạn cho loại “{legal_class}”.") from None


def answer_period(clock: Clock, *, complex_case: bool, local_sla_days: int | None) -> Period:
    if clock.legal_class == "field" and local_sla_days:
        return Period(local_sla_days, Days.WORKING)
    if complex_case and clock.answer_if_complex is not None:
        return clock.answer_if_complex
    return clock.answer


def deadlines(
    legal_class: str,
    received_at: dt.datetime,
    *,
    accepted_at: dt.datetime | None = None,
    complex_case: bool = False,
    local_sla_days: int | None = None,
    extensions: int = 0,
) -> Deadlines:
    """Both deadlines of a case. Before acceptance, a clock that runs from acceptance is
    shown from the latest lawful acceptance (the first deadline), so the answer date
    promised to the resident is never earlier than the law allows."""
    clock = clock_for(legal_class)
    first = due(received_at, clock.first)
    period = answer_period(clock, complex_case=complex_case, local_sla_days=local_sla_days)
    start = (accepted_at or first) if clock.answer_from_acceptance else received_at
    answer = due(start, period)
    if extensions and clock.extension is not None:
        for _ in range(min(extensions, clock.max_extensions)):
            answer = due(answer, clock.extension)
    return Deadlines(first, answer)


def may_extend(legal_class: str, done: int) -> bool:
    clock = clock_for(legal_class)
    return clock.extension is not None and done < clock.max_extensions


def quiet_hours(moment: dt.datetime) -> bool:
    """22:00–07:00 Vietnam time: no non-urgent SMS."""
    hour = moment.astimezone(VN_TZ).hour
    return hour >= 22 or hour < 7


def end_of_quiet_hours(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(VN_TZ)
    day = local.date() if local.hour < 7 else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(7, 0), tzinfo=VN_TZ)
