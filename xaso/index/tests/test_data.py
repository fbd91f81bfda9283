"""Bad data is refused with every problem located by row and column."""

from __future__ import annotations

import numpy as np
import pytest

from xaso.index import Data, DataError
from xaso.index.data import Cell
from xaso.index.tests.builders import branch, framework, leaf

FW = framework(
    branch(
        "R",
        [
            leaf("N", 10, input={"kind": "count"}, rule={"type": "linear_to_target", "target": 4}),
            leaf(
                "Q", 10, input={"kind": "ratio"}, rule={"type": "ratio", "zero_denominator": "zero"}
            ),
            leaf(
                "C",
                10,
                input={"kind": "choice"},
                rule={"type": "choice", "options": {"a": 1, "b": 0.5}},
            ),
            leaf("B", 10, input={"kind": "boolean"}, rule={"type": "boolean"}),
        ],
    )
)


def _issues(rows: dict[str, dict[str, Cell]]) -> list[str]:
    with pytest.raises(DataError) as caught:
        Data.from_mapping(FW, rows, origin="so-lieu.csv")
    for issue in caught.value.issues:
        assert issue.message_vi and issue.message_en
    return [issue.location for issue in caught.value.issues]


BAD: list[tuple[str, dict[str, Cell], str]] = [
    ("unknown column", {"X.9": 1}, "cột/column X.9"),
    ("non-numeric", {"N": "nhiều"}, "cột/column N"),
    ("negative count", {"N": -1}, "cột/column N"),
    ("numerator above denominator", {"Q.num": 5, "Q.den": 4}, "cột/column Q.num"),
    ("negative denominator", {"Q.num": 1, "Q.den": -4}, "cột/column Q.den"),
    ("half a ratio", {"Q.num": 1}, "cột/column Q.num/Q.den"),
    ("direct ratio above 1", {"Q": 1.5}, "cột/column Q"),
    ("unknown option", {"C": "z"}, "cột/column C"),
    ("not yes or no", {"B": "maybe"}, "cột/column B"),
    ("index value above 1", {"R": 2}, "cột/column R"),
]


@pytest.mark.parametrize(("case", "row", "column"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_cell_is_located(case: str, row: dict[str, Cell], column: str) -> None:
    locations = _issues({"ok": {"N": 1}, "bad": row})
    assert any(loc.endswith(column) and "row 2" in loc for loc in locations), (case, locations)


def test_every_problem_is_reported_together() -> None:
    locations = _issues({"u": {"N": -1, "Q.num": 3, "Q.den": 2, "C": "z"}})
    assert len(locations) == 3


def test_vietnamese_decimal_comma_is_read() -> None:
    data = Data.from_mapping(FW, {"u": {"N": "2,5"}})
    assert data.values[0, 0] == 2.5


def test_arrays_are_checked_too() -> None:
    values = np.array([[1, 0.5, 0, 1], [-2, 0.5, 5, 3]], dtype=float)
    with pytest.raises(DataError) as caught:
        Data.from_arrays(FW, ["a", "a"], values)
    locations = [i.location for i in caught.value.issues]
    assert any("unit_code" in loc for loc in locations)
    assert sum("row 2" in loc for loc in locations) == 4
