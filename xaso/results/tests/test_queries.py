from __future__ import annotations

import numpy as np
import pytest

from xaso.assessments.tests.factories import make_period
from xaso.results import queries
from xaso.results.actions import do_analyse_snapshot
from xaso.results.tests.factories import Published
from xaso.units.models import Unit, UnitGroup


def test_competition_ranks_share_ties_and_skip() -> None:
    assert queries.competition_ranks([0.5, 0.7, 0.5, None, 0.4]) == [2, 1, 2, None, 4]


def test_rank_change_words() -> None:
    assert queries.rank_change_label(5, 2) == "tăng 3 bậc"
    assert queries.rank_change_label(2, 3) == "giảm 1 bậc"
    assert queries.rank_change_label(4, 4) == "giữ nguyên"
    assert queries.rank_change_label(None, 4) == ""


def test_convex_hull_keeps_only_the_outline() -> None:
    square = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (2.0, 2.0), (1.0, 3.0)]
    assert sorted(queries.convex_hull(square)) == [(0.0, 0.0), (0.0, 4.0), (4.0, 0.0), (4.0, 4.0)]


def test_table_matches_the_published_ranks_and_the_rescored_results(published: Published) -> None:
    table = queries.table_of(published.snap_after)
    stored = dict(published.snap_after.rows.values_list("unit_code", "rank"))
    assert {r.code: r.ranks["XDX"] for r in table.rows} == stored
    results = table.results()
    rescored = {u: int(results.ranks[i, 0]) for i, u in enumerate(results.units)}
    assert rescored == stored
    assert queries.table_of(published.snap_after) is table  # built once


def test_ranking_shows_ties_as_ties_and_moves_since_last_year(published: Published) -> None:
    r = queries.ranking(published.after, published.snap_after, queries.Filters())
    ranks = [ln.rank for ln in r.lines]
    assert ranks == [1, 2, 2, 4]
    assert [ln.tied for ln in r.lines] == [False, True, True, False]
    before = {
        ln.row.code: ln.rank
        for ln in queries.ranking(published.before, published.snap_before, queries.Filters()).lines
    }
    for ln in r.lines:
        assert ln.previous_rank == before[ln.row.code]
        assert ln.change == queries.rank_change_label(before[ln.row.code], ln.rank)
    assert any(ln.change.startswith("tăng") for ln in r.lines)
    assert any(ln.change.startswith("giảm") for ln in r.lines)


def test_ranking_filters_search_sort_and_peer_ranks(published: Published, hoa_phu: Unit) -> None:
    r = queries.ranking(
        published.after, published.snap_after, queries.filters_from({"q": "hoa phu"})
    )
    assert [ln.row.name for ln in r.lines] == ["Xã Hòa Phú"]
    xa = queries.ranking(
        published.after, published.snap_after, queries.filters_from({"loai": "xa"})
    )
    assert {ln.row.unit_type for ln in xa.lines} == {"xa"} and len(xa.lines) == 3
    # Among the three xã the two tied at 0.7 share first place; the phường stays out.
    assert sorted(ln.peer_rank for ln in xa.lines) == [1, 1, 3]
    assert sorted(ln.rank for ln in xa.lines) == [2, 2, 4]
    hp = next(ln for ln in r.lines)
    district = queries.ranking(
        published.after,
        published.snap_after,
        queries.filters_from({"huyen": str(hp.row.district_id)}),
    )
    assert hoa_phu.pk in {ln.row.unit_id for ln in district.lines}
    assert all(ln.row.district_id == hp.row.district_id for ln in district.lines)
    by_name = queries.ranking(
        published.after, published.snap_after, queries.filters_from({"sap": "ten"})
    )
    keys = [ln.row.key for ln in by_name.lines]
    assert keys == sorted(keys)
    group = UnitGroup.objects.get(pk=published.after.scope_group_id)
    grouped = queries.ranking(
        published.after, published.snap_after, queries.filters_from({"nhom": str(group.pk)})
    )
    assert len(grouped.lines) == 4 and all(ln.groups for ln in grouped.lines)


def test_ranking_by_a_main_index_uses_its_own_ranks(published: Published) -> None:
    r = queries.ranking(
        published.after, published.snap_after, queries.filters_from({"chi-so": "CQ"})
    )
    assert r.measure.code == "CQ" and r.measure.kind == "main"
    values = [ln.value for ln in r.lines]
    assert values == sorted(values, reverse=True)
    assert [ln.rank for ln in r.lines] == queries.competition_ranks(values)


def test_scorecard_explains_rank_change_strengths_and_what_it_takes(
    published: Published, hoa_phu: Unit
) -> None:
    do_analyse_snapshot(snapshot=published.snap_after, actor=None)
    card = queries.scorecard(published.after, published.snap_after, hoa_phu)
    assert card is not None
    assert card.total.rank is not None and card.total.of == 4
    labels = [p.label for p in card.peers]
    assert any(lbl.startswith("Cùng loại") for lbl in labels)
    assert any(lbl.startswith("Cùng huyện cũ") for lbl in labels)
    assert any(lbl.startswith("Nhóm ") for lbl in labels)
    assert {m.measure.kind for m in card.measures} == {"pillar", "main"}
    assert card.change is not None
    stored = published.snap_after.results_analysis.units.get(unit=hoa_phu).change
    # decompose_change: the criteria's moves add up to the change in points.
    assert sum(d for _, d in stored["by_leaf"]) == pytest.approx(
        stored["after"] - stored["before"], abs=0.01
    )
    assert card.change.up or card.change.down
    assert all(c.share > c.median for c in card.strengths)
    assert all(c.share < c.median for c in card.weaknesses)
    assert card.band is not None and card.band.p05 <= card.band.p95
    if card.total.rank == 1:
        assert card.leaders
    else:
        assert 1 <= len(card.gains) <= 3
        assert all(g.new_rank == card.total.rank - g.ranks_gained for g in card.gains)
        gained = [g.ranks_gained for g in card.gains]
        assert gained == sorted(gained, reverse=True)


def test_what_it_takes_names_the_criterion_that_actually_lifts_the_rank(
    published: Published,
) -> None:
    table = queries.table_of(published.snap_after)
    last = max(table.rows, key=lambda r: r.ranks["XDX"] or 0)
    gains, plan, leading = queries.gains_for(table, last)
    assert not leading and gains and plan is not None
    best = gains[0]
    results = table.results()
    i = results.row(last.code)
    j = table.framework.leaf_index[best.code]
    fractions = results.fractions[i].copy()
    scale = float(results.scale[0])
    # Under a points sum, full marks on the leaf add exactly its missing points.
    leaf = table.framework.leaves[j]
    assert best.gain == pytest.approx((1 - np.nan_to_num(fractions[j])) * (leaf.max_points or 0))
    new_value = queries._published_value(float(results.points[i, 0]) + best.gain, scale, 4)
    others = [r.values["XDX"] for r in table.rows if r.code != last.code]
    assert best.new_rank == 1 + sum(1 for v in others if v is not None and v > new_value)


def test_only_published_results_are_found(
    published: Published, dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit
) -> None:
    open_period = make_period(dak_lak, [krong_nang], year=2026)
    assert queries.published_or_none(open_period.pk) is None
    found = queries.find_published("hoa phu")
    assert found[0].unit.pk == hoa_phu.pk  # its own name first, then names around it
    assert found[0].period == published.after and found[0].rank is not None
    assert queries.find_published("krong nang") == []
    assert all(p.pk != open_period.pk for p, _ in queries.published_periods())


@pytest.fixture
def krong_nang(db: None) -> Unit:
    return Unit.objects.get(generation="current", code="24343")


def test_dashboard_counts_map_and_trend(published: Published, dak_lak: Unit, leader) -> None:
    board = queries.dashboard(leader, dak_lak, published.after, published.snap_after)
    assert board.count == 4
    assert sum(b.count for b in board.histogram) == 4
    scored = [d for d in board.map.dots if d.band]
    assert len(scored) == 4
    assert (
        len(board.map.dots)
        == Unit.objects.filter(
            province=dak_lak, level="commune", generation="current", latitude__isnull=False
        ).count()
    )
    assert board.map.outline.count(",") >= 3
    assert [year for year, *_ in board.trend] == [2024, 2025]
    assert {a.label for a in board.by_type} == {"Xã", "Phường"}
    done = {c.period.pk: c for c in board.completeness}
    assert done[published.after.pk].submitted == 4
    assert done[published.after.pk].on_time == 4


def test_method_lists_every_criterion_with_its_rule(published: Published) -> None:
    method = queries.method_of(published.snap_after)
    leaves = [(n, rule) for _, n, rule in method["tree"] if n.is_leaf]
    assert len(leaves) == method["leaf_count"] == 34
    assert all(rule for _, rule in leaves)
    assert "1.000 điểm" in method["description"]
