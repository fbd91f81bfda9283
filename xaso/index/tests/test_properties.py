"""Properties that must hold for any data (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xaso.index import Data, contributions, decompose_change, monte_carlo, score
from xaso.index.model import Framework
from xaso.index.ranking import competition_ranks
from xaso.index.tests.builders import branch, framework, leaf

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _tree(aggregation: str, missing: str) -> Framework:
    steps: dict[str, Any] = {
        "input": {"kind": "count"},
        "rule": {"type": "steps", "thresholds": [1, 2, 3], "points": [2, 4, 10]},
    }
    ratio: dict[str, Any] = {
        "input": {"kind": "ratio"},
        "rule": {"type": "ratio", "zero_denominator": "full"},
    }
    weight_key = "max_points" if aggregation == "sum" else "weight"
    return framework(
        branch(
            "R",
            [
                branch(
                    "G1",
                    [leaf("A", 10, **steps), leaf("B", 20, **ratio)],
                    max_points=30,
                    aggregation=aggregation,
                    missing=missing,
                ),
                branch(
                    "G2",
                    [
                        leaf("C", 50),
                        leaf(
                            "D",
                            20,
                            rule={"type": "normalise", "method": "minmax", "goalposts": [0, 1]},
                        ),
                    ],
                    max_points=70,
                    aggregation=aggregation,
                    missing=missing,
                ),
            ],
            max_points=100,
            aggregation=aggregation if aggregation == "sum" else "weighted_mean",
        )
        if weight_key == "max_points"
        else branch(
            "R",
            [
                branch(
                    "G1",
                    [leaf("A", weight=1, **steps), leaf("B", weight=2, **ratio)],
                    weight=3,
                    aggregation=aggregation,
                    missing=missing,
                ),
                branch(
                    "G2",
                    [leaf("C", weight=5), leaf("D", weight=2)],
                    weight=7,
                    aggregation=aggregation,
                    missing=missing,
                ),
            ],
            aggregation="weighted_mean",
            max_points=100,
        )
    )


def _data(fw: Framework, cells: np.ndarray) -> Data:
    """Columns: A count 0–5, B numerator share × den, C and D in [0, 1]; NaN = missing."""
    n = cells.shape[0]
    values = cells.copy()
    values[:, 0] = np.floor(values[:, 0] * 5)
    dens = np.full(values.shape, np.nan)
    dens[:, 1] = np.where(np.isnan(values[:, 1]), np.nan, 4.0)
    values[:, 1] = np.where(np.isnan(values[:, 1]), np.nan, np.floor(values[:, 1] * 4))
    return Data.from_arrays(fw, [f"U{i}" for i in range(n)], values, denominators=dens)


unit_matrices = st.integers(2, 12).flatmap(
    lambda n: arrays(
        np.float64,
        (n, 4),
        elements=st.one_of(st.floats(0, 1), st.just(np.nan)),
    )
)
methods = st.sampled_from(["sum", "weighted_mean", "geometric", "harmonic"])
missing_policies = st.sampled_from(["zero", "impute_mean", "reweight"])


@SETTINGS
@given(unit_matrices, methods, missing_policies)
def test_values_stay_within_0_and_1(cells: np.ndarray, method: str, missing: str) -> None:
    results = score(fw := _tree(method, missing), _data(fw, cells))
    present = results.values[~np.isnan(results.values)]
    assert ((present >= 0) & (present <= 1 + 1e-12)).all()


@SETTINGS
@given(unit_matrices, st.sampled_from(["sum", "weighted_mean"]), st.integers(0, 3), st.floats(0, 1))
def test_raising_one_input_never_lowers_the_total(
    cells: np.ndarray, method: str, column: int, bump: float
) -> None:
    fw = _tree(method, "zero")
    before = score(fw, _data(fw, cells))
    raised = cells.copy()
    current = np.nan_to_num(raised[0, column], nan=0.0)
    raised[0, column] = min(1.0, current + bump)
    after = score(fw, _data(fw, raised))
    assert after.points[0, 0] >= before.points[0, 0] - 1e-9


@SETTINGS
@given(st.lists(st.integers(0, 6), min_size=1, max_size=40))
def test_ranks_are_competition_ranks_for_every_tie_pattern(levels: list[int]) -> None:
    values = np.array(levels, dtype=float) / 10
    ranks = competition_ranks(values, 4)
    for i, v in enumerate(values):
        assert ranks[i] == 1 + int((values > v).sum())


@SETTINGS
@given(unit_matrices, methods, missing_policies)
def test_contributions_sum_to_the_total(cells: np.ndarray, method: str, missing: str) -> None:
    fw = _tree(method, missing)
    results = score(fw, _data(fw, cells))
    contrib = contributions(results)
    total = results.points[:, 0]
    ok = ~np.isnan(total)
    np.testing.assert_allclose(contrib[ok].sum(axis=1), total[ok], rtol=0, atol=1e-9)


@SETTINGS
@given(unit_matrices, unit_matrices, methods, missing_policies)
def test_change_decomposition_sums_to_the_change(
    before_cells: np.ndarray, after_cells: np.ndarray, method: str, missing: str
) -> None:
    fw = _tree(method, missing)
    before = score(fw, _data(fw, before_cells))
    after = score(fw, _data(fw, after_cells))
    change = decompose_change(before, after)
    ok = ~np.isnan(change.change)
    np.testing.assert_allclose(change.by_leaf[ok].sum(axis=1), change.change[ok], rtol=0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(unit_matrices, methods, missing_policies)
def test_monte_carlo_with_zero_noise_reproduces_nominal_ranks(
    cells: np.ndarray, method: str, missing: str
) -> None:
    fw = _tree(method, missing)
    data = _data(fw, cells)
    nominal = score(fw, data).rank
    mc = monte_carlo(
        fw, data, draws=5, weight_noise=0.0, aggregations=(None,), normalisations=(None,)
    )
    expected = np.where(nominal > 0, nominal, np.nan)
    np.testing.assert_array_equal(
        mc.ranks, np.broadcast_to(expected, mc.ranks.shape).astype(np.float32)
    )
    np.testing.assert_array_equal(mc.median_rank, expected)
