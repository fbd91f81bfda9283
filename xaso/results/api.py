"""The public results API: published periods, each period's units with scores and ranks
(every ranked measure, filterable like the ranking page), and a unit's scorecard.
Published data only, so no sign-in."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from xaso.assessments.models import Period, Snapshot
from xaso.results import queries

router = Router(tags=["results"])


class PublishedPeriodOut(Schema):
    id: int
    name: str
    year: int
    province: str
    framework: str
    version: int
    published_at: dt.datetime
    unit_count: int
    inputs_sha256: str


class MeasureOut(Schema):
    code: str
    name: str
    kind: str


class UnitRankOut(Schema):
    code: str
    name: str
    unit_type: str
    province: str
    former_district: str
    submitted: bool
    value: float | None
    points: float | None
    rank: int | None
    tied: bool
    previous_rank: int | None
    rank_change: str
    peer_rank: int | None


class RankingOut(Schema):
    period: PublishedPeriodOut
    measure: MeasureOut
    measures: list[MeasureOut]
    units: list[UnitRankOut]


class RankingQuery(Schema):
    measure: str = ""
    province: int | None = None
    unit_type: str = ""
    former_district: int | None = None
    group: int | None = None
    q: str = ""


class MeasureLineOut(Schema):
    code: str
    name: str
    kind: str
    value: float | None
    points: float | None
    rank: int | None
    of: int
    previous_value: float | None
    previous_rank: int | None
    rank_change: str
    province_median: float | None


class PeerOut(Schema):
    label: str
    rank: int | None
    of: int


class CriterionShareOut(Schema):
    code: str
    name: str
    share: float
    province_median: float


class MoveOut(Schema):
    code: str
    name: str
    points: float


class GainOut(Schema):
    code: str
    name: str
    points: float
    new_rank: int
    ranks_gained: int


class ScorecardOut(Schema):
    period: PublishedPeriodOut
    code: str
    name: str
    total: MeasureLineOut
    measures: list[MeasureLineOut]
    peers: list[PeerOut]
    strengths: list[CriterionShareOut]
    weaknesses: list[CriterionShareOut]
    change_up: list[MoveOut]
    change_down: list[MoveOut]
    rank_p05: int | None
    rank_p95: int | None
    what_would_it_take: list[GainOut]


def _period_out(period: Period, snap: Snapshot) -> PublishedPeriodOut:
    return PublishedPeriodOut(
        id=period.pk,
        name=period.name,
        year=period.year,
        province=period.province.name,
        framework=f"{snap.framework.code} {snap.framework.version}",
        version=snap.version,
        published_at=snap.published_at,
        unit_count=snap.unit_count,
        inputs_sha256=snap.inputs_sha256,
    )


def _published(period_id: int, version: int | None = None) -> tuple[Period, Snapshot]:
    found = queries.published_or_none(period_id, version)
    if found is None:
        raise HttpError(404, "Kỳ đánh giá này chưa công bố kết quả.")
    return found


def _measure(m: queries.Measure) -> MeasureOut:
    return MeasureOut(code=m.code, name=m.name, kind=m.kind)


def _line(m: queries.MeasureLine) -> MeasureLineOut:
    return MeasureLineOut(
        code=m.measure.code,
        name=m.measure.name,
        kind=m.measure.kind,
        value=m.value,
        points=m.points,
        rank=m.rank,
        of=m.of,
        previous_value=m.previous_value,
        previous_rank=m.previous_rank,
        rank_change=m.change,
        province_median=m.median,
    )


@router.get("/periods", response=list[PublishedPeriodOut], summary="Các kỳ đã công bố")
def periods(request: HttpRequest) -> list[PublishedPeriodOut]:
    return [_period_out(p, s) for p, s in queries.published_periods()]


@router.get(
    "/periods/{period_id}/units",
    response=RankingOut,
    summary="Các đơn vị của một kỳ với điểm và hạng",
)
def units(request: HttpRequest, period_id: int, filters: Query[RankingQuery]) -> RankingOut:
    period, snap = _published(period_id)
    table = queries.ranking(
        period,
        snap,
        queries.Filters(
            measure=filters.measure,
            province=filters.province,
            unit_type=filters.unit_type,
            district=filters.former_district,
            group=filters.group,
            query=filters.q,
        ),
    )
    return RankingOut(
        period=_period_out(period, snap),
        measure=_measure(table.measure),
        measures=[_measure(m) for m in table.measures],
        units=[
            UnitRankOut(
                code=ln.row.code,
                name=ln.row.name,
                unit_type=ln.row.unit_type,
                province=ln.row.province_name,
                former_district=ln.row.district_name,
                submitted=ln.row.submitted,
                value=ln.value,
                points=ln.points,
                rank=ln.rank,
                tied=ln.tied,
                previous_rank=ln.previous_rank,
                rank_change=ln.change,
                peer_rank=ln.peer_rank,
            )
            for ln in table.lines
        ],
    )


@router.get(
    "/periods/{period_id}/units/{code}", response=ScorecardOut, summary="Phiếu điểm của một đơn vị"
)
def unit_scorecard(request: HttpRequest, period_id: int, code: str) -> ScorecardOut:
    period, snap = _published(period_id)
    unit = queries.unit_in(snap, code)
    card = queries.scorecard(period, snap, unit) if unit is not None else None
    if card is None:
        raise HttpError(404, "Đơn vị này không có trong kết quả đã công bố.")
    change = card.change
    return ScorecardOut(
        period=_period_out(period, snap),
        code=card.row.code,
        name=card.row.name,
        total=_line(card.total),
        measures=[_line(m) for m in card.measures],
        peers=[PeerOut(label=p.label, rank=p.rank, of=p.of) for p in card.peers],
        strengths=[
            CriterionShareOut(code=c.code, name=c.name, share=c.share, province_median=c.median)
            for c in card.strengths
        ],
        weaknesses=[
            CriterionShareOut(code=c.code, name=c.name, share=c.share, province_median=c.median)
            for c in card.weaknesses
        ],
        change_up=[
            MoveOut(code=m.code, name=m.name, points=m.delta) for m in (change.up if change else [])
        ],
        change_down=[
            MoveOut(code=m.code, name=m.name, points=m.delta)
            for m in (change.down if change else [])
        ],
        rank_p05=card.band.p05 if card.band else None,
        rank_p95=card.band.p95 if card.band else None,
        what_would_it_take=[
            GainOut(
                code=g.code,
                name=g.name,
                points=g.gain,
                new_rank=g.new_rank,
                ranks_gained=g.ranks_gained,
            )
            for g in card.gains
        ],
    )
