"""Inline SVG geometry for the programme pages: communes as dots on a map from their
coordinates, KPI sparklines, the task timeline. Plain numbers in, coordinates out; the
templates draw them (the CSP allows no scripts or inline styles, SVG attributes are fine)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    light: str
    label: str
    link: str
    number: int


def map_dots(
    points: Sequence[tuple[float | None, float | None, str, str, str]],
    *,
    width: int = 560,
    height: int = 360,
    pad: int = 30,
) -> list[Dot]:
    """(latitude, longitude, light, label, link) → dots in a width × height box, north
    up, an equirectangular projection corrected for latitude (enough for one province).
    Units without coordinates are left off the map (they stay in the table)."""
    placed = [
        (lat, lon, *rest) for lat, lon, *rest in points if lat is not None and lon is not None
    ]
    if not placed:
        return []
    lats = [p[0] for p in placed]
    lons = [p[1] for p in placed]
    mid = math.radians((min(lats) + max(lats)) / 2)
    xs = [lon * math.cos(mid) for lon in lons]
    span_x = max(max(xs) - min(xs), 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - scale * span_x) / 2
    off_y = (height - scale * span_y) / 2
    dots = []
    for i, ((lat, _lon, light, label, link), x) in enumerate(zip(placed, xs, strict=True), 1):
        dots.append(
            Dot(
                x=round(off_x + (x - min(xs)) * scale, 1),
                y=round(height - off_y - (lat - min(lats)) * scale, 1),
                light=light,
                label=label,
                link=link,
                number=i,
            )
        )
    return dots


@dataclass(frozen=True)
class Sparkline:
    path: str
    points: list[tuple[float, float]]
    target_y: float
    width: int
    height: int


def sparkline(
    series: Sequence[tuple[dt.date, float]],
    *,
    target: float,
    start: dt.date,
    end: dt.date,
    width: int = 140,
    height: int = 36,
) -> Sparkline:
    """Values over time from the baseline to the deadline, with the target as a line."""
    values = [v for _, v in series] + [target]
    lo, hi = min(values), max(values)
    span_v = (hi - lo) or 1.0
    span_t = max((max(end, *(d for d, _ in series)) - start).days, 1) if series else 1
    pad = 3

    def y(v: float) -> float:
        return round(height - pad - (v - lo) / span_v * (height - 2 * pad), 1)

    pts = [(round(pad + (d - start).days / span_t * (width - 2 * pad), 1), y(v)) for d, v in series]
    path = " ".join(("M" if i == 0 else "L") + f"{x},{yy}" for i, (x, yy) in enumerate(pts))
    return Sparkline(path, pts, y(target), width, height)


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    done_width: float
    y: float
    light: str
    label: str


def timeline(
    tasks: Sequence[tuple[dt.date, dt.date, int, str, str]],
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    width: int = 600,
    row: int = 22,
) -> tuple[list[Bar], float | None, list[tuple[float, str]]]:
    """Gantt-like bars for (starts, due, percent, light, label); also the x of today
    (None outside the span) and month ticks."""
    first = min([start, *(s for s, *_ in tasks)])
    last = max([end, *(d for _, d, *_ in tasks)])
    days = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return round((day - first).days / days * width, 1)

    bars = []
    for i, (s, d, percent, light, label) in enumerate(tasks):
        w = max(x(d) - x(s), 3.0)
        bars.append(Bar(x(s), w, round(w * percent / 100, 1), i * row + 4, light, label))
    now = x(today) if first <= today <= last else None
    ticks = []
    month = dt.date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append((x(month), f"{month:%m/%Y}"))
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return bars, now, ticks
