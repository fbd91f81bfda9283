"""Sáp nhập — scoring a unit formed by merging others, from its predecessors' results.

DTI 2024 scored a merged province as the arithmetic mean of its predecessors' main-index
values; other declared rules (weighted by e.g. population, best, worst) are available.
The merged unit's main indices are given as published 0–1 values (``Data.overrides``),
so the ordinary ``score`` then computes its total and ranks it among everyone else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

import numpy as np

from xaso.index.data import Data, FloatArray
from xaso.index.errors import DataError, Issue
from xaso.index.model import Framework
from xaso.index.scoring import score


class MergeRule(StrEnum):
    MEAN = "mean"
    WEIGHTED_MEAN = "weighted_mean"
    MAX = "max"
    MIN = "min"


def merge_units(
    framework: Framework,
    data: Data,
    merges: Mapping[str, Sequence[str]],
    *,
    rule: MergeRule | str = MergeRule.MEAN,
    weights: Mapping[str, float] | None = None,
    names: Mapping[str, str] | None = None,
    level: Sequence[str] | None = None,
) -> Data:
    """Data for the new set of units: unmerged units unchanged, each merged unit carrying
    ``rule`` of its predecessors' values at ``level`` (default: the main indices).

    ``weights`` (predecessor → weight) is required by ``weighted_mean``. Raises
    ``DataError`` for unknown predecessors, a unit merged twice, or missing weights.
    """
    rule = MergeRule(rule)
    codes = list(level) if level is not None else [n.code for n in framework.main_indices]
    issues: list[Issue] = []
    position = {u: i for i, u in enumerate(data.units)}
    used: dict[str, str] = {}
    for new, olds in merges.items():
        if new in position and new not in olds:
            issues.append(
                Issue(
                    f"merges/{new}",
                    f"Mã '{new}' đã là một đơn vị khác",
                    f"'{new}' is already another unit",
                )
            )
        if not olds:
            issues.append(Issue(f"merges/{new}", "Không có đơn vị tiền thân", "No predecessors"))
        for old in olds:
            if old not in position:
                issues.append(
                    Issue(f"merges/{new}/{old}", f"Không có đơn vị '{old}'", f"No unit '{old}'")
                )
            elif old in used:
                issues.append(
                    Issue(
                        f"merges/{new}/{old}",
                        f"'{old}' đã được sáp nhập vào '{used[old]}'",
                        f"'{old}' is already merged into '{used[old]}'",
                    )
                )
            else:
                used[old] = new
            if rule is MergeRule.WEIGHTED_MEAN and (weights is None or old not in weights):
                issues.append(
                    Issue(f"merges/{new}/{old}", "Thiếu trọng số", "The weight is missing")
                )
    for code in codes:
        node = framework.nodes[framework.node_index[code]] if code in framework.node_index else None
        if node is None or node.is_leaf:
            issues.append(Issue(f"level/{code}", "Không phải nút có children", "Not an inner node"))
    if issues:
        raise DataError(issues)
    results = score(framework, data)
    columns = [results.column(c) for c in codes]
    kept = [i for i, u in enumerate(data.units) if u not in used]
    n_new = len(merges)
    n_leaves = len(framework.leaves)
    values = np.vstack([data.values[kept], np.full((n_new, n_leaves), np.nan)])
    dens = np.vstack([data.denominators[kept], np.full((n_new, n_leaves), np.nan)])
    overrides: dict[str, FloatArray] = {}
    for code, array in data.overrides.items():
        overrides[code] = np.concatenate([array[kept], np.full(n_new, np.nan)])
    for code, col in zip(codes, columns, strict=True):
        merged = np.array(
            [
                _combine(rule, results.values[[position[o] for o in olds], col], olds, weights)
                for olds in merges.values()
            ]
        )
        base = overrides.get(code, np.full(len(kept) + n_new, np.nan))
        base[len(kept) :] = merged
        overrides[code] = base
    unit_names = [data.unit_names[i] for i in kept] + [
        (names or {}).get(new, new) for new in merges
    ]
    return Data(
        framework,
        tuple(data.units[i] for i in kept) + tuple(merges),
        values,
        dens,
        tuple(unit_names),
        overrides,
    )


def _combine(
    rule: MergeRule, values: FloatArray, olds: Sequence[str], weights: Mapping[str, float] | None
) -> float:
    present = ~np.isnan(values)
    if not present.any():
        return float("nan")
    match rule:
        case MergeRule.MEAN:
            return float(values[present].mean())
        case MergeRule.MAX:
            return float(values[present].max())
        case MergeRule.MIN:
            return float(values[present].min())
        case MergeRule.WEIGHTED_MEAN:
            assert weights is not None
            w = np.array([weights[o] for o in olds])[present]
            return float((values[present] * w).sum() / w.sum()) if w.sum() > 0 else float("nan")
    raise AssertionError(rule)
