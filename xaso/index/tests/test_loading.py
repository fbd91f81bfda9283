"""Loading frameworks: every error names the node path, in Vietnamese and English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from xaso.index import FrameworkError, load_framework
from xaso.index.model import Aggregation, RuleType
from xaso.index.tests.builders import branch, framework, leaf

REPO = Path(__file__).resolve().parents[3]

MINIMAL = """
code: mini
version: 2022
name_vi: Nhỏ
name_en: Mini
status: official
legal_source: {number: "922/QĐ-BTTTT", date: 2022-05-20, title_vi: "Quyết định"}
rounding: 3
pillars: [{code: CQS, name_vi: Chính quyền số, name_en: Digital government}]
root:
  code: IDX
  name_vi: Chỉ số
  name_en: Index
  children:
    - code: "A.1"
      name_vi: Họp
      name_en: Meetings
      max_points: 20
      input: {kind: count, unit: cuộc}
      rule: {type: steps, thresholds: [1, 2, 3, 4], points: [5, 10, 15, 20]}
      pillars: [CQS]
      source: self_reported
"""


def test_minimal_framework_loads_with_metadata_and_derived_root_points() -> None:
    fw = load_framework(MINIMAL)
    assert fw.version == "2022"
    assert fw.legal_source is not None and fw.legal_source.date == dt.date(2022, 5, 20)
    assert fw.rounding == 3
    assert fw.root.max_points == 20
    assert [leaf.code for leaf in fw.leaves] == ["A.1"]
    rule = fw.leaves[0].rule
    assert rule is not None and rule.type is RuleType.STEPS
    assert rule.step_fractions == (0.25, 0.5, 0.75, 1.0)


def test_framework_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_framework(path).code == "mini"
    assert load_framework(str(path)).code == "mini"


@pytest.mark.parametrize("path", sorted((REPO / "frameworks").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_frameworks_load(path: Path) -> None:
    fw = load_framework(path)
    assert fw.leaves
    assert len({n.code for n in fw.nodes}) == len(fw.nodes)


def test_commune_framework_is_a_1000_point_proposal_with_every_rule_kind() -> None:
    fw = load_framework(REPO / "frameworks" / "commune-dx.yaml")
    assert fw.status == "proposal"
    assert fw.root.max_points == 1000
    kinds = {leaf.input.kind.value for leaf in fw.leaves if leaf.input}
    assert {"ratio", "choice", "boolean", "count", "number"} <= kinds
    rules = {leaf.rule.type.value for leaf in fw.leaves if leaf.rule}
    assert {"ratio", "steps", "choice", "boolean", "linear_to_target"} <= rules
    assert {p.code for p in fw.pillars} == {"CQS", "KTS", "XHS"}


def _errors(root: dict[str, Any], **top: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(FrameworkError) as caught:
        framework(root, **top)
    return [(i.location, i.message_vi, i.message_en) for i in caught.value.issues]


BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "sum mismatch",
        branch("R", [leaf("A", 10), leaf("B", 10)], max_points=25),
        "R/max_points",
    ),
    ("missing max under sum", branch("R", [leaf("A"), leaf("B", 5)]), "R/A/max_points"),
    ("duplicate code", branch("R", [leaf("A", 5), leaf("A", 5)]), "R/A/code"),
    ("code with space", branch("R", [leaf("A 1", 5)]), "R/A 1/code"),
    ("unknown key", branch("R", [leaf("A", 5, max_point=3)]), "R/A/max_point"),
    (
        "steps not increasing",
        branch(
            "R",
            [
                leaf(
                    "A",
                    20,
                    input={"kind": "count"},
                    rule={"type": "steps", "thresholds": [2, 1], "points": [5, 10]},
                )
            ],
        ),
        "R/A/rule/thresholds",
    ),
    (
        "steps above max",
        branch(
            "R",
            [
                leaf(
                    "A",
                    10,
                    input={"kind": "count"},
                    rule={"type": "steps", "thresholds": [1], "points": [20]},
                )
            ],
        ),
        "R/A/rule/points",
    ),
    (
        "ratio without zero-denominator choice",
        branch("R", [leaf("A", 10, input={"kind": "ratio"}, rule={"type": "ratio"})]),
        "R/A/rule/zero_denominator",
    ),
    (
        "rule does not fit input",
        branch(
            "R",
            [
                leaf(
                    "A",
                    10,
                    input={"kind": "boolean"},
                    rule={"type": "ratio", "zero_denominator": "full"},
                )
            ],
        ),
        "R/A/rule/type",
    ),
    (
        "choice fraction above 1",
        branch(
            "R",
            [leaf("A", 10, input={"kind": "choice"}, rule={"type": "choice", "options": {"a": 2}})],
        ),
        "R/A/rule/options/a",
    ),
    ("bad aggregation", branch("R", [leaf("A", 5)], aggregation="median"), "R/aggregation"),
    ("share above 1", branch("R", [leaf("A", 5)], min_data_share=1.5), "R/min_data_share"),
    ("undeclared pillar", branch("R", [leaf("A", 5, pillars=["XYZ"])]), "R/A/pillars"),
    (
        "leaf without rule",
        branch("R", [{"code": "A", "name_vi": "a", "name_en": "a", "max_points": 5}]),
        "R/A/input",
    ),
    (
        "minmax goalposts reversed",
        branch(
            "R",
            [leaf("A", 5, rule={"type": "normalise", "method": "minmax", "goalposts": [10, 0]})],
        ),
        "R/A/rule/goalposts",
    ),
]


@pytest.mark.parametrize(("case", "root", "path"), BAD, ids=[case for case, _, _ in BAD])
def test_invalid_node_is_reported_at_its_path_in_both_languages(
    case: str, root: dict[str, Any], path: str
) -> None:
    errors = _errors(root)
    assert path in [location for location, _, _ in errors], (case, errors)
    for _, vi, en in errors:
        assert vi and en and vi != en


def test_all_problems_are_reported_at_once() -> None:
    errors = _errors(branch("R", [leaf("A", 5, weight="x"), leaf("B"), leaf("A", 5)]))
    locations = {location for location, _, _ in errors}
    assert {"R/A/weight", "R/B/max_points", "R/A/code"} <= locations


def test_top_level_errors_are_reported() -> None:
    errors = _errors(branch("R", [leaf("A", 5)]), code="Bad Code", rounding=40, status="draft")
    locations = {location for location, _, _ in errors}
    assert {"/code", "/rounding", "/status"} <= locations


def test_yaml_syntax_error_names_line() -> None:
    with pytest.raises(FrameworkError) as caught:
        load_framework("code: [unclosed\nversion: 1\n")
    assert caught.value.issues[0].location.startswith("<yaml>:")


def test_leaf_whose_text_was_not_found_takes_a_published_value() -> None:
    fw = framework(
        branch(
            "R",
            [
                {
                    "code": "A",
                    "name_vi": "a",
                    "name_en": "a",
                    "max_points": 5,
                    "text_status": "not_found",
                }
            ],
        )
    )
    rule = fw.leaves[0].rule
    assert rule is not None and rule.type is RuleType.DIRECT


def test_weighted_mean_children_default_to_weight_one() -> None:
    fw = framework(branch("R", [leaf("A"), leaf("B", weight=3)], aggregation="weighted_mean"))
    assert fw.root.aggregation is Aggregation.WEIGHTED_MEAN
    assert [c.weight for c in fw.root.children] == [1.0, 3.0]


def test_recorded_only_node_lets_children_omit_points() -> None:
    fw = framework(branch("R", [leaf("A", 10), branch("S", [leaf("S.1")], max_points=0)]))
    assert fw.node("S.1").max_points == 0
