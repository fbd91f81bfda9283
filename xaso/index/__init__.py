"""Chỉ số — xaso's pure scoring engine for digital transformation indices.

No Django, no database, no other ``xaso`` package: NumPy arrays of units × leaves in,
points, 0–1 values, published (rounded) values and competition ranks out.

Public API::

    load_framework(path_or_text: str | Path) -> Framework        # raises FrameworkError
    Framework.leaves / .nodes / .node(code) / .main_indices
    Data.from_mapping(framework, {unit: {column: cell}}, names=...) -> Data
    Data.from_arrays(framework, units, values, denominators=..., overrides=...) -> Data
                                                                   # both raise DataError
    score(framework, data, *, groups=None) -> Results
    explain(results, unit) -> Explanation
    contributions(results, node=None) -> ndarray (units × leaves)
    decompose_change(before, after) -> ChangeDecomposition
    what_would_it_take(results, unit, ranks=1, *, node=None) -> ImprovementPlan
    monte_carlo(framework, data, *, draws=1000, seed=0, weight_noise=0.25,
                aggregations=(None, GEOMETRIC), normalisations=(None,), node=None,
                sensitivity=False) -> MonteCarloResult
    remove_each_component(framework, data, *, codes=None, node=None) -> RemovalResult
    merge_units(framework, data, merges, *, rule="mean", weights=None) -> Data
    load_crosswalk(path_or_text, source, target) -> Crosswalk; translate(cw, data) -> Translation

Data columns: one per leaf code; a ratio leaf takes ``CODE.num`` and ``CODE.den`` (or
``CODE`` as a 0–1 share); a choice leaf takes an option code; a boolean leaf yes/no;
an inner node's code takes a published 0–1 value that replaces its computed value.
"""

from xaso.index.crosswalk import Crosswalk, Translation, load_crosswalk, translate
from xaso.index.data import Data
from xaso.index.errors import DataError, EngineError, FrameworkError, Issue
from xaso.index.explanation import (
    ChangeDecomposition,
    Explanation,
    ImprovementPlan,
    contributions,
    decompose_change,
    explain,
    what_would_it_take,
)
from xaso.index.loading import load_framework
from xaso.index.mergers import MergeRule, merge_units
from xaso.index.model import (
    Aggregation,
    Framework,
    InputKind,
    MissingPolicy,
    Node,
    Normalisation,
    Rule,
    RuleType,
)
from xaso.index.scoring import PillarResults, Results, score
from xaso.index.uncertainty import (
    MonteCarloResult,
    RemovalResult,
    monte_carlo,
    remove_each_component,
)

__all__ = [
    "Aggregation",
    "ChangeDecomposition",
    "Crosswalk",
    "Data",
    "DataError",
    "EngineError",
    "Explanation",
    "Framework",
    "FrameworkError",
    "ImprovementPlan",
    "InputKind",
    "Issue",
    "MergeRule",
    "MissingPolicy",
    "MonteCarloResult",
    "Node",
    "Normalisation",
    "PillarResults",
    "RemovalResult",
    "Results",
    "Rule",
    "RuleType",
    "Translation",
    "contributions",
    "decompose_change",
    "explain",
    "load_crosswalk",
    "load_framework",
    "merge_units",
    "monte_carlo",
    "remove_each_component",
    "score",
    "translate",
    "what_would_it_take",
]
