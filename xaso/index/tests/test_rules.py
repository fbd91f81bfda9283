"""Scoring rules, table-driven from the rules real Vietnamese frameworks use."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from xaso.index import Data, score
from xaso.index.data import Cell
from xaso.index.tests.builders import branch, framework, leaf


def points_for(
    spec: dict[str, Any], cells: list[dict[str, Cell]], max_points: float = 20
) -> list[float]:
    fw = framework(branch("R", [leaf("X", max_points, **spec)]))
    data = Data.from_mapping(fw, {f"u{i}": row for i, row in enumerate(cells)})
    results = score(fw, data)
    return [float(p) for p in results.points[:, results.column("X")]]


STEPS = {
    "input": {"kind": "count"},
    "rule": {"type": "steps", "thresholds": [1, 2, 3, 4], "points": [5, 10, 15, 20]},
}


@pytest.mark.parametrize(
    ("meetings", "expected"),
    [(4, 20), (3, 15), (2, 10), (1, 5), (0, 0), (7, 20), (2.5, 10)],
)
def test_steering_committee_meetings_4_3_2_1_earn_20_15_10_5(
    meetings: float, expected: float
) -> None:
    assert points_for(STEPS, [{"X": meetings}]) == [expected]


CHOICE = {
    "input": {"kind": "choice"},
    "rule": {"type": "choice", "options": {"chairman": 1, "deputy": 0.5, "none": 0}},
}


@pytest.mark.parametrize(
    ("head", "expected"), [("chairman", 20), ("deputy", 10), ("none", 0), (" Deputy ", 10)]
)
def test_committee_headed_by_deputy_earns_half(head: str, expected: float) -> None:
    assert points_for(CHOICE, [{"X": head}]) == [expected]


def test_choice_in_points_is_scaled_by_max_points() -> None:
    spec = {
        "input": {"kind": "choice"},
        "rule": {"type": "choice", "as": "points", "options": {"a": 40, "b": 10}},
    }
    assert points_for(spec, [{"X": "a"}, {"X": "b"}], max_points=40) == [40, 10]


@pytest.mark.parametrize(
    ("zero_denominator", "expected"),
    [("full", 20.0), ("zero", 0.0), ("missing", math.nan)],
)
def test_ratio_zero_denominator_follows_the_rules_explicit_choice(
    zero_denominator: str, expected: float
) -> None:
    spec = {
        "input": {"kind": "ratio"},
        "rule": {"type": "ratio", "zero_denominator": zero_denominator},
    }
    rows: list[dict[str, Cell]] = [{"X.num": 0, "X.den": 0}, {"X.num": 3, "X.den": 4}, {"X": 0.5}]
    got = points_for(spec, rows)
    assert got[1:] == [15.0, 10.0]
    assert got[0] == expected or (math.isnan(expected) and math.isnan(got[0]))


@pytest.mark.parametrize(("value", "expected"), [(0, 0), (40, 10), (80, 20), (95, 20)])
def test_linear_to_target_caps_at_the_target(value: float, expected: float) -> None:
    spec = {
        "input": {"kind": "number", "unit": "%"},
        "rule": {"type": "linear_to_target", "target": 80},
    }
    assert points_for(spec, [{"X": value}]) == [expected]


@pytest.mark.parametrize(
    ("cell", "expected"), [("có", 20), ("không", 0), (1, 20), (0, 0), ("yes", 20)]
)
def test_boolean_earns_all_or_nothing(cell: Cell, expected: float) -> None:
    assert points_for(
        {"input": {"kind": "boolean"}, "rule": {"type": "boolean"}}, [{"X": cell}]
    ) == [expected]


def test_relative_to_best_peer() -> None:
    spec = {"input": {"kind": "count"}, "rule": {"type": "relative_to_best"}}
    assert points_for(spec, [{"X": 8}, {"X": 4}, {"X": 0}]) == [20, 10, 0]


def test_relative_to_best_for_lower_is_better() -> None:
    spec = {
        "input": {"kind": "number"},
        "rule": {"type": "relative_to_best", "higher_is_better": False},
    }
    assert points_for(spec, [{"X": 2}, {"X": 4}]) == [20, 10]


NORMALISE = [
    ({"method": "minmax", "goalposts": [0, 100]}, [0, 25, 100, 150], [0, 0.25, 1, 1]),
    ({"method": "minmax"}, [10, 20, 30, 50], [0, 0.25, 0.5, 1]),
    ({"method": "minmax", "higher_is_better": False}, [10, 20, 30, 50], [1, 0.75, 0.5, 0]),
    ({"method": "rank"}, [10, 20, 20, 50], [0, 0.5, 0.5, 1]),
    ({"method": "percentile"}, [10, 20, 20, 50], [0.25, 0.75, 0.75, 1]),
    (
        {"method": "distance_to_target", "target": 40, "goalposts": [0, 100]},
        [0, 20, 40, 60],
        [0, 0.5, 1, 1],
    ),
    ({"method": "zscore"}, [1, 2, 3, 4], None),
]


@pytest.mark.parametrize(
    ("params", "values", "expected"), NORMALISE, ids=[str(p) for p, _, _ in NORMALISE]
)
def test_normalisations(
    params: dict[str, Any], values: list[float], expected: list[float] | None
) -> None:
    spec = {"input": {"kind": "number"}, "rule": {"type": "normalise", **params}}
    got = np.array(points_for(spec, [{"X": v} for v in values], max_points=1))
    if expected is None:
        # z-scores of 1..4 are symmetric around the mean, mapped onto [0, 1] at ±3 sd.
        z = (np.array(values) - 2.5) / np.std(values, ddof=1)
        np.testing.assert_allclose(got, (z + 3) / 6)
    else:
        np.testing.assert_allclose(got, expected)


def test_missing_cell_stays_missing_at_leaf_level() -> None:
    got = points_for(STEPS, [{"X": None}, {"X": ""}])
    assert all(math.isnan(p) for p in got)
