"""Geometry of the inline SVG charts, worked out here so that templates only place
elements. Coordinates are strings with a decimal point: a template localised to
Vietnamese would otherwise write 12,5 into an SVG attribute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xaso.results.queries import Bin


def _n(x: float) -> str:
    return f"{x:.1f}"


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    w: str
    h: str
    pilot_y: str
    pilot_h: str
    label: str
    count: int
    pilot: int
    label_x: str


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    base: str
    bars: list[Bar]
    top: int


def histogram(bins: Sequence[Bin], *, width: int = 560, height: int = 200) -> Histogram:
    top = max((b.count for b in bins), default=0) or 1
    plot_h = height - 40
    step = (width - 20) / max(1, len(bins))
    bars = []
    for i, b in enumerate(bins):
        h = plot_h * b.count / top
        ph = plot_h * b.pilot / top
        x = 10 + i * step
        bars.append(
            Bar(
                x=_n(x + 2),
                y=_n(10 + plot_h - h),
                w=_n(step - 4),
                h=_n(h),
                pilot_y=_n(10 + plot_h - ph),
                pilot_h=_n(ph),
                label=f"{b.low:.1f}".replace(".", ","),
                count=b.count,
                pilot=b.pilot,
                label_x=_n(x + step / 2),
            )
        )
    return Histogram(width, height, _n(10 + plot_h), bars, top)


@dataclass(frozen=True)
class TrendPoint:
    x: str
    y: str
    year: int
    value: float | None
    label_y: str


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    line: str
    points: list[TrendPoint]


def trend(
    series: Sequence[tuple[int, float | None]], *, width: int = 560, height: int = 160
) -> Trend:
    """Yearly values on a 0–1 scale as a line."""
    known = [(year, v) for year, v in series if v is not None]
    n = len(known)
    step = (width - 60) / max(1, n - 1)
    pts = []
    for i, (year, v) in enumerate(known):
        x = 30 + (i * step if n > 1 else (width - 60) / 2)
        y = 15 + (height - 45) * (1 - float(v))
        pts.append(TrendPoint(_n(x), _n(y), year, v, _n(y - 7)))
    return Trend(width, height, " ".join(f"{p.x},{p.y}" for p in pts), pts)


@dataclass(frozen=True)
class RankBand:
    width: int
    x05: str
    x95: str
    band_w: str
    xrank: str
    xmedian: str


def rank_band(rank: int, p05: float, p95: float, of: int, *, width: int = 300) -> RankBand:
    """Rank 1 on the left, the last rank on the right."""

    def at(r: float) -> float:
        return 10 + (width - 20) * ((r - 1) / max(1, of - 1))

    lo, hi = at(p05), at(p95)
    return RankBand(
        width, _n(lo), _n(hi), _n(max(2.0, hi - lo)), _n(at(rank)), _n(at((p05 + p95) / 2))
    )


def meter(value: float | None) -> str:
    """The width, out of 100, of a 0–1 value's bar."""
    return _n(100 * max(0.0, min(1.0, value or 0.0)))
