"""Explanations: contributions, change between periods, what it takes to climb."""

from __future__ import annotations

import numpy as np
import pytest

from xaso.index import Data, contributions, decompose_change, explain, score, what_would_it_take
from xaso.index.tests.builders import branch, flat, framework, leaf


def test_contributions_under_sum_are_each_leafs_points() -> None:
    fw = flat([60, 40])
    results = score(fw, Data.from_arrays(fw, ["U"], [[0.5, 0.25]]))
    np.testing.assert_allclose(contributions(results)[0], [30, 10])


def test_reweighted_contributions_scale_up_the_present_leaves() -> None:
    fw = framework(branch("R", [leaf("A", 60), leaf("B", 40)], missing="reweight"))
    results = score(fw, Data.from_arrays(fw, ["U"], [[0.5, np.nan]]))
    np.testing.assert_allclose(contributions(results)[0], [50, 0])


def test_contributions_to_one_node_stay_inside_it() -> None:
    fw = framework(branch("R", [branch("G", [leaf("A", 10), leaf("B", 10)]), leaf("C", 30)]))
    results = score(fw, Data.from_arrays(fw, ["U"], [[1, 0.5, 1]]))
    np.testing.assert_allclose(contributions(results, "G")[0], [10, 5, 0])


def test_explain_lists_largest_contribution_first() -> None:
    fw = flat([60, 40])
    results = score(fw, Data.from_arrays(fw, ["U", "V"], [[0.1, 1.0], [0, 0]]))
    explanation = explain(results, "U")
    assert [code for code, _, _ in explanation.items] == ["L1", "L0"]
    assert explanation.total_points == pytest.approx(46)


def test_change_is_attributed_to_the_components_that_moved() -> None:
    fw = flat([60, 40])
    before = score(fw, Data.from_arrays(fw, ["U", "V"], [[0.5, 0.5], [1, 1]]))
    after = score(fw, Data.from_arrays(fw, ["V", "U", "W"], [[1, 1], [0.5, 1.0], [0, 0]]))
    change = decompose_change(before, after)
    assert change.units == ("V", "U")
    np.testing.assert_allclose(change.by_leaf[1], [0, 20])
    assert change.change[1] == pytest.approx(20)


def test_what_would_it_take_picks_the_largest_gains_until_the_target_rank() -> None:
    fw = flat([50, 30, 20])
    data = Data.from_arrays(
        fw,
        ["A", "B", "C", "D"],
        [[1, 1, 1], [1, 1, 0], [1, 0, 1], [0.2, 0.5, 0]],
    )
    results = score(fw, data)
    assert list(results.rank) == [1, 2, 3, 4]
    plan = what_would_it_take(results, "D", ranks=2)
    assert plan.current_rank == 4 and plan.target_rank == 2
    assert plan.points_needed == pytest.approx(80 - 25)
    assert [s.leaf for s in plan.steps] == ["L0", "L2"]
    assert plan.steps[0].gain == pytest.approx(40)
    assert plan.reachable and plan.achieved_rank <= 2


def test_what_would_it_take_counts_a_missing_component_as_a_gain() -> None:
    fw = flat([50, 50])
    results = score(fw, Data.from_arrays(fw, ["A", "B"], [[1, 1], [1, np.nan]]))
    plan = what_would_it_take(results, "B", ranks=1)
    assert [s.leaf for s in plan.steps] == ["L1"]
    assert plan.steps[0].gain == pytest.approx(50)
    assert plan.steps[0].peers_at_full == pytest.approx(0.5)
    assert plan.reachable and plan.achieved_rank == 1


def test_leader_needs_nothing() -> None:
    fw = flat([50, 50])
    results = score(fw, Data.from_arrays(fw, ["A", "B"], [[1, 0.5], [0.5, 0.5]]))
    plan = what_would_it_take(results, "A", ranks=3)
    assert plan.target_rank == 1 and plan.points_needed == 0 and plan.steps == ()
