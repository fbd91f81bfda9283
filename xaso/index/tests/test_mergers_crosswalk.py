"""Merged units and data carried across framework versions."""

from __future__ import annotations

import numpy as np
import pytest

from xaso.index import (
    Data,
    DataError,
    FrameworkError,
    load_crosswalk,
    merge_units,
    score,
    translate,
)
from xaso.index.tests.builders import branch, dti, framework, leaf


def test_merged_unit_scores_the_mean_of_its_predecessors_main_indices() -> None:
    fw = dti()
    rng = np.random.default_rng(5)
    data = Data.from_arrays(fw, ["A", "B", "C"], rng.uniform(0, 1, (3, len(fw.leaves))))
    before = score(fw, data)
    merged = merge_units(fw, data, {"AB": ["A", "B"]}, names={"AB": "Tỉnh AB"})
    after = score(fw, merged)
    assert after.units == ("C", "AB")
    assert after.names[1] == "Tỉnh AB"
    for node in fw.main_indices:
        j = before.column(node.code)
        assert after.values[1, j] == pytest.approx(before.values[:2, j].mean())
    expected_total = sum(
        before.values[:2, before.column(n.code)].mean() * (n.max_points or 0)
        for n in fw.main_indices
    )
    assert after.points[1, 0] == pytest.approx(expected_total)
    assert after.values[0, 0] == pytest.approx(before.values[2, 0])


def test_weighted_merge_uses_the_declared_weights() -> None:
    fw = dti()
    data = Data.from_arrays(fw, ["A", "B"], np.vstack([np.ones(18), np.zeros(18)]))
    merged = merge_units(
        fw, data, {"AB": ["A", "B"]}, rule="weighted_mean", weights={"A": 3, "B": 1}
    )
    assert score(fw, merged).values[0, 0] == pytest.approx(0.75)


def test_bad_merges_are_refused() -> None:
    fw = dti()
    data = Data.from_arrays(fw, ["A", "B"], np.zeros((2, 18)))
    with pytest.raises(DataError) as caught:
        merge_units(fw, data, {"X": ["A", "Z"], "Y": ["A"]}, rule="weighted_mean")
    assert len(caught.value.issues) >= 3


OLD = framework(
    branch(
        "R",
        [
            leaf(
                "a", 50, input={"kind": "ratio"}, rule={"type": "ratio", "zero_denominator": "zero"}
            ),
            leaf(
                "b1", 25, input={"kind": "count"}, rule={"type": "linear_to_target", "target": 10}
            ),
            leaf(
                "b2", 25, input={"kind": "count"}, rule={"type": "linear_to_target", "target": 10}
            ),
        ],
    ),
    version="2022",
)
NEW = framework(
    branch(
        "R",
        [
            leaf(
                "A", 50, input={"kind": "ratio"}, rule={"type": "ratio", "zero_denominator": "zero"}
            ),
            leaf("B", 30, input={"kind": "count"}, rule={"type": "linear_to_target", "target": 20}),
            leaf("C", 20),
        ],
    ),
    version="2025",
)
CROSSWALK = """
from: {code: test, version: "2022"}
to: {code: test, version: "2025"}
map:
  - {to: A, from: [a]}
  - {to: B, from: [b1, b2], combine: sum, comparable: true}
"""


def test_crosswalk_translates_old_data_and_flags_unmapped_leaves() -> None:
    crosswalk = load_crosswalk(CROSSWALK, OLD, NEW)
    old = Data.from_mapping(OLD, {"U": {"a.num": 3, "a.den": 4, "b1": 4, "b2": 6}})
    translation = translate(crosswalk, old)
    assert not translation.comparable
    assert translation.not_comparable == ("C",)
    results = score(NEW, translation.data)
    assert results.points[0, results.column("A")] == pytest.approx(37.5)
    assert results.points[0, results.column("B")] == pytest.approx(15)


def test_complete_one_to_one_crosswalk_is_comparable() -> None:
    text = CROSSWALK.replace('version: "2025"', 'version: "2022"') + "  - {to: b1, from: [b1]}\n"
    text = text.replace("to: A,", "to: a,").replace(
        "{to: B, from: [b1, b2], combine: sum, comparable: true}", "{to: b2, from: [b2]}"
    )
    crosswalk = load_crosswalk(text, OLD, OLD)
    assert crosswalk.comparable


def test_crosswalk_errors_name_the_entry() -> None:
    bad = CROSSWALK + "  - {to: Z, from: [a]}\n  - {to: C, from: [nope]}\n"
    with pytest.raises(FrameworkError) as caught:
        load_crosswalk(bad, OLD, NEW)
    assert {i.location for i in caught.value.issues} == {"/map/2/to", "/map/3/from"}
