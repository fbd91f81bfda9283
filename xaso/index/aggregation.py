"""Tổng hợp — combining children's 0–1 values into each node's value, bottom-up.

The framework is compiled once into a ``Plan`` (index arrays and weights per inner
node); ``aggregate`` then runs one vectorised step per inner node over all units. The
same function serves scoring, Monte Carlo draws (other weights or methods) and
"what would it take" (hypothetical units scored against the real peers' means).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from xaso.index.data import FloatArray
from xaso.index.model import Aggregation, Framework, MissingPolicy, Node

IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class InnerNode:
    """One node with children, as arrays: where its children sit and what they weigh."""

    index: int
    children: IntArray
    weights: FloatArray
    aggregation: Aggregation
    missing: MissingPolicy
    min_data_share: float
    leaf_children: bool


@dataclass(frozen=True)
class Plan:
    """A framework compiled for vectorised aggregation."""

    framework: Framework
    leaf_nodes: IntArray
    inner: tuple[InnerNode, ...]
    scale: FloatArray
    parent: IntArray

    @property
    def n_nodes(self) -> int:
        return len(self.scale)


def child_weight(parent: Node, child: Node) -> float:
    """The weight a child carries: its max points under sum, else weight → max points → 1."""
    if parent.aggregation is Aggregation.SUM:
        return child.max_points or 0.0
    if child.weight is not None:
        return child.weight
    return child.max_points if child.max_points is not None else 1.0


@cache
def compile_plan(framework: Framework) -> Plan:
    """Compile ``framework`` once; plans are cached per framework object."""
    index = framework.node_index
    nodes = framework.nodes
    scale = np.zeros(len(nodes))
    parent = np.full(len(nodes), -1, dtype=np.intp)
    root = framework.root
    if root.max_points is not None:
        scale[0] = root.max_points
    else:
        scale[0] = 1.0
    inner: list[InnerNode] = []
    for node in nodes:
        if node.is_leaf:
            continue
        i = index[node.code]
        weights = np.array([child_weight(node, c) for c in node.children])
        total = weights.sum()
        for c, w in zip(node.children, weights, strict=True):
            j = index[c.code]
            parent[j] = i
            if node.aggregation is Aggregation.SUM:
                scale[j] = c.max_points or 0.0
            else:
                # Under a mean, a child is worth its weight's share of the parent's points.
                scale[j] = scale[i] * w / total if total > 0 else 0.0
        inner.append(
            InnerNode(
                index=i,
                children=np.array([index[c.code] for c in node.children], dtype=np.intp),
                weights=weights,
                aggregation=node.aggregation,
                missing=node.missing,
                min_data_share=node.min_data_share,
                leaf_children=all(c.is_leaf for c in node.children),
            )
        )
    leaf_nodes = np.array([index[leaf.code] for leaf in framework.leaves], dtype=np.intp)
    # Children before parents: the reverse of pre-order is a valid bottom-up order.
    return Plan(framework, leaf_nodes, tuple(reversed(inner)), scale, parent)


@dataclass(frozen=True)
class NodeStep:
    """What one inner node used: children's values after the missing-data policy
    (children × units) and their weights, either one per child or per child and unit
    (re-weighting) — enough to attribute its points back to its children."""

    filled: FloatArray
    weights: FloatArray


@dataclass(frozen=True)
class Aggregated:
    """Node values, kept node-major (nodes × units) because aggregation reads whole
    rows of children; ``values`` is the units × nodes view."""

    by_node: FloatArray
    share_by_node: FloatArray
    steps: Mapping[int, NodeStep]
    peer_means: Mapping[int, FloatArray]

    @property
    def values(self) -> FloatArray:
        return self.by_node.T

    @property
    def data_share(self) -> FloatArray:
        return self.share_by_node.T


def aggregate(
    plan: Plan,
    fractions: FloatArray,
    *,
    overrides: Mapping[int, FloatArray] | None = None,
    weights: Sequence[FloatArray] | None = None,
    method: Aggregation | None = None,
    peer_means: Mapping[int, FloatArray] | None = None,
    keep_steps: bool = False,
    leaf_major: bool = False,
    track_share: bool = True,
    prepared: dict[int, tuple[FloatArray, NDArray[np.bool_] | None]] | None = None,
) -> Aggregated:
    """Values of every node from leaf fractions (units × leaves, or leaves × units when
    ``leaf_major``).

    ``weights`` (one array per ``plan.inner`` entry) and ``method`` replace the declared
    ones — used by uncertainty analysis. ``peer_means`` fixes the means used for
    imputation, so hypothetical units are imputed from the real peers. ``prepared``
    (an initially empty dict reused across calls with the same fractions) keeps the
    missing-data handling of nodes whose children are all leaves, which no weight or
    method choice changes — Monte Carlo draws then skip it.
    """
    by_leaf = fractions if leaf_major else fractions.T
    n_units = by_leaf.shape[1]
    values = np.empty((plan.n_nodes, n_units))
    values[plan.leaf_nodes] = by_leaf
    share = np.ones((plan.n_nodes, n_units)) if track_share else np.empty((0, n_units))
    if track_share:
        share[plan.leaf_nodes] = ~np.isnan(by_leaf)
    steps: dict[int, NodeStep] = {}
    means_used: dict[int, FloatArray] = {}
    for k, node in enumerate(plan.inner):
        w = node.weights if weights is None else weights[k]
        counted = w > 0
        if not counted.any():
            # A recorded-only node (max points 0) still shows the plain mean of its children.
            counted = np.ones_like(counted)
            w = np.ones_like(w)
        cached = prepared.get(node.index) if prepared is not None else None
        if cached is not None:
            filled, present = cached
        else:
            filled, present = _fill(node, values[node.children], peer_means, means_used)
            if prepared is not None and node.leaf_children:
                prepared[node.index] = (filled, present)
        unit_w: FloatArray = w
        if present is not None and node.missing is MissingPolicy.REWEIGHT:
            unit_w = np.where(present, w[:, np.newaxis], 0.0)
        combined = _combine(method or node.aggregation, filled, unit_w)
        if present is not None and (track_share or node.min_data_share > 0):
            data_share = present[counted].sum(axis=0) / counted.sum()
        else:
            data_share = np.ones(n_units)
        if node.min_data_share > 0:
            combined = np.where(data_share + 1e-12 < node.min_data_share, np.nan, combined)
        if overrides and node.index in overrides:
            given = overrides[node.index]
            combined = np.where(np.isnan(given), combined, given)
            data_share = np.where(np.isnan(given), data_share, 1.0)
        values[node.index] = combined
        if track_share:
            share[node.index] = data_share
        if keep_steps:
            steps[node.index] = NodeStep(filled, unit_w)
    return Aggregated(values, share, steps, means_used)


def _fill(
    node: InnerNode,
    children: FloatArray,
    peer_means: Mapping[int, FloatArray] | None,
    means_used: dict[int, FloatArray],
) -> tuple[FloatArray, NDArray[np.bool_] | None]:
    """Children's values after the missing-data policy, and where data was present
    (None when complete)."""
    present = ~np.isnan(children)
    if present.all():
        return children, None
    if node.missing is MissingPolicy.IMPUTE_MEAN:
        means = _peer_means(children, present) if peer_means is None else peer_means[node.index]
        means_used[node.index] = means
        return np.where(present, children, means[:, np.newaxis]), present
    return np.where(present, children, 0.0), present


def _peer_means(children: FloatArray, present: NDArray[np.bool_]) -> FloatArray:
    count = present.sum(axis=1)
    total = np.where(present, children, 0.0).sum(axis=1)
    # With no peer holding data there is nothing to impute from; the child counts as 0.
    means: FloatArray = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return means


def _combine(method: Aggregation, x: FloatArray, w: FloatArray) -> FloatArray:
    """Combine children (children × units) with weights (children,) or (children × units)."""
    per_unit = w.ndim == 2
    if method in (Aggregation.SUM, Aggregation.WEIGHTED_MEAN):
        if not per_unit:
            total = w.sum()
            return w @ x / total if total > 0 else np.full(x.shape[1], np.nan)
        den = w.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: FloatArray = np.where(den > 0, (x * w).sum(axis=0) / den, np.nan)
        return result
    full_w = w if per_unit else np.broadcast_to(w[:, np.newaxis], x.shape)
    den = full_w.sum(axis=0)
    active = full_w > 0
    has_zero = (active & (x <= 0)).any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method is Aggregation.GEOMETRIC:
            logs = np.where(active, np.log(np.where(x > 0, x, 1.0)), 0.0)
            value = np.exp((logs * full_w).sum(axis=0) / den)
        else:
            inverse = np.where(active, full_w / np.where(x > 0, x, 1.0), 0.0)
            value = den / inverse.sum(axis=0)
    value = np.where(has_zero, 0.0, value)
    combined: FloatArray = np.where(den > 0, value, np.nan)
    return combined
