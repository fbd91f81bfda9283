"""Reads behind every results page, export and API answer — published data only.

Everything public here starts from a published ``assessments.Snapshot`` (immutable), so a
snapshot's table — every unit's published values and ranks, its unit type, province and
former district, and, when asked, the engine's re-computed ``Results`` — is built once
per process and kept (bounded LRU keyed by the snapshot and its publication time). Group
memberships change, so they are read fresh on every request. Officials' reads (the
dashboard's submissions) go through the one scoping helper.
"""

from __future__ import annotations

import math
import statistics
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import yaml
from django.db.models import Q, QuerySet

from xaso.accounts.queries import Viewer, scope
from xaso.assessments import queries as assessments
from xaso.assessments.cells import display
from xaso.assessments.engine import to_data
from xaso.assessments.models import Period, Snapshot, SnapshotUnit, Status, Submission
from xaso.core.text import fold
from xaso.index import Data, Framework, Node, Results, score, what_would_it_take
from xaso.results.models import Analysis, UnitAnalysis
from xaso.units import queries as unit_queries
from xaso.units.models import Generation, Level, Lineage, Unit, UnitGroup, UnitType

PAGE_SIZE = 50
TABLE_CACHE_SIZE = 12
# A snapshot this small is analysed while the reader waits (well under a second).
SYNC_ANALYSIS_LIMIT = 400
TYPE_LABELS = dict(UnitType.choices)

# --- measures and the per-snapshot table ----------------------------------------------


@dataclass(frozen=True)
class Measure:
    """Something ranked: the index itself, a pillar or a main index."""

    code: str
    name: str
    kind: str  # "total" | "pillar" | "main"
    max_points: float | None

    @property
    def kind_label(self) -> str:
        return {"total": "Chỉ số", "pillar": "Trụ cột", "main": "Chỉ số chính"}[self.kind]


def measures_of(framework: Framework) -> list[Measure]:
    root = framework.root
    out = [Measure(root.code, root.name_vi, "total", root.max_points)]
    out += [Measure(p.code, p.name_vi, "pillar", None) for p in framework.pillars]
    out += [Measure(n.code, n.name_vi, "main", n.max_points) for n in framework.main_indices]
    return out


@dataclass
class Row:
    """One unit's published values in a snapshot, with what filtering needs."""

    unit_id: int
    code: str
    name: str
    key: str  # folded name, for accent-insensitive search
    submitted: bool
    unit_type: str
    province_id: int | None
    province_name: str
    district_id: int | None
    district_name: str
    latitude: float | None
    longitude: float | None
    values: dict[str, float | None]
    points: dict[str, float | None]
    ranks: dict[str, int | None]
    shares: dict[str, float]  # leaf → points earned / max points

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.unit_type, self.unit_type)


@dataclass
class Table:
    snapshot_id: int
    framework: Framework
    measures: list[Measure]
    rows: list[Row]
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _results: Results | None = field(default=None, repr=False)
    _data: Data | None = field(default=None, repr=False)
    _shares_done: set[int | None] = field(default_factory=set, repr=False)

    @cached_property
    def by_unit(self) -> dict[int, Row]:
        return {r.unit_id: r for r in self.rows}

    @cached_property
    def by_code(self) -> dict[str, Row]:
        return {r.code: r for r in self.rows}

    def measure(self, code: str) -> Measure:
        for m in self.measures:
            if m.code == code:
                return m
        raise KeyError(code)

    def ranked(self, code: str) -> int:
        return sum(1 for r in self.rows if r.ranks.get(code))

    def ensure_shares(self, province_id: int | None) -> None:
        """Each criterion's share of its points for the province's units (the medians
        of strengths and weaknesses), read once per province when first asked."""
        with self._lock:
            if province_id in self._shares_done:
                return
            leaf_max = {leaf.code: leaf.max_points or 0.0 for leaf in self.framework.leaves}
            rows = SnapshotUnit.objects.filter(
                snapshot_id=self.snapshot_id, province_id=province_id, submitted=True
            ).values_list("unit_id", "explanation")
            for unit_id, explanation in rows:
                row = self.by_unit.get(unit_id)
                if row is not None:
                    row.shares = {
                        leaf: (pts or 0.0) / leaf_max[leaf]
                        for leaf, pts, _ in explanation
                        if leaf_max.get(leaf)
                    }
            self._shares_done.add(province_id)

    def _inputs(self) -> tuple[Data, dict[str, dict[str, str]]]:
        rows = list(
            SnapshotUnit.objects.filter(snapshot_id=self.snapshot_id)
            .order_by("unit_code")
            .values_list("unit_code", "unit_name", "inputs", "unit__unit_type")
        )
        data = to_data(self.framework, [(code, name, inputs) for code, name, inputs, _ in rows])
        return data, {"loai": {code: kind for code, _, _, kind in rows}}

    def data(self) -> Data:
        """The snapshot's frozen inputs as the engine's arrays."""
        self.results()
        assert self._data is not None
        return self._data

    def results(self) -> Results:
        """The engine's results re-computed from the snapshot's frozen inputs (the same
        rows, order and groups as at publication, so the same ranks)."""
        with self._lock:
            if self._results is None:
                data, groups = self._inputs()
                self._data = data
                self._results = score(self.framework, data, groups=groups)
            return self._results


_tables: OrderedDict[tuple[int, str], Table] = OrderedDict()
_tables_lock = threading.Lock()


def clear_cache() -> None:
    with _tables_lock:
        _tables.clear()


def _former_districts(snapshot: Snapshot) -> dict[int, tuple[int, str]]:
    """Each unit's district before the 2025 reform: the district most of its predecessor
    communes belonged to."""
    links = Lineage.objects.filter(
        successor_id__in=snapshot.rows.values("unit_id"), predecessor__parent__isnull=False
    ).values_list("successor_id", "predecessor__parent_id", "predecessor__parent__name")
    seen: dict[int, Counter[tuple[int, str]]] = defaultdict(Counter)
    for unit_id, district_id, district_name in links:
        if district_id is not None:
            seen[unit_id][(int(district_id), str(district_name))] += 1
    return {
        unit_id: max(counts.items(), key=lambda kv: (kv[1], -kv[0][0]))[0]
        for unit_id, counts in seen.items()
    }


def _build_table(snapshot: Snapshot) -> Table:
    framework = assessments.version_framework(snapshot.framework)
    measures = measures_of(framework)
    codes = [m.code for m in measures]
    pillar_codes = {m.code for m in measures if m.kind == "pillar"}
    districts = _former_districts(snapshot)
    rows: list[Row] = []
    qs = snapshot.rows.order_by("rank", "unit_name").values_list(
        "unit_id",
        "unit_code",
        "unit_name",
        "submitted",
        "nodes",
        "pillars",
        "unit__unit_type",
        "province_id",
        "province__name",
        "unit__latitude",
        "unit__longitude",
    )
    for (
        unit_id,
        code,
        name,
        submitted,
        nodes,
        pillars,
        unit_type,
        province_id,
        province_name,
        lat,
        lon,
    ) in qs:
        values: dict[str, float | None] = {}
        points: dict[str, float | None] = {}
        ranks: dict[str, int | None] = {}
        for c in codes:
            entry = (pillars if c in pillar_codes else nodes).get(c)
            if entry:
                values[c], points[c], ranks[c] = entry[0], entry[1], entry[2] or None
            else:
                values[c], points[c], ranks[c] = None, None, None
        district_id, district_name = districts.get(unit_id, (None, ""))
        rows.append(
            Row(
                unit_id=unit_id,
                code=code,
                name=name,
                key=fold(name),
                submitted=submitted,
                unit_type=unit_type,
                province_id=province_id,
                province_name=province_name or "",
                district_id=district_id,
                district_name=district_name,
                latitude=lat,
                longitude=lon,
                values=values,
                points=points,
                ranks=ranks,
                shares={},
            )
        )
    return Table(snapshot.pk, framework, measures, rows)


def table_of(snapshot: Snapshot) -> Table:
    """The snapshot's table, built once per process (a published snapshot never changes)."""
    key = (snapshot.pk, snapshot.published_at.isoformat())
    with _tables_lock:
        found = _tables.get(key)
        if found is not None:
            _tables.move_to_end(key)
            return found
    built = _build_table(snapshot)
    with _tables_lock:
        _tables[key] = built
        while len(_tables) > TABLE_CACHE_SIZE:
            _tables.popitem(last=False)
    return built


def competition_ranks(values: Sequence[float | None]) -> list[int | None]:
    """Standard competition ranks (1, 2, 2, 4) on published values; None stays unranked."""
    order = sorted((v for v in values if v is not None), reverse=True)
    first: dict[float, int] = {}
    for i, v in enumerate(order):
        first.setdefault(v, i + 1)
    return [first[v] if v is not None else None for v in values]


def rank_among(row: Row, rows: Iterable[Row], code: str) -> tuple[int | None, int]:
    """``row``'s competition rank on ``code`` among ``rows`` (which include it), and of how many."""
    mine = row.values.get(code)
    ranked = [r.values.get(code) for r in rows if r.values.get(code) is not None]
    if mine is None:
        return None, len(ranked)
    return 1 + sum(1 for v in ranked if v is not None and v > mine), len(ranked)


# --- published periods and snapshots ---------------------------------------------------


def published_periods(province: Unit | None = None) -> list[tuple[Period, Snapshot]]:
    """Every period with published results (of a province's units, if given), newest
    first, with its latest version."""
    qs = Period.objects.filter(snapshots__isnull=False)
    if province is not None:
        # A period may be a province's own or span several (a national group).
        covering = SnapshotUnit.objects.filter(province=province).values("snapshot__period_id")
        qs = qs.filter(Q(province=province) | Q(pk__in=covering))
    qs = qs.distinct()
    periods = list(qs.select_related("province", "framework").order_by("-year", "name"))
    latest: dict[int, Snapshot] = {}
    for snap in (
        Snapshot.objects.filter(period__in=periods)
        .select_related("framework")
        .order_by("period_id", "-version")
    ):
        latest.setdefault(snap.period_id, snap)
    return [(p, latest[p.pk]) for p in periods if p.pk in latest]


def published_or_none(period_id: object, version: object = None) -> tuple[Period, Snapshot] | None:
    """A period and its latest (or the asked) published version; None if unpublished."""
    try:
        pk = int(str(period_id))
        ver = int(str(version)) if version not in (None, "") else None
    except ValueError:
        return None
    period = Period.objects.select_related("province", "framework", "scope_group").filter(pk=pk)
    found = period.first()
    if found is None:
        return None
    snapshot = assessments.published_snapshot(found, ver)
    return (found, snapshot) if snapshot is not None else None


def previous_snapshot(snapshot: Snapshot) -> Snapshot | None:
    """What "last period" means for a snapshot: the period it names as previous, or else
    the latest earlier year of the same province, framework and scope that was published."""
    period = snapshot.period
    if period.previous_id is not None:
        previous = Period.objects.filter(pk=period.previous_id).first()
        return assessments.published_snapshot(previous) if previous is not None else None
    candidates = Period.objects.filter(
        province_id=period.province_id,
        framework__code=period.framework.code,
        year__lt=period.year,
        scope_kind=period.scope_kind,
        scope_group_id=period.scope_group_id,
        scope_unit_type=period.scope_unit_type,
        snapshots__isnull=False,
    ).order_by("-year", "-pk")
    for candidate in candidates[:1]:
        return assessments.published_snapshot(candidate)
    return None


def rank_change_label(before: int | None, after: int | None) -> str:
    """ "tăng 3 bậc", "giảm 1 bậc", "giữ nguyên" — how the rank moved since last period."""
    if before is None or after is None:
        return ""
    if after < before:
        return f"tăng {before - after} bậc"
    if after > before:
        return f"giảm {after - before} bậc"
    return "giữ nguyên"


# --- rankings --------------------------------------------------------------------------

SORTS = {
    "hang": "Hạng (cao → thấp)",
    "-hang": "Hạng (thấp → cao)",
    "ten": "Tên (A → Z)",
    "thay-doi": "Tăng hạng nhiều nhất",
}


@dataclass(frozen=True)
class Filters:
    measure: str = ""
    province: int | None = None
    unit_type: str = ""
    district: int | None = None
    group: int | None = None
    query: str = ""
    sort: str = "hang"
    page: int = 1

    @property
    def narrowed(self) -> bool:
        return bool(
            self.province or self.unit_type or self.district or self.group or self.query.strip()
        )

    @property
    def peer_narrowed(self) -> bool:
        """A filter that defines a peer group (search alone does not)."""
        return bool(self.province or self.unit_type or self.district or self.group)


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def filters_from(params: Mapping[str, str]) -> Filters:
    """Filters from a query string (the page's form, the exports and the API share it)."""
    sort = params.get("sap", "hang")
    return Filters(
        measure=params.get("chi-so", "").strip(),
        province=_int(params.get("tinh")),
        unit_type=params.get("loai", "").strip(),
        district=_int(params.get("huyen")),
        group=_int(params.get("nhom")),
        query=params.get("q", "").strip()[:100],
        sort=sort if sort in SORTS else "hang",
        page=max(1, _int(params.get("trang")) or 1),
    )


@dataclass(frozen=True)
class Line:
    row: Row
    value: float | None
    points: float | None
    rank: int | None
    tied: bool
    peer_rank: int | None  # rank within the filtered peers
    previous_rank: int | None
    change: str
    groups: tuple[str, ...]

    @property
    def moved(self) -> int:
        if self.rank is None or self.previous_rank is None:
            return 0
        return self.previous_rank - self.rank


@dataclass
class Ranking:
    period: Period
    snapshot: Snapshot
    previous: Snapshot | None
    measure: Measure
    measures: list[Measure]
    filters: Filters
    lines: list[Line]  # every matching line, sorted
    ranked: int  # units with a rank on this measure in the whole snapshot
    provinces: list[tuple[int, str]]
    types: list[tuple[str, str]]
    districts: list[tuple[int, str]]
    groups: list[tuple[int, str]]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(len(self.lines) / PAGE_SIZE))

    @property
    def page(self) -> int:
        return min(self.filters.page, self.pages)

    @property
    def shown(self) -> list[Line]:
        start = (self.page - 1) * PAGE_SIZE
        return self.lines[start : start + PAGE_SIZE]


def _memberships(
    unit_ids: Iterable[int] | QuerySet[Any],
) -> tuple[dict[int, list[int]], dict[int, str]]:
    through = UnitGroup.members.through
    links = through.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "unitgroup_id")
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, group_id in links:
        by_unit[unit_id].append(group_id)
    ids = {g for gs in by_unit.values() for g in gs}
    names = dict(UnitGroup.objects.filter(pk__in=ids).values_list("pk", "name"))
    return by_unit, names


def ranking(period: Period, snapshot: Snapshot, filters: Filters) -> Ranking:
    """One ranking table: the chosen measure (default the index), filtered, searched and
    sorted, with each unit's rank, ties, its rank among the filtered peers and its move
    since last period."""
    table = table_of(snapshot)
    codes = {m.code: m for m in table.measures}
    measure = codes.get(filters.measure) or table.measures[0]
    code = measure.code
    previous = previous_snapshot(snapshot)
    before = table_of(previous) if previous is not None else None
    members, group_names = _memberships(snapshot.rows.values("unit_id"))
    rows = table.rows
    if filters.province:
        rows = [r for r in rows if r.province_id == filters.province]
    if filters.unit_type:
        rows = [r for r in rows if r.unit_type == filters.unit_type]
    if filters.district:
        rows = [r for r in rows if r.district_id == filters.district]
    if filters.group:
        rows = [r for r in rows if filters.group in members.get(r.unit_id, ())]
    peer_ranks = competition_ranks([r.values.get(code) for r in rows])
    rank_counts = Counter(r.ranks.get(code) for r in table.rows if r.ranks.get(code))
    needle = fold(filters.query)
    lines = []
    for row, peer_rank in zip(rows, peer_ranks, strict=True):
        if needle and needle not in row.key and not row.code.startswith(needle):
            continue
        rank = row.ranks.get(code)
        prev_row = before.by_unit.get(row.unit_id) if before is not None else None
        prev_rank = prev_row.ranks.get(code) if prev_row is not None else None
        lines.append(
            Line(
                row=row,
                value=row.values.get(code),
                points=row.points.get(code),
                rank=rank,
                tied=bool(rank and rank_counts[rank] > 1),
                peer_rank=peer_rank if filters.peer_narrowed else None,
                previous_rank=prev_rank,
                change=rank_change_label(prev_rank, rank),
                groups=tuple(sorted(group_names[g] for g in members.get(row.unit_id, ()))),
            )
        )
    unranked = 10**9
    if filters.sort == "-hang":
        lines.sort(key=lambda ln: (-(ln.rank or 0), ln.row.name))
    elif filters.sort == "ten":
        lines.sort(key=lambda ln: (ln.row.key, ln.row.code))
    elif filters.sort == "thay-doi":
        lines.sort(key=lambda ln: (-ln.moved, ln.rank or unranked, ln.row.key))
    else:
        lines.sort(key=lambda ln: (ln.rank or unranked, ln.row.key))
    all_groups = sorted(
        {(g, group_names[g]) for gs in members.values() for g in gs}, key=lambda x: x[1]
    )
    return Ranking(
        period=period,
        snapshot=snapshot,
        previous=previous,
        measure=measure,
        measures=table.measures,
        filters=filters,
        lines=lines,
        ranked=table.ranked(code),
        provinces=sorted(
            {(r.province_id, r.province_name) for r in table.rows if r.province_id is not None},
            key=lambda x: x[1],
        ),
        types=sorted({(r.unit_type, r.type_label) for r in table.rows}, key=lambda x: x[1]),
        districts=sorted(
            {(r.district_id, r.district_name) for r in table.rows if r.district_id is not None},
            key=lambda x: fold(x[1]),
        ),
        groups=all_groups,
    )


# --- scorecard -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureLine:
    measure: Measure
    value: float | None
    points: float | None
    rank: int | None
    of: int
    previous_value: float | None
    previous_rank: int | None
    change: str
    median: float | None  # the province median of this measure

    @property
    def moved(self) -> int:
        if self.rank is None or self.previous_rank is None:
            return 0
        return self.previous_rank - self.rank

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous_value is None:
            return None
        return round(self.value - self.previous_value, 4)


@dataclass(frozen=True)
class PeerRank:
    label: str
    rank: int | None
    of: int
    link: str  # the ranking filter that shows these peers, as a query string


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    main: str
    points: float
    max_points: float
    share: float
    median: float

    @property
    def gap(self) -> float:
        return self.share - self.median


@dataclass(frozen=True)
class Move:
    code: str
    name: str
    delta: float


@dataclass(frozen=True)
class Change:
    before: float
    after: float
    rank_before: int | None
    rank_after: int | None
    label: str
    period_name: str
    up: list[Move]
    down: list[Move]

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class Band:
    median: float
    p05: int
    p95: int
    draws: int


@dataclass(frozen=True)
class Gain:
    code: str
    name: str
    gain: float  # points added to the total if this criterion reaches full marks
    new_rank: int
    ranks_gained: int
    peers_at_full: float


@dataclass(frozen=True)
class Plan:
    target_rank: int
    reachable: bool
    achieved_rank: int
    points_needed: float
    criteria: list[str]


@dataclass(frozen=True)
class HistoryPoint:
    period_id: int
    year: int
    name: str
    value: float | None
    rank: int | None
    of: int


@dataclass
class Scorecard:
    period: Period
    snapshot: Snapshot
    row: Row
    total: MeasureLine
    measures: list[MeasureLine]
    peers: list[PeerRank]
    strengths: list[Criterion]
    weaknesses: list[Criterion]
    change: Change | None
    band: Band | None
    analysis_state: str
    gains: list[Gain]
    plan: Plan | None
    history: list[HistoryPoint]
    leaders: bool  # already first: nothing to gain
    groups: list[tuple[int, str]]
    criteria: list[tuple[str, str, str, float, float, str]] = field(default_factory=list)


def _median(values: Iterable[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return statistics.median(clean) if clean else None


def _leaf_names(framework: Framework) -> dict[str, tuple[str, str]]:
    """Leaf code → (name, main index name)."""
    out: dict[str, tuple[str, str]] = {}
    for main in framework.main_indices:
        for node in main.walk():
            if node.is_leaf:
                out[node.code] = (node.name_vi, main.name_vi)
    for leaf in framework.leaves:
        out.setdefault(leaf.code, (leaf.name_vi, ""))
    return out


def _published_value(points: float, scale: float, decimals: int) -> float:
    if scale <= 0:
        return 0.0
    factor = 10.0**decimals
    return math.floor(round(points / scale * factor, 6) + 0.5) / factor


def gains_for(table: Table, row: Row, count: int = 3) -> tuple[list[Gain], Plan | None, bool]:
    """ "Cần làm gì để tăng hạng": the criteria that, each raised to full marks alone, would
    gain the most ranks — from ``what_would_it_take`` on the re-computed results — and the
    smallest set of criteria that would lift the unit three places."""
    results = table.results()
    try:
        i = results.row(row.code)
    except KeyError:
        return [], None, False
    rank = int(results.ranks[i, 0])
    if not rank:
        return [], None, False
    names = _leaf_names(table.framework)
    scale = float(results.scale[0])
    decimals = table.framework.rounding
    current = float(np.nan_to_num(results.points[i, 0]))
    others = np.delete(results.rounded[:, 0], i)
    others = others[~np.isnan(others)]
    if rank == 1:
        return [], None, True
    # Target first place: every criterion worth anything comes back with its own gain.
    full = what_would_it_take(results, row.code, ranks=rank - 1)
    gains = []
    for step in full.steps:
        value = _published_value(current + step.gain, scale, decimals)
        new_rank = 1 + int(np.sum(others > value))
        gains.append(
            Gain(
                step.leaf,
                names.get(step.leaf, (step.leaf, ""))[0],
                step.gain,
                new_rank,
                rank - new_rank,
                step.peers_at_full,
            )
        )
    gains.sort(key=lambda g: (-g.ranks_gained, -g.gain))
    three = what_would_it_take(results, row.code, ranks=3)
    plan = Plan(
        target_rank=three.target_rank,
        reachable=three.reachable,
        achieved_rank=three.achieved_rank,
        points_needed=three.points_needed,
        criteria=[names.get(s.leaf, (s.leaf, ""))[0] for s in three.steps],
    )
    return gains[:count], plan, False


def analysis_of(snapshot: Snapshot) -> Analysis | None:
    return Analysis.objects.filter(snapshot=snapshot).first()


def unit_analysis(snapshot: Snapshot, unit_id: int) -> UnitAnalysis | None:
    return (
        UnitAnalysis.objects.filter(analysis__snapshot=snapshot, unit_id=unit_id)
        .select_related("analysis")
        .first()
    )


def _change(
    table: Table, row: Row, found: UnitAnalysis | None, previous: Snapshot | None
) -> Change | None:
    if found is None or not found.change or previous is None:
        return None
    data = found.change
    names = _leaf_names(table.framework)
    moves = [Move(code, names.get(code, (code, ""))[0], delta) for code, delta in data["by_leaf"]]
    return Change(
        before=data["before"],
        after=data["after"],
        rank_before=data.get("rank_before"),
        rank_after=data.get("rank_after"),
        label=rank_change_label(data.get("rank_before"), data.get("rank_after")),
        period_name=previous.period.name,
        up=[m for m in moves if m.delta > 0][:5],
        down=[m for m in moves if m.delta < 0][:5],
    )


def history_of(unit: Unit) -> list[HistoryPoint]:
    """The unit's index in every published period (latest version of each), oldest first."""
    rows = (
        SnapshotUnit.objects.filter(unit=unit)
        .order_by("snapshot__period__year", "snapshot__period_id", "-snapshot__version")
        .values_list(
            "snapshot__period_id",
            "snapshot__period__year",
            "snapshot__period__name",
            "score",
            "rank",
            "snapshot__unit_count",
        )
    )
    out: dict[int, HistoryPoint] = {}
    for period_id, year, name, value, rank, count in rows:
        out.setdefault(period_id, HistoryPoint(period_id, year, name, value, rank, count))
    return list(out.values())


def scorecard(period: Period, snapshot: Snapshot, unit: Unit) -> Scorecard | None:
    """A unit's published scorecard; None if the unit is not in the snapshot."""
    table = table_of(snapshot)
    row = table.by_unit.get(unit.pk)
    if row is None:
        return None
    previous = previous_snapshot(snapshot)
    before = table_of(previous) if previous is not None else None
    prev_row = before.by_unit.get(unit.pk) if before is not None else None
    same_province = [r for r in table.rows if r.province_id == row.province_id]

    def line(measure: Measure) -> MeasureLine:
        code = measure.code
        prev_value = prev_row.values.get(code) if prev_row is not None else None
        prev_rank = prev_row.ranks.get(code) if prev_row is not None else None
        rank = row.ranks.get(code)
        return MeasureLine(
            measure=measure,
            value=row.values.get(code),
            points=row.points.get(code),
            rank=rank,
            of=table.ranked(code),
            previous_value=prev_value,
            previous_rank=prev_rank,
            change=rank_change_label(prev_rank, rank),
            median=_median(r.values.get(code) for r in same_province if r.submitted),
        )

    lines = [line(m) for m in table.measures]
    total_code = table.measures[0].code
    peers: list[PeerRank] = []
    if len({r.province_id for r in table.rows}) > 1:
        r, n = rank_among(row, same_province, total_code)
        peers.append(PeerRank(f"Trong {row.province_name}", r, n, f"tinh={row.province_id}"))
    r, n = rank_among(row, [x for x in table.rows if x.unit_type == row.unit_type], total_code)
    peers.append(PeerRank(f"Cùng loại ({row.type_label.lower()})", r, n, f"loai={row.unit_type}"))
    if row.district_id is not None:
        r, n = rank_among(
            row, [x for x in table.rows if x.district_id == row.district_id], total_code
        )
        peers.append(
            PeerRank(f"Cùng huyện cũ ({row.district_name})", r, n, f"huyen={row.district_id}")
        )
    members, names = _memberships([row.unit_id])
    group_ids = members.get(row.unit_id, [])
    if group_ids:
        mates, _ = _memberships(
            snapshot.rows.filter(unit__unit_groups__in=group_ids).values("unit_id")
        )
        for gid in group_ids:
            inside = [x for x in table.rows if gid in mates.get(x.unit_id, ())]
            r, n = rank_among(row, inside, total_code)
            peers.append(PeerRank(f"Nhóm {names[gid]}", r, n, f"nhom={gid}"))
    leaf_names = _leaf_names(table.framework)
    leaf_max = {leaf.code: leaf.max_points or 0.0 for leaf in table.framework.leaves}
    table.ensure_shares(row.province_id)
    criteria = []
    for code, share in row.shares.items():
        med = _median(r.shares.get(code) for r in same_province if r.submitted)
        name, main = leaf_names.get(code, (code, ""))
        criteria.append(
            Criterion(code, name, main, share * leaf_max[code], leaf_max[code], share, med or 0.0)
        )
    strengths = sorted((c for c in criteria if c.gap > 0), key=lambda c: -c.gap)[:3]
    weaknesses = sorted((c for c in criteria if c.gap < 0), key=lambda c: c.gap)[:3]
    found = unit_analysis(snapshot, unit.pk)
    analysis = found.analysis if found is not None else analysis_of(snapshot)
    band = None
    if found is not None and found.rank_p05 is not None and found.rank_p95 is not None:
        band = Band(
            found.rank_median or 0.0,
            round(found.rank_p05),
            round(found.rank_p95),
            analysis.draws if analysis else 0,
        )
    gains, plan, leading = gains_for(table, row) if row.submitted else ([], None, False)
    inputs = snapshot.rows.filter(unit=unit).values_list("inputs", flat=True).first() or {}
    leaves = {leaf.code: leaf for leaf in table.framework.leaves}
    entered = []
    for code, (name, main) in leaf_names.items():
        leaf = leaves[code]
        pts = row.shares.get(code, 0.0) * leaf_max.get(code, 0.0)
        entered.append(
            (code, name, main, pts, leaf_max.get(code, 0.0), display(leaf, inputs.get(code)))
        )
    return Scorecard(
        period=period,
        snapshot=snapshot,
        row=row,
        total=lines[0],
        measures=lines[1:],
        peers=peers,
        strengths=strengths,
        weaknesses=weaknesses,
        change=_change(table, row, found, previous),
        band=band,
        analysis_state=analysis.state if analysis else "",
        gains=gains,
        plan=plan,
        history=history_of(unit),
        leaders=leading,
        groups=[(g, names[g]) for g in group_ids],
        criteria=entered,
    )


# --- public search and the portal ------------------------------------------------------


@dataclass(frozen=True)
class Found:
    unit: Unit
    period: Period
    snapshot_id: int
    rank: int | None
    of: int
    score: float | None


def find_published(query: str, *, limit: int = 20) -> list[Found]:
    """Units with published results whose name (accents optional) or code matches, each
    with its latest published result. Raises ``UnitLookupError`` for an empty query."""
    units = list(
        unit_queries.search(query, generation=Generation.CURRENT, level=Level.COMMUNE, limit=200)
    )
    if not units:
        return []
    rows = (
        SnapshotUnit.objects.filter(unit__in=units)
        .order_by("unit_id", "-snapshot__period__year", "-snapshot__published_at")
        .values_list(
            "unit_id", "snapshot_id", "snapshot__period_id", "rank", "score", "snapshot__unit_count"
        )
    )
    latest: dict[int, tuple[int, int, int | None, float | None, int]] = {}
    for unit_id, snap_id, period_id, rank, value, count in rows:
        latest.setdefault(unit_id, (snap_id, period_id, rank, value, count))
    periods = Period.objects.in_bulk({v[1] for v in latest.values()})
    out = []
    for unit in units:
        if unit.pk in latest:
            snap_id, period_id, rank, value, count = latest[unit.pk]
            out.append(Found(unit, periods[period_id], snap_id, rank, count, value))
    return out[:limit]


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def rule_text(node: Node) -> str:
    """How a criterion earns its points, in one Vietnamese sentence."""
    rule = node.rule
    if rule is None:
        return ""
    top = node.max_points or 0.0
    kind = rule.type.value
    if kind == "ratio":
        return "Tỷ lệ tử số / mẫu số × điểm tối đa."
    if kind == "linear_to_target":
        return f"Giá trị / mục tiêu {_num(rule.target or 0)} (tối đa 1) × điểm tối đa."
    if kind == "steps":
        steps = [
            f"từ {_num(t)} → {_num(f * top)} điểm"
            for t, f in zip(rule.thresholds, rule.step_fractions, strict=False)
        ]
        return "Theo bậc: " + "; ".join(steps) + "."
    if kind == "choice":
        return (
            "Theo lựa chọn: "
            + "; ".join(f"{code} → {_num(f * top)} điểm" for code, f in rule.options)
            + "."
        )
    if kind == "boolean":
        return "Có → đủ điểm tối đa; không → 0 điểm."
    if kind == "relative_to_best":
        return "Giá trị / giá trị cao nhất trong các đơn vị cùng kỳ × điểm tối đa."
    if kind == "normalise":
        return (
            f"Chuẩn hoá thống kê ({rule.method.value if rule.method else 'min-max'}) × điểm tối đa."
        )
    return "Giá trị 0–1 được nhập trực tiếp × điểm tối đa."


def method_of(snapshot: Snapshot) -> dict[str, Any]:
    """The framework as published: its description and note from the file, its tree with
    points and rules, and its legal source."""
    framework = assessments.version_framework(snapshot.framework)
    try:
        meta = yaml.safe_load(snapshot.framework.source_text) or {}
    except yaml.YAMLError:
        meta = {}
    tree: list[tuple[int, Node, str]] = []

    def walk(node: Node, depth: int) -> None:
        tree.append((depth, node, rule_text(node)))
        for child in node.children:
            walk(child, depth + 1)

    walk(framework.root, 0)
    return {
        "framework": framework,
        "version": snapshot.framework,
        "description": meta.get("description_vi", "") if isinstance(meta, dict) else "",
        "note": meta.get("note_vi", "") if isinstance(meta, dict) else "",
        "tree": tree,
        "pillars": framework.pillars,
        "leaf_count": len(framework.leaves),
    }


# --- dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    pilot: int


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    unit_id: int
    code: str
    name: str
    value: float | None
    band: int  # 0 = no result, 1..5 = quintile of the 0–1 scale
    pilot: bool


@dataclass(frozen=True)
class MapData:
    width: int
    height: int
    outline: str  # SVG points
    dots: list[Dot]


@dataclass(frozen=True)
class Average:
    label: str
    count: int
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class Completeness:
    period: Period
    total: int
    by_status: list[tuple[str, int]]
    submitted: int
    on_time: int
    late: int
    open: bool


@dataclass
class Dashboard:
    province: Unit
    period: Period
    snapshot: Snapshot
    count: int
    mean: float | None
    median: float | None
    best: Row | None
    histogram: list[Bin]
    by_type: list[Average]
    by_district: list[Average]
    by_measure: list[tuple[Measure, float | None]]
    map: MapData
    trend: list[tuple[int, str, float | None, float | None, int]]
    completeness: list[Completeness]
    pilots: list[tuple[str, list[tuple[Row, float | None, int | None]]]]


def dashboard_provinces(viewer: Viewer) -> list[Unit]:
    """Provinces whose results this official may see on the dashboard: those where they
    may list submissions (leaders, administrators, verifiers, officers of a commune)."""
    subs = scope(Submission.objects.all(), viewer, action="list")
    ids = set(subs.values_list("province_id", flat=True).distinct())
    ids |= set(
        scope(Period.objects.all(), viewer, action="edit").values_list("province_id", flat=True)
    )
    return list(Unit.objects.filter(pk__in=ids).order_by("name"))


def convex_hull(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; the province outline drawn around its communes."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def score_band(value: float | None) -> int:
    if value is None:
        return 0
    return min(5, 1 + int(value * 5))


def province_map(
    province: Unit, rows: Mapping[int, Row], pilots: set[int], total: str, *, width: int = 560
) -> MapData:
    """Every commune of the province as a dot (coloured by its index where it has one)
    inside the convex hull of them all; equirectangular, north up, corrected for latitude."""
    found = Unit.objects.filter(
        generation=Generation.CURRENT,
        level=Level.COMMUNE,
        province=province,
        latitude__isnull=False,
        longitude__isnull=False,
    ).values_list("pk", "code", "name", "latitude", "longitude")
    units = [
        (pk, code, name, float(lat), float(lon))
        for pk, code, name, lat, lon in found
        if lat is not None and lon is not None
    ]
    if not units:
        return MapData(width, 0, "", [])
    lats = [u[3] for u in units]
    lons = [u[4] for u in units]
    kx = math.cos(math.radians(sum(lats) / len(lats)))
    min_x, max_x = min(lons) * kx, max(lons) * kx
    min_y, max_y = min(lats), max(lats)
    span = max(max_x - min_x, max_y - min_y, 1e-6)
    pad = 14
    scale = (width - 2 * pad) / span
    height = int((max_y - min_y) * scale + 2 * pad)

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (round(pad + (lon * kx - min_x) * scale, 1), round(pad + (max_y - lat) * scale, 1))

    hull = convex_hull([project(lat, lon) for _, _, _, lat, lon in units])
    dots = []
    for pk, code, name, lat, lon in units:
        x, y = project(lat, lon)
        row = rows.get(pk)
        value = row.values.get(total) if row is not None else None
        dots.append(Dot(x, y, pk, code, name, value, score_band(value) if row else 0, pk in pilots))
    # Scored and pilot dots on top of the grey ones.
    dots.sort(key=lambda d: (d.band > 0, d.pilot))
    outline = " ".join(f"{x},{y}" for x, y in hull)
    return MapData(width, max(height, 2 * pad), outline, dots)


def averages(groups: Mapping[str, list[float | None]]) -> list[Average]:
    out = []
    for label, values in groups.items():
        clean = [v for v in values if v is not None]
        out.append(
            Average(label, len(clean), statistics.fmean(clean) if clean else None, _median(clean))
        )
    return sorted(out, key=lambda a: -(a.mean or 0))


def completeness(viewer: Viewer, period: Period) -> Completeness:
    subs = list(assessments.submissions_of(viewer, period).values_list("status", "submitted_at"))
    counts = Counter(status for status, _ in subs)
    submitted = [at for status, at in subs if status != Status.DRAFT and at is not None]
    on_time = sum(1 for at in submitted if at <= period.closes_at)
    return Completeness(
        period=period,
        total=len(subs),
        by_status=[(label, counts.get(value, 0)) for value, label in Status.choices],
        submitted=len(submitted),
        on_time=on_time,
        late=len(submitted) - on_time,
        open=period.is_open(),
    )


def dashboard(viewer: Viewer, province: Unit, period: Period, snapshot: Snapshot) -> Dashboard:
    table = table_of(snapshot)
    total = table.measures[0].code
    rows = [r for r in table.rows if r.province_id == province.pk] or table.rows
    scored = [r for r in rows if r.submitted and r.values.get(total) is not None]
    values = [v for r in scored if (v := r.values.get(total)) is not None]
    members, group_names = _memberships(
        Unit.objects.filter(province=province, generation=Generation.CURRENT).values("pk")
    )
    pilots = {uid for uid, gs in members.items() if gs}
    bins = []
    for k in range(10):
        low, high = k / 10, (k + 1) / 10
        inside = [
            r
            for r in scored
            if low <= (r.values[total] or 0) < high or (k == 9 and r.values[total] == 1)
        ]
        bins.append(Bin(low, high, len(inside), sum(1 for r in inside if r.unit_id in pilots)))
    by_type: dict[str, list[float | None]] = defaultdict(list)
    by_district: dict[str, list[float | None]] = defaultdict(list)
    for r in scored:
        by_type[r.type_label].append(r.values[total])
        if r.district_name:
            by_district[r.district_name].append(r.values[total])
    trend = []
    for p, snap in sorted(published_periods(province), key=lambda ps: (ps[0].year, ps[0].pk)):
        if snap.framework.code != snapshot.framework.code:
            continue
        scores = SnapshotUnit.objects.filter(snapshot=snap, province=province, submitted=True)
        clean = [v for v in scores.values_list("score", flat=True) if v is not None]
        trend.append(
            (p.year, p.name, statistics.fmean(clean) if clean else None, _median(clean), len(clean))
        )
    open_periods = [p for p in assessments.periods_for(viewer).filter(province=province)[:6]]
    by_group: dict[str, list[tuple[Row, float | None, int | None]]] = defaultdict(list)
    for r in scored:
        for g in members.get(r.unit_id, ()):
            by_group[group_names[g]].append((r, r.values.get(total), r.ranks.get(total)))
    return Dashboard(
        province=province,
        period=period,
        snapshot=snapshot,
        count=len(scored),
        mean=statistics.fmean(values) if values else None,
        median=_median(values),
        best=scored[0] if scored else None,
        histogram=bins,
        by_type=averages(by_type),
        by_district=averages(by_district),
        by_measure=[(m, _median(r.values.get(m.code) for r in scored)) for m in table.measures],
        map=province_map(province, {r.unit_id: r for r in scored}, pilots, total),
        trend=trend,
        completeness=[completeness(viewer, p) for p in open_periods],
        pilots=sorted(by_group.items()),
    )


# --- everything for exports ------------------------------------------------------------


def snapshot_units(snapshot: Snapshot) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=snapshot.rows.values("unit_id"))


def unit_in(snapshot: Snapshot, code: str) -> Unit | None:
    return snapshot_units(snapshot).filter(code=code).first()
