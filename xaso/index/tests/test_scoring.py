"""Aggregation, missing data, rounding, ranks and pillars of ``score``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xaso.index import Data, DataError, score
from xaso.index.ranking import competition_ranks, group_ranks, round_half_up
from xaso.index.tests.builders import branch, dti, flat, framework, leaf


def test_dti_is_total_points_over_1000_not_the_unweighted_mean_of_main_indices() -> None:
    fw = dti()
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 1, size=(5, len(fw.leaves)))
    results = score(fw, Data.from_arrays(fw, [f"P{i}" for i in range(5)], values))
    mains = [n.code for n in fw.main_indices]
    main_points = results.points[:, [results.column(c) for c in mains]]
    np.testing.assert_allclose(results.values[:, 0], main_points.sum(axis=1) / 1000)
    weights = np.array([100, 100, 100, 100, 100, 0, 200, 150, 150])
    main_values = results.values[:, [results.column(c) for c in mains]]
    np.testing.assert_allclose(results.values[:, 0], main_values @ weights / 1000)
    scored = weights > 0
    unweighted = main_values[:, scored].mean(axis=1)
    assert not np.allclose(results.values[:, 0], unweighted, atol=1e-4)


def test_smart_city_is_recorded_but_earns_no_points() -> None:
    fw = dti()
    data = Data.from_arrays(fw, ["A"], np.ones((1, len(fw.leaves))))
    results = score(fw, data)
    assert results.points[0, results.column("DT")] == 0
    assert results.values[0, results.column("DT")] == 1
    assert results.points[0, 0] == 1000


def test_competition_ranks_share_and_skip_15_15_17() -> None:
    values = np.linspace(0.9, 0.5, 20)
    values[15] = values[14]
    ranks = competition_ranks(round_half_up(values, 4), 4)
    assert list(ranks[13:17]) == [14, 15, 15, 17]


def test_ranks_are_computed_on_published_rounded_values() -> None:
    fw = flat([1])
    data = Data.from_arrays(fw, ["A", "B", "C"], [[0.51234], [0.51226], [0.5122]])
    results = score(fw, data)
    assert list(results.score) == [0.5123, 0.5123, 0.5122]
    assert list(results.rank) == [1, 1, 3]


def test_rounding_is_half_up_as_published() -> None:
    assert list(round_half_up(np.array([0.12345, 0.00005, 0.99995, 0.1234499]), 4)) == [
        0.1235,
        0.0001,
        1.0,
        0.1234,
    ]


def test_rounding_is_configurable() -> None:
    fw = framework(branch("R", [leaf("A", 1)]), rounding=2)
    results = score(fw, Data.from_arrays(fw, ["A"], [[0.125]]))
    assert results.score[0] == 0.13


def test_group_ranks_rank_within_each_peer_group() -> None:
    fw = flat([1])
    data = Data.from_arrays(fw, list("ABCDE"), [[0.9], [0.8], [0.8], [0.7], [0.6]])
    results = score(
        fw, data, groups={"loai": {"A": "xa", "B": "phuong", "C": "xa", "D": "xa", "E": "phuong"}}
    )
    assert list(results.rank) == [1, 2, 2, 4, 5]
    assert list(results.group_ranks["loai"][:, 0]) == [1, 1, 2, 3, 2]


def test_group_ranks_match_overall_ranks_inside_each_group() -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.uniform(0, 1, (200, 3)), 2)
    labels = [str(g) for g in rng.integers(0, 4, 200)]
    got = group_ranks(values, 4, labels)
    for g in set(labels):
        rows = [i for i, label in enumerate(labels) if label == g]
        np.testing.assert_array_equal(got[rows], competition_ranks(values[rows], 4))


def test_groups_must_cover_every_unit() -> None:
    fw = flat([1])
    data = Data.from_arrays(fw, ["A", "B"], [[0.1], [0.2]])
    with pytest.raises(DataError):
        score(fw, data, groups={"loai": {"A": "xa"}})


def _two_leaves(missing: str, **extra: object) -> tuple[np.ndarray, np.ndarray]:
    fw = framework(branch("R", [leaf("A", 60), leaf("B", 40)], missing=missing, **extra))
    data = Data.from_arrays(fw, ["U1", "U2", "U3"], [[0.5, np.nan], [1.0, 0.5], [0.0, 1.0]])
    results = score(fw, data)
    return results.points[:, 0], results.values[:, 0]


def test_missing_counts_as_zero_by_default() -> None:
    points, _ = _two_leaves("zero")
    assert points[0] == pytest.approx(30)


def test_missing_imputed_with_peer_mean() -> None:
    points, _ = _two_leaves("impute_mean")
    assert points[0] == pytest.approx(30 + 0.75 * 40)


def test_missing_reweights_the_present_children() -> None:
    points, values = _two_leaves("reweight")
    assert values[0] == pytest.approx(0.5)
    assert points[0] == pytest.approx(50)


def test_below_min_data_share_the_node_is_reported_missing_not_scored() -> None:
    points, values = _two_leaves("zero", min_data_share=0.75)
    assert math.isnan(values[0]) and math.isnan(points[0])
    assert not math.isnan(values[1])
    fw = framework(branch("R", [leaf("A", 60), leaf("B", 40)], min_data_share=0.75))
    results = score(fw, Data.from_arrays(fw, ["U1", "U2"], [[0.5, np.nan], [1, 1]]))
    assert list(results.rank) == [0, 1]


def test_weighted_geometric_and_harmonic_means() -> None:
    for method, expected in [
        ("weighted_mean", (0.25 * 1 + 0.81 * 3) / 4),
        ("geometric", (0.25**1 * 0.81**3) ** (1 / 4)),
        ("harmonic", 4 / (1 / 0.25 + 3 / 0.81)),
    ]:
        fw = framework(branch("R", [leaf("A", weight=1), leaf("B", weight=3)], aggregation=method))
        results = score(fw, Data.from_arrays(fw, ["U"], [[0.25, 0.81]]))
        assert results.values[0, 0] == pytest.approx(expected), method


def test_geometric_mean_is_zero_when_a_child_is_zero() -> None:
    fw = framework(branch("R", [leaf("A"), leaf("B")], aggregation="geometric"))
    results = score(fw, Data.from_arrays(fw, ["U"], [[0.0, 0.9]]))
    assert results.values[0, 0] == 0


def test_main_index_value_given_directly_replaces_its_children() -> None:
    fw = dti()
    mapping = {"P1": {"NT": 0.8, "TC.1": 1.0, "TC.2": 1.0}, "P2": {"NT.1": 1.0}}
    results = score(fw, Data.from_mapping(fw, mapping))
    assert results.points[0, results.column("NT")] == pytest.approx(80)
    assert results.points[0, 0] == pytest.approx(180)
    assert results.points[1, results.column("NT")] == pytest.approx(50)


def test_pillar_scores_and_ranks_span_the_tree() -> None:
    fw = framework(
        branch(
            "R",
            [
                branch("G1", [leaf("A", 10, pillars=["P"]), leaf("B", 30)], pillars=[]),
                branch("G2", [leaf("C", 20)], pillars=["P"]),
            ],
        ),
        pillars=[{"code": "P", "name_vi": "Trụ", "name_en": "Pillar"}],
    )
    results = score(fw, Data.from_arrays(fw, ["U", "V"], [[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]]))
    assert results.pillars.max_points[0] == 30
    np.testing.assert_allclose(results.pillars.values[:, 0], [20 / 30, 20 / 30])
    assert list(results.pillars.ranks[:, 0]) == [1, 1]


def test_unit_view_holds_every_node() -> None:
    fw = dti()
    results = score(fw, Data.from_arrays(fw, ["A"], np.full((1, len(fw.leaves)), 0.5)))
    view = results.unit("A")
    assert view["score"] == 0.5 and view["rank"] == 1
    assert set(view["nodes"]) == {n.code for n in fw.nodes}
