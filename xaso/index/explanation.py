"""Giải thích — where each unit's points come from, why they changed, what would lift them.

Contributions are attributed top-down: each inner node's points are shared among its
children in proportion to weight × value after the missing-data policy. Under sum and
arithmetic aggregation this is exactly each leaf's (re-weighted or imputed) points; under
geometric and harmonic means it is a proportional attribution. Either way a unit's leaf
contributions add up to its total points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xaso.index.aggregation import aggregate
from xaso.index.data import FloatArray
from xaso.index.scoring import Results


def contributions(results: Results, node: str | None = None) -> FloatArray:
    """Đóng góp — each leaf's points in each unit's total (units × leaves).

    With ``node`` given, the contributions to that node's points instead (leaves outside
    its subtree contribute 0). Rows of units whose node is missing are NaN.
    """
    plan = results.plan
    start = 0 if node is None else results.column(node)
    n_units = results.points.shape[0]
    attributed = np.zeros((plan.n_nodes, n_units))
    attributed[start] = results.points[:, start]
    inside = np.zeros(plan.n_nodes, dtype=bool)
    inside[start] = True
    # plan.inner is bottom-up; walking it reversed visits parents before children.
    for inner in reversed(plan.inner):
        if not inside[inner.index]:
            continue
        inside[inner.children] = True
        step = results.aggregated.steps[inner.index]
        w = step.weights if step.weights.ndim == 2 else step.weights[:, np.newaxis]
        weighted = step.filled * w
        total = weighted.sum(axis=0)
        fallback = inner.weights if inner.weights.sum() > 0 else np.ones_like(inner.weights)
        fallback = fallback / fallback.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(total > 0, weighted / total, fallback[:, np.newaxis])
        attributed[inner.children] = attributed[inner.index] * shares
    out = attributed[plan.leaf_nodes].T.copy()
    out[:, ~inside[plan.leaf_nodes]] = 0.0
    return out


@dataclass(frozen=True)
class Explanation:
    """One unit's points, leaf by leaf, largest contribution first."""

    unit: str
    total_points: float
    items: tuple[tuple[str, float, float], ...]  # (leaf code, contribution, max points)


def explain(results: Results, unit: str) -> Explanation:
    """Giải thích điểm — each leaf's contribution to ``unit``'s total, largest first."""
    i = results.row(unit)
    contrib = contributions(results)[i]
    scale = results.scale[results.plan.leaf_nodes]
    order = np.argsort(-np.nan_to_num(contrib, nan=-np.inf), kind="stable")
    leaves = results.framework.leaves
    return Explanation(
        unit=unit,
        total_points=float(results.points[i, 0]),
        items=tuple((leaves[j].code, float(contrib[j]), float(scale[j])) for j in order),
    )


@dataclass(frozen=True)
class ChangeDecomposition:
    """Phân rã thay đổi — the change between two periods, per unit and leaf.

    ``by_leaf`` (units × leaves) sums across each row to ``change`` (points). Units are
    those scored in both periods; ``rank_before``/``rank_after`` explain rank moves.
    """

    units: tuple[str, ...]
    leaf_codes: tuple[str, ...]
    points_before: FloatArray
    points_after: FloatArray
    change: FloatArray
    by_leaf: FloatArray
    rank_before: FloatArray
    rank_after: FloatArray


def decompose_change(before: Results, after: Results) -> ChangeDecomposition:
    """Vì sao điểm thay đổi — split each unit's change in total points by leaf.

    Both results must be for frameworks with the same leaves (translate older data
    through a crosswalk first). Each row adds up to the change; the floating-point
    residual of the subtraction is folded into the largest term, leaving at most a few
    units in the last place.
    """
    codes_before = tuple(leaf.code for leaf in before.framework.leaves)
    codes_after = tuple(leaf.code for leaf in after.framework.leaves)
    if codes_before != codes_after:
        raise ValueError("the two periods use different leaves; translate with a crosswalk")
    common = [u for u in after.units if u in set(before.units)]
    rows_before = [before.row(u) for u in common]
    rows_after = [after.row(u) for u in common]
    c_before = contributions(before)[rows_before]
    c_after = contributions(after)[rows_after]
    p_before = before.points[rows_before, 0]
    p_after = after.points[rows_after, 0]
    by_leaf = c_after - c_before
    change = p_after - p_before
    by_leaf = _close_exactly(by_leaf, change)
    return ChangeDecomposition(
        units=tuple(common),
        leaf_codes=codes_after,
        points_before=p_before,
        points_after=p_after,
        change=change,
        by_leaf=by_leaf,
        rank_before=before.ranks[rows_before, 0].astype(float),
        rank_after=after.ranks[rows_after, 0].astype(float),
    )


def _close_exactly(parts: FloatArray, totals: FloatArray) -> FloatArray:
    parts = parts.copy()
    if parts.shape[1] == 0:
        return parts
    largest = np.argmax(np.abs(np.nan_to_num(parts)), axis=1)
    rows = np.arange(parts.shape[0])
    residual = totals - parts.sum(axis=1)
    parts[rows, largest] += np.where(np.isfinite(residual), residual, 0.0)
    return parts


@dataclass(frozen=True)
class Step:
    """One component to improve: the points it can add to the total if raised to full."""

    leaf: str
    current_points: float
    gain: float
    peers_at_full: float  # share of units that already earn full marks on this leaf


@dataclass(frozen=True)
class ImprovementPlan:
    """Cần làm gì để tăng hạng — the cheapest set of components for ``target_rank``."""

    unit: str
    node: str
    current_rank: int
    target_rank: int
    current_points: float
    points_needed: float
    steps: tuple[Step, ...]
    reachable: bool
    achieved_rank: int


def what_would_it_take(
    results: Results, unit: str, ranks: int = 1, *, node: str | None = None
) -> ImprovementPlan:
    """The fewest components, largest gain first, that lift ``unit`` by ``ranks`` places.

    The gain of each leaf is measured by re-aggregating the unit with that leaf at full
    marks (peers fixed, imputation from the real peers), so it is exact for every
    aggregation. Components are added until the unit's published value reaches the
    value of the unit now holding the target rank; ``reachable`` is False if even every
    component at full marks is not enough.
    """
    framework = results.framework
    col = 0 if node is None else results.column(node)
    i = results.row(unit)
    current_rank = int(results.ranks[i, col])
    target_rank = max(1, current_rank - ranks) if current_rank else 1
    others = np.delete(results.rounded[:, col], i)
    others = np.sort(others[~np.isnan(others)])[::-1]
    needed_value = float(others[target_rank - 1]) if len(others) >= target_rank else 0.0
    scale = float(results.scale[col])
    current_points = float(results.points[i, col])
    points_needed = max(0.0, needed_value * scale - np.nan_to_num(current_points))
    fractions = results.fractions[i].copy()
    fractions_full = np.nan_to_num(results.fractions, nan=0.0) >= 1.0
    leaf_in_node = _leaves_under(results, col)
    candidates = [
        j for j in range(len(framework.leaves)) if leaf_in_node[j] and not fractions[j] >= 1.0
    ]
    base = _evaluate(results, fractions[np.newaxis, :], col)[0]
    trial = np.repeat(fractions[np.newaxis, :], len(candidates), axis=0)
    for row, j in enumerate(candidates):
        trial[row, j] = 1.0
    gains = _evaluate(results, trial, col) - base if candidates else np.zeros(0)
    order = np.argsort(-gains, kind="stable")
    chosen: list[Step] = []
    plan_fractions = fractions.copy()
    achieved = np.nan_to_num(base)
    decimals = framework.rounding
    contrib = contributions(results)[i]
    for k in order:
        if _published(achieved, scale, decimals) >= needed_value or gains[k] <= 0:
            break
        j = candidates[k]
        plan_fractions[j] = 1.0
        achieved = float(_evaluate(results, plan_fractions[np.newaxis, :], col)[0])
        chosen.append(
            Step(
                leaf=framework.leaves[j].code,
                current_points=float(np.nan_to_num(contrib[j])),
                gain=float(gains[k]),
                peers_at_full=float(fractions_full[:, j].mean()),
            )
        )
    reachable = _published(achieved, scale, decimals) >= needed_value
    value = _published(achieved, scale, decimals)
    rounded_col = results.rounded[:, col]
    others_all = np.delete(rounded_col, i)
    achieved_rank = int(1 + np.sum(np.nan_to_num(others_all, nan=-1.0) > value))
    return ImprovementPlan(
        unit=unit,
        node=framework.nodes[col].code,
        current_rank=current_rank,
        target_rank=target_rank,
        current_points=current_points,
        points_needed=float(points_needed),
        steps=tuple(chosen),
        reachable=bool(reachable),
        achieved_rank=achieved_rank,
    )


def _published(points: float, scale: float, decimals: int) -> float:
    if scale <= 0 or math.isnan(points):
        return 0.0
    factor = 10.0**decimals
    return math.floor(round(points / scale * factor, 6) + 0.5) / factor


def _leaves_under(results: Results, col: int) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    plan = results.plan
    inside = np.zeros(plan.n_nodes, dtype=bool)
    inside[col] = True
    for inner in reversed(plan.inner):
        if inside[inner.index]:
            inside[inner.children] = True
    return inside[plan.leaf_nodes]


def _evaluate(results: Results, fractions: FloatArray, col: int) -> FloatArray:
    """Points at node ``col`` of hypothetical units, imputing from the real peers."""
    plan = results.plan
    means = dict(results.aggregated.peer_means)
    # Inner nodes whose real data had no gaps computed no peer means; compute them now
    # so a hypothetical unit with a gap there is imputed from the real peers.
    for inner in plan.inner:
        if inner.index not in means:
            children = results.aggregated.by_node[inner.children]
            present = ~np.isnan(children)
            count = present.sum(axis=1)
            total = np.where(present, children, 0.0).sum(axis=1)
            means[inner.index] = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    out = aggregate(plan, fractions, peer_means=means)
    points: FloatArray = out.by_node[col] * plan.scale[col]
    return points
