"""Nguồn đo chỉ tiêu — where "measured" KPIs take their values from.

A source is a function ``(unit, on) -> MeasuredValue | None`` registered under a key;
a KPI with ``source="measured"`` names the key, and ``do_refresh_measured_kpis`` records
what the source says as a measurement with the source's name as provenance. This app
registers the sources it can answer itself (the community teams' counts); the
connectors app registers the province's systems (one-stop dossiers, payments) the same
way from its ``AppConfig.ready``, without this app importing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from xaso.units.models import Unit


@dataclass(frozen=True)
class MeasuredValue:
    value: float
    measured_on: dt.date
    source: str  # provenance shown beside the value, e.g. "Sổ Tổ CNS cộng đồng (xaso)"


SourceFn = Callable[[Unit, dt.date], MeasuredValue | None]


@dataclass(frozen=True)
class KpiSourceEntry:
    key: str
    label: str
    measure_unit: str
    fn: SourceFn


_sources: dict[str, KpiSourceEntry] = {}


def register_kpi_source(key: str, fn: SourceFn, *, label: str, measure_unit: str = "") -> None:
    """Registers (or replaces) the source ``key``."""
    if not key or " " in key:
        raise ValueError(f"Khoá nguồn đo không hợp lệ: {key!r}")
    _sources[key] = KpiSourceEntry(key, label, measure_unit, fn)


def unregister_kpi_source(key: str) -> None:
    _sources.pop(key, None)


def kpi_sources() -> list[KpiSourceEntry]:
    return sorted(_sources.values(), key=lambda e: e.key)


def kpi_source(key: str) -> KpiSourceEntry:
    """The source ``key``; ``LookupError`` with a Vietnamese message if none is registered."""
    try:
        return _sources[key]
    except KeyError:
        raise LookupError(f"Chưa có nguồn đo “{key}”.") from None


# --- this app's own sources: the community teams' registry and activity log -------------

TEAM_SOURCE = "Sổ Tổ công nghệ số cộng đồng (xaso)"


def _year_to_date(on: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(on.year, 1, 1), on


def _village_coverage(unit: Unit, on: dt.date) -> MeasuredValue | None:
    from xaso.programs.queries import team_coverage

    coverage = team_coverage(unit)
    if coverage.village_share is None:
        return None
    return MeasuredValue(round(coverage.village_share * 100, 2), on, TEAM_SOURCE)


def _activity_total(kind: str) -> SourceFn:
    def measure(unit: Unit, on: dt.date) -> MeasuredValue | None:
        from xaso.programs.queries import team_activity_totals

        totals = team_activity_totals([unit.pk], _year_to_date(on)).get(unit.pk, {})
        return MeasuredValue(float(totals.get(kind, 0)), on, TEAM_SOURCE)

    return measure


def register_builtin_sources() -> None:
    register_kpi_source(
        "programs.team.village_coverage",
        _village_coverage,
        label="Tỷ lệ thôn, tổ dân phố có thành viên Tổ CNS cộng đồng",
        measure_unit="%",
    )
    for kind, label, measure_unit in (
        ("vssid", "Số người được hướng dẫn cài VssID từ đầu năm", "người"),
        ("vneid", "Số người được hướng dẫn cài, kích hoạt VNeID từ đầu năm", "người"),
        ("epayment", "Số tài khoản thanh toán điện tử được mở từ đầu năm", "tài khoản"),
        ("session", "Số buổi hướng dẫn kỹ năng số từ đầu năm", "buổi"),
    ):
        register_kpi_source(
            f"programs.team.{kind}", _activity_total(kind), label=label, measure_unit=measure_unit
        )
