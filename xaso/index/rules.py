"""Quy tắc chấm điểm — turning each leaf's input into a fraction of its maximum points.

Leaves are processed by rule type, many columns at a time, so scoring 3,321 communes on
100 components is a handful of array operations rather than 332,100 Python calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from xaso.index.data import Data, FloatArray
from xaso.index.model import (
    Framework,
    InputKind,
    Node,
    Normalisation,
    Rule,
    RuleType,
    ZeroDenominator,
)


def raw_inputs(data: Data) -> FloatArray:
    """Each leaf's input on its natural scale: a/b for ratios, the option's credit for
    choices, 0/1 for booleans, the number itself otherwise (units × leaves)."""
    framework = data.framework
    raw = data.values.copy()
    ratio_cols = [j for j, leaf in enumerate(framework.leaves) if _kind(leaf) is InputKind.RATIO]
    if ratio_cols:
        num = data.values[:, ratio_cols]
        den = data.denominators[:, ratio_cols]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = num / den
        zero_fill = np.array(
            [_zero_denominator_value(framework.leaves[j].rule) for j in ratio_cols]
        )
        share = np.where(den == 0, zero_fill[np.newaxis, :], share)
        raw[:, ratio_cols] = share
    for j, leaf in enumerate(framework.leaves):
        if _kind(leaf) is InputKind.CHOICE and leaf.rule is not None and leaf.rule.options:
            table = np.array([fraction for _, fraction in leaf.rule.options] + [np.nan])
            index = data.values[:, j]
            safe = np.where(np.isnan(index), len(table) - 1, index).astype(np.intp)
            raw[:, j] = table[safe]
    return raw


def _kind(leaf: Node) -> InputKind:
    return leaf.input.kind if leaf.input is not None else InputKind.NUMBER


def _zero_denominator_value(rule: Rule | None) -> float:
    if rule is None or rule.type is not RuleType.RATIO:
        return np.nan
    return {
        ZeroDenominator.FULL: 1.0,
        ZeroDenominator.ZERO: 0.0,
        ZeroDenominator.MISSING: np.nan,
    }[rule.zero_denominator]


def leaf_fractions(framework: Framework, raw: FloatArray) -> FloatArray:
    """Apply every leaf's declared rule: fractions in [0, 1], NaN where data is missing."""
    out = np.full(raw.shape, np.nan)
    groups: dict[tuple[RuleType, Normalisation | None], list[int]] = defaultdict(list)
    for j, leaf in enumerate(framework.leaves):
        if leaf.rule is not None:
            groups[(leaf.rule.type, leaf.rule.method)].append(j)
    for (rule_type, method), cols in groups.items():
        rules = [framework.leaves[j].rule for j in cols]
        block = raw[:, cols]
        out[:, cols] = _apply(rule_type, method, [r for r in rules if r is not None], block)
    return out


def _apply(
    rule_type: RuleType, method: Normalisation | None, rules: Sequence[Rule], x: FloatArray
) -> FloatArray:
    match rule_type:
        case RuleType.RATIO | RuleType.CHOICE | RuleType.BOOLEAN | RuleType.DIRECT:
            # Ratios, option credits and yes/no are already fractions of full marks.
            return np.clip(x, 0.0, 1.0)
        case RuleType.LINEAR_TO_TARGET:
            targets = np.array([r.target or 1.0 for r in rules])
            scaled: FloatArray = np.clip(x / targets, 0.0, 1.0)
            return scaled
        case RuleType.STEPS:
            return _steps(rules, x)
        case RuleType.RELATIVE_TO_BEST:
            return _relative_to_best(rules, x)
        case RuleType.NORMALISE:
            assert method is not None
            return normalise(method, x, rules)
    raise AssertionError(rule_type)


def _steps(rules: Sequence[Rule], x: FloatArray) -> FloatArray:
    width = max(len(r.thresholds) for r in rules)
    # Pad with +inf thresholds that no value meets, so columns of different depth stack.
    thresholds = np.full((len(rules), width), np.inf)
    fractions = np.zeros((len(rules), width + 1))
    for k, rule in enumerate(rules):
        thresholds[k, : len(rule.thresholds)] = rule.thresholds
        fractions[k, 1 : len(rule.step_fractions) + 1] = rule.step_fractions
    met = (x[:, :, np.newaxis] >= thresholds[np.newaxis, :, :]).sum(axis=2)
    result = np.take_along_axis(fractions[np.newaxis, :, :], met[:, :, np.newaxis], axis=2)[:, :, 0]
    return np.where(np.isnan(x), np.nan, result)


def _relative_to_best(rules: Sequence[Rule], x: FloatArray) -> FloatArray:
    higher = np.array([r.higher_is_better for r in rules])
    present = ~np.isnan(x)
    has_any = present.any(axis=0)
    best_high = np.nanmax(np.where(present, x, -np.inf), axis=0)
    best_low = np.nanmin(np.where(present, x, np.inf), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        high = np.where(best_high > 0, x / best_high, 0.0)
        low = np.where(x > 0, best_low / x, np.where(x == 0, 1.0, 0.0))
    result = np.where(higher, high, low)
    result = np.where(has_any, result, np.nan)
    return np.where(present, np.clip(result, 0.0, 1.0), np.nan)


def normalise(method: Normalisation, x: FloatArray, rules: Sequence[Rule] = ()) -> FloatArray:
    """Chuẩn hóa — one normalisation over columns of ``x`` across units, into [0, 1].

    ``rules`` (one per column, optional) supply goalposts, targets and polarity; without
    them, goalposts come from the data's own minimum and maximum.
    """
    present = ~np.isnan(x)
    higher = np.array([r.higher_is_better for r in rules]) if rules else np.ones(x.shape[1], bool)
    lo = np.nanmin(np.where(present, x, np.inf), axis=0)
    hi = np.nanmax(np.where(present, x, -np.inf), axis=0)
    if rules:
        lo = np.array(
            [r.goalposts[0] if r.goalposts else v for r, v in zip(rules, lo, strict=True)]
        )
        hi = np.array(
            [r.goalposts[1] if r.goalposts else v for r, v in zip(rules, hi, strict=True)]
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        match method:
            case Normalisation.MINMAX:
                span = hi - lo
                scaled = np.where(span > 0, (x - lo) / span, 1.0)
                result = np.where(higher, scaled, 1.0 - scaled)
            case Normalisation.ZSCORE:
                bound = (
                    np.array([r.zscore_bound for r in rules]) if rules else np.full(x.shape[1], 3.0)
                )
                count = present.sum(axis=0)
                mean = np.where(count > 0, np.nansum(x, axis=0) / np.maximum(count, 1), 0.0)
                var = np.nansum((x - mean) ** 2, axis=0) / np.maximum(count - 1, 1)
                sd = np.sqrt(var)
                z = np.where(sd > 0, (x - mean) / sd, 0.0)
                z = np.where(higher, z, -z)
                # z is mapped linearly onto [0, 1] between -bound and +bound standard deviations.
                result = (z + bound) / (2 * bound)
            case Normalisation.RANK | Normalisation.PERCENTILE:
                result = _rank_scores(method, np.where(higher, x, -x))
            case Normalisation.DISTANCE_TO_TARGET:
                target = np.array([r.target if r.target is not None else np.nan for r in rules])
                distance = target - lo
                scaled = np.where(distance != 0, (x - lo) / distance, 1.0)
                result = scaled
    return np.where(present, np.clip(result, 0.0, 1.0), np.nan)


def _rank_scores(method: Normalisation, x: FloatArray) -> FloatArray:
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        column = x[:, j]
        present = ~np.isnan(column)
        values = np.sort(column[present])
        n = len(values)
        if n == 0:
            continue
        less = np.searchsorted(values, column[present], side="left")
        at_most = np.searchsorted(values, column[present], side="right")
        if method is Normalisation.PERCENTILE:
            out[present, j] = at_most / n
        else:
            # Ties share the average of the ranks they span (COINr's n_rank ties.method="average").
            average_rank = (less + at_most + 1) / 2.0
            out[present, j] = (average_rank - 1) / (n - 1) if n > 1 else 1.0
    return out


def alternative_fractions(
    framework: Framework, raw: FloatArray, method: Normalisation
) -> FloatArray:
    """All leaves re-normalised with one method, for uncertainty analysis.

    Leaves whose input does not vary across units keep their declared score, since no
    statistical normalisation can say anything about them.
    """
    declared = leaf_fractions(framework, raw)
    present = ~np.isnan(raw)
    lo = np.nanmin(np.where(present, raw, np.inf), axis=0)
    hi = np.nanmax(np.where(present, raw, -np.inf), axis=0)
    rules: list[Rule] = []
    for j, leaf in enumerate(framework.leaves):
        declared_target = leaf.rule.target if leaf.rule is not None else None
        # Without a declared target, the best observed value is the target.
        target = declared_target if declared_target is not None else float(hi[j])
        rules.append(Rule(RuleType.NORMALISE, method=method, target=target))
    alt = normalise(method, raw, rules)
    constant: NDArray[np.bool_] = ~(hi > lo)
    return np.where(constant[np.newaxis, :], declared, alt)
