"""Chấm điểm — the top-level ``score``: rules, aggregation, rounding, ranks, pillars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xaso.index.aggregation import Aggregated, Plan, aggregate, compile_plan
from xaso.index.data import Data, FloatArray
from xaso.index.errors import DataError, Issue
from xaso.index.model import Framework
from xaso.index.ranking import (
    IntArray,
    competition_ranks_of_ticks,
    from_ticks,
    group_ranks_of_ticks,
    published_ticks,
)
from xaso.index.rules import leaf_fractions, raw_inputs


@dataclass(frozen=True)
class PillarResults:
    """Điểm trụ cột — pillar scores: points on member leaves over their maximum."""

    codes: tuple[str, ...]
    points: FloatArray
    max_points: FloatArray
    values: FloatArray
    rounded: FloatArray
    ranks: IntArray
    group_ranks: Mapping[str, IntArray] = field(default_factory=dict)


@dataclass(frozen=True)
class Results:
    """Kết quả chấm điểm — every unit × every node (columns in ``framework.nodes`` order).

    ``values`` are points / max points on the 0–1 scale, ``rounded`` the published
    values, ``ranks`` standard competition ranks on ``rounded`` (0 = no value: the node
    is reported missing). ``group_ranks`` maps each grouping name to ranks within its
    groups (leaf columns 0 unless ``score(..., leaf_group_ranks=True)``). ``raw`` and
    ``fractions`` keep each leaf's input and rule output.
    """

    framework: Framework
    units: tuple[str, ...]
    names: tuple[str, ...]
    points: FloatArray
    values: FloatArray
    rounded: FloatArray
    ranks: IntArray
    data_share: FloatArray
    scale: FloatArray
    raw: FloatArray
    fractions: FloatArray
    group_ranks: Mapping[str, IntArray]
    groups: Mapping[str, tuple[str, ...]]
    pillars: PillarResults
    aggregated: Aggregated = field(repr=False)
    plan: Plan = field(repr=False)

    def column(self, code: str) -> int:
        """Column of node ``code`` in the units × nodes arrays."""
        return self.framework.node_index[code]

    def row(self, unit: str) -> int:
        """Row of ``unit``; ``KeyError`` if it was not scored."""
        try:
            return self.units.index(unit)
        except ValueError:
            raise KeyError(unit) from None

    @property
    def score(self) -> FloatArray:
        """The published index value of each unit (root, rounded)."""
        return self.rounded[:, 0]

    @property
    def total_points(self) -> FloatArray:
        return self.points[:, 0]

    @property
    def rank(self) -> IntArray:
        return self.ranks[:, 0]

    def unit(self, unit: str) -> dict[str, Any]:
        """One unit's results as plain data (the JSON shape of the CLI)."""
        i = self.row(unit)
        nodes: dict[str, dict[str, Any]] = {}
        for j, node in enumerate(self.framework.nodes):
            entry: dict[str, Any] = {
                "value": _plain(self.rounded[i, j]),
                "points": _plain(self.points[i, j]),
                "rank": int(self.ranks[i, j]) or None,
            }
            for name, ranks in self.group_ranks.items():
                entry[f"rank_{name}"] = int(ranks[i, j]) or None
            nodes[node.code] = entry
        pillars = {
            code: {
                "value": _plain(self.pillars.rounded[i, p]),
                "points": _plain(self.pillars.points[i, p]),
                "rank": int(self.pillars.ranks[i, p]) or None,
            }
            for p, code in enumerate(self.pillars.codes)
        }
        return {
            "code": unit,
            "name": self.names[i],
            "score": _plain(self.rounded[i, 0]),
            "points": _plain(self.points[i, 0]),
            "rank": int(self.ranks[i, 0]) or None,
            "groups": {name: labels[i] for name, labels in self.groups.items()},
            "nodes": nodes,
            "pillars": pillars,
        }


def _plain(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def score(
    framework: Framework,
    data: Data,
    *,
    groups: Mapping[str, Sequence[str] | Mapping[str, str]] | None = None,
    leaf_group_ranks: bool = False,
) -> Results:
    """Chấm điểm — score every unit on every node.

    ``groups`` maps a grouping name (``"loai"``, ``"huyen_cu"``) to one label per unit,
    either a sequence in ``data.units`` order or a mapping unit → label; ranks are then
    also given within each group for the index, its groups and main indices, and for
    the leaves too with ``leaf_group_ranks``. Raises ``DataError`` if a grouping leaves
    a unit out.
    """
    if data.framework is not framework and data.framework != framework:
        raise ValueError("data was built for another framework")
    plan = compile_plan(framework)
    raw = raw_inputs(data)
    fractions = leaf_fractions(framework, raw)
    index = framework.node_index
    overrides = {index[code]: array for code, array in data.overrides.items()}
    aggregated = aggregate(plan, fractions, overrides=overrides, keep_steps=True)
    return _results(framework, data, plan, raw, fractions, aggregated, groups, leaf_group_ranks)


def _results(
    framework: Framework,
    data: Data,
    plan: Plan,
    raw: FloatArray,
    fractions: FloatArray,
    aggregated: Aggregated,
    groups: Mapping[str, Sequence[str] | Mapping[str, str]] | None,
    leaf_group_ranks: bool,
) -> Results:
    values = aggregated.values
    points = values * plan.scale[np.newaxis, :]
    decimals = framework.rounding
    ticks = published_ticks(values, decimals)
    rounded = from_ticks(ticks, decimals)
    ranks = competition_ranks_of_ticks(ticks)
    labels = _group_labels(data.units, groups or {})
    by_group: dict[str, IntArray] = {}
    ranked = (
        np.arange(plan.n_nodes)
        if leaf_group_ranks
        else np.array([inner.index for inner in plan.inner], dtype=np.intp)
    )
    for name, lab in labels.items():
        # Leaves are left unranked (0) within groups unless asked: a commune's rank among
        # its peers on each criterion is rarely read and costs as much as all the rest.
        within = np.zeros(ticks.shape, dtype=np.int64)
        within[:, ranked] = group_ranks_of_ticks(ticks[:, ranked], lab)
        by_group[name] = within
    return Results(
        framework=framework,
        units=data.units,
        names=data.unit_names,
        points=points,
        values=values,
        rounded=rounded,
        ranks=ranks,
        data_share=aggregated.data_share,
        scale=plan.scale,
        raw=raw,
        fractions=fractions,
        group_ranks=by_group,
        groups=labels,
        pillars=_pillars(framework, plan, values, labels),
        aggregated=aggregated,
        plan=plan,
    )


def _group_labels(
    units: tuple[str, ...], groups: Mapping[str, Sequence[str] | Mapping[str, str]]
) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    issues: list[Issue] = []
    for name, given in groups.items():
        if isinstance(given, Mapping):
            missing = [u for u in units if u not in given]
            for unit in missing:
                issues.append(
                    Issue(
                        f"groups/{name}/{unit}",
                        f"Đơn vị '{unit}' không có nhóm '{name}'",
                        f"Unit '{unit}' has no '{name}' group",
                    )
                )
            out[name] = tuple(str(given.get(u, "")) for u in units)
        else:
            if len(given) != len(units):
                issues.append(
                    Issue(
                        f"groups/{name}",
                        f"Cần {len(units)} nhãn nhóm, có {len(given)}",
                        f"Needs {len(units)} group labels, got {len(given)}",
                    )
                )
                continue
            out[name] = tuple(str(label) for label in given)
    if issues:
        raise DataError(issues)
    return out


def _pillars(
    framework: Framework, plan: Plan, values: FloatArray, labels: Mapping[str, tuple[str, ...]]
) -> PillarResults:
    codes = tuple(p.code for p in framework.pillars)
    n = values.shape[0]
    if not codes:
        empty = np.zeros((n, 0))
        return PillarResults((), empty, np.zeros(0), empty, empty, np.zeros((n, 0), np.int64))
    membership = np.zeros((len(framework.leaves), len(codes)))
    inherited: dict[str, tuple[str, ...]] = {}
    for node in framework.nodes:
        inherited[node.code] = node.pillars
    parent_of = {c.code: n.code for n in framework.nodes for c in n.children}
    for j, leaf in enumerate(framework.leaves):
        member: set[str] = set(leaf.pillars)
        code = leaf.code
        while code in parent_of:
            code = parent_of[code]
            member.update(inherited[code])
        for p, pillar in enumerate(codes):
            if pillar in member:
                membership[j, p] = 1.0
    leaf_scale = plan.scale[plan.leaf_nodes]
    leaf_values = values[:, plan.leaf_nodes]
    has_value = ~np.isnan(leaf_values)
    leaf_points = np.where(has_value, leaf_values, 0.0) * leaf_scale
    pillar_points = leaf_points @ membership
    pillar_max = leaf_scale @ membership
    any_value = (has_value.astype(float) @ membership) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        pillar_values = np.where(any_value & (pillar_max > 0), pillar_points / pillar_max, np.nan)
    pillar_points = np.where(any_value, pillar_points, np.nan)
    decimals = framework.rounding
    ticks = published_ticks(pillar_values, decimals)
    return PillarResults(
        codes=codes,
        points=pillar_points,
        max_points=pillar_max,
        values=pillar_values,
        rounded=from_ticks(ticks, decimals),
        ranks=competition_ranks_of_ticks(ticks),
        group_ranks={name: group_ranks_of_ticks(ticks, lab) for name, lab in labels.items()},
    )
