"""Bất định và độ nhạy — how much ranks depend on the methodologist's choices.

Follows the OECD/JRC Handbook (2008) and R's COINr: each uncertain choice (noise on the
weights, the aggregation method, the normalisation) is an input drawn uniformly; ranks
are recomputed for every draw. ``sensitivity=True`` uses Saltelli's design (matrices A,
B and A_B^i) to estimate first-order and total-order indices of the mean absolute rank
shift, as COINr's ``get_sensitivity(SA_type = "SA")`` does. Everything is seeded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from xaso.index.aggregation import Plan, aggregate, compile_plan
from xaso.index.data import Data, FloatArray
from xaso.index.model import Aggregation, Framework, Normalisation
from xaso.index.ranking import competition_ranks, round_half_up
from xaso.index.rules import alternative_fractions, leaf_fractions, raw_inputs


@dataclass(frozen=True)
class MonteCarloResult:
    """Per unit: nominal value and rank, median rank and the 5–95 % rank band.

    ``ranks`` holds every evaluated draw (draws × units); ``shift`` the mean absolute
    rank shift of each draw from the nominal ranks. ``first_order``/``total_order`` map
    each uncertain input to its sensitivity index (empty unless ``sensitivity=True``).
    """

    units: tuple[str, ...]
    node: str
    nominal_value: FloatArray
    nominal_rank: NDArray[np.int64]
    median_rank: FloatArray
    rank_p05: FloatArray
    rank_p95: FloatArray
    ranks: NDArray[np.float32]
    shift: FloatArray
    inputs: tuple[str, ...]
    first_order: dict[str, float]
    total_order: dict[str, float]


@dataclass(frozen=True)
class _Setup:
    plan: Plan
    column: int
    decimals: int
    overrides: dict[int, FloatArray]
    fraction_sets: list[FloatArray]
    weight_sets: list[list[FloatArray]]
    methods: list[Aggregation | None]
    nominal_ranks: NDArray[np.int64]
    nominal_values: FloatArray


def _setup(
    framework: Framework,
    data: Data,
    *,
    node: str | None,
    draws: int,
    rng: np.random.Generator,
    weight_noise: float,
    aggregations: Sequence[Aggregation | None],
    normalisations: Sequence[Normalisation | None],
) -> _Setup:
    plan = compile_plan(framework)
    raw = raw_inputs(data)
    declared = leaf_fractions(framework, raw)
    # Leaf-major copies, made once, spare every draw a transposition.
    fraction_sets = [
        np.ascontiguousarray(
            (declared if method is None else alternative_fractions(framework, raw, method)).T
        )
        for method in normalisations
    ]
    overrides = {framework.node_index[c]: a for c, a in data.overrides.items()}
    base = [inner.weights for inner in plan.inner]
    if weight_noise > 0:
        weight_sets = [
            [w * (1.0 + rng.uniform(-weight_noise, weight_noise, size=w.shape)) for w in base]
            for _ in range(draws)
        ]
    else:
        weight_sets = [base]
    column = 0 if node is None else framework.node_index[node]
    nominal = aggregate(plan, declared, overrides=overrides).by_node[column]
    rounded = round_half_up(nominal, framework.rounding)
    return _Setup(
        plan=plan,
        column=column,
        decimals=framework.rounding,
        overrides=overrides,
        fraction_sets=fraction_sets,
        weight_sets=weight_sets,
        methods=list(aggregations),
        nominal_ranks=competition_ranks(rounded, framework.rounding),
        nominal_values=rounded,
    )


def _run(setup: _Setup, samples: FloatArray) -> NDArray[np.float32]:
    """Ranks (draws × units) for uniform samples (draws × 3): weights, method, normalisation."""
    n_units = len(setup.nominal_ranks)
    out = np.empty((samples.shape[0], n_units), dtype=np.float32)
    pick_w = (samples[:, 0] * len(setup.weight_sets)).astype(np.intp)
    pick_a = (samples[:, 1] * len(setup.methods)).astype(np.intp)
    pick_n = (samples[:, 2] * len(setup.fraction_sets)).astype(np.intp)
    prepared: list[dict[int, tuple[FloatArray, NDArray[np.bool_] | None]]] = [
        {} for _ in setup.fraction_sets
    ]
    for d in range(samples.shape[0]):
        values = aggregate(
            setup.plan,
            setup.fraction_sets[pick_n[d]],
            overrides=setup.overrides,
            weights=setup.weight_sets[pick_w[d]],
            method=setup.methods[pick_a[d]],
            leaf_major=True,
            track_share=False,
            prepared=prepared[pick_n[d]],
        ).by_node[setup.column]
        ranks = competition_ranks(round_half_up(values, setup.decimals), setup.decimals)
        out[d] = np.where(ranks > 0, ranks, np.nan)
    return out


def _shift(ranks: NDArray[np.float32], nominal: NDArray[np.int64]) -> FloatArray:
    reference = np.where(nominal > 0, nominal, np.nan).astype(np.float64)
    diff = np.abs(ranks.astype(np.float64) - reference[np.newaxis, :])
    valid = ~np.isnan(diff)
    mean: FloatArray = np.where(valid, diff, 0.0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
    return mean


def monte_carlo(
    framework: Framework,
    data: Data,
    *,
    draws: int = 1000,
    seed: int = 0,
    weight_noise: float = 0.25,
    aggregations: Sequence[Aggregation | None] = (None, Aggregation.GEOMETRIC),
    normalisations: Sequence[Normalisation | None] = (None,),
    node: str | None = None,
    sensitivity: bool = False,
) -> MonteCarloResult:
    """Phân tích bất định — rank distribution under uncertain methodological choices.

    ``None`` in ``aggregations``/``normalisations`` means "as the framework declares".
    Weights are multiplied by 1 + U(−noise, +noise), each inner node independently.
    With ``sensitivity=True``, ``draws`` is Saltelli's base sample size N and
    N × (k + 2) evaluations are run for k uncertain inputs; rank statistics then use
    the 2N rows of A and B. With zero noise and single choices the draws reproduce the
    nominal ranks exactly.
    """
    if draws < 1:
        raise ValueError("draws must be at least 1")
    rng = np.random.default_rng(seed)
    setup = _setup(
        framework,
        data,
        node=node,
        draws=draws,
        rng=rng,
        weight_noise=weight_noise,
        aggregations=aggregations or (None,),
        normalisations=normalisations or (None,),
    )
    names = ("weights", "aggregation", "normalisation")
    active = [
        k
        for k, count in enumerate(
            (len(setup.weight_sets), len(setup.methods), len(setup.fraction_sets))
        )
        if count > 1
    ]
    first: dict[str, float] = {}
    total: dict[str, float] = {}
    if sensitivity and active:
        a = rng.random((draws, 3))
        b = rng.random((draws, 3))
        ranks_a, ranks_b = _run(setup, a), _run(setup, b)
        f_a = _shift(ranks_a, setup.nominal_ranks)
        f_b = _shift(ranks_b, setup.nominal_ranks)
        variance = float(np.var(np.concatenate([f_a, f_b])))
        for k in active:
            ab = a.copy()
            ab[:, k] = b[:, k]
            f_ab = _shift(_run(setup, ab), setup.nominal_ranks)
            if variance > 0:
                # Saltelli et al. (2010) estimator for S_i, Jansen (1999) for S_Ti.
                first[names[k]] = float(np.mean(f_b * (f_ab - f_a)) / variance)
                total[names[k]] = float(0.5 * np.mean((f_a - f_ab) ** 2) / variance)
            else:
                first[names[k]] = total[names[k]] = 0.0
        ranks = np.concatenate([ranks_a, ranks_b])
        shift = np.concatenate([f_a, f_b])
    else:
        ranks = _run(setup, rng.random((draws, 3)))
        shift = _shift(ranks, setup.nominal_ranks)
    as_float = ranks.astype(np.float64)
    if np.isnan(as_float).any():
        with np.errstate(all="ignore"):
            p05, median, p95 = np.nanquantile(as_float, [0.05, 0.5, 0.95], axis=0)
    else:  # the vectorised path; nanquantile loops over units
        p05, median, p95 = np.quantile(as_float, [0.05, 0.5, 0.95], axis=0)
    return MonteCarloResult(
        units=data.units,
        node=framework.nodes[setup.column].code,
        nominal_value=setup.nominal_values,
        nominal_rank=setup.nominal_ranks,
        median_rank=median,
        rank_p05=p05,
        rank_p95=p95,
        ranks=ranks,
        shift=shift,
        inputs=tuple(names[k] for k in active),
        first_order=first,
        total_order=total,
    )


@dataclass(frozen=True)
class RemovalResult:
    """Rank change of every unit when each element is removed in turn (COINr
    ``remove_elements``): ``rank_change[e, u]`` = rank without element e − nominal rank."""

    units: tuple[str, ...]
    removed: tuple[str, ...]
    nominal_rank: NDArray[np.int64]
    rank_change: NDArray[np.int64]
    mean_abs_shift: FloatArray


def remove_each_component(
    framework: Framework,
    data: Data,
    *,
    codes: Sequence[str] | None = None,
    node: str | None = None,
) -> RemovalResult:
    """Bỏ lần lượt từng thành phần — re-score without each element and compare ranks.

    ``codes`` defaults to every scored leaf. Removing an element drops its weight to 0,
    so its parent is recomputed from the remaining children and keeps its own maximum.
    """
    plan = compile_plan(framework)
    raw = raw_inputs(data)
    fractions = leaf_fractions(framework, raw)
    overrides = {framework.node_index[c]: a for c, a in data.overrides.items()}
    column = 0 if node is None else framework.node_index[node]
    decimals = framework.rounding

    def ranks_with(weights: list[FloatArray]) -> NDArray[np.int64]:
        values = aggregate(plan, fractions, overrides=overrides, weights=weights).by_node[column]
        return competition_ranks(round_half_up(values, decimals), decimals)

    base = [inner.weights for inner in plan.inner]
    nominal = ranks_with(base)
    if codes is None:
        codes = [
            leaf.code
            for j, leaf in enumerate(framework.leaves)
            if plan.scale[plan.leaf_nodes[j]] > 0
        ]
    position = {
        int(child): (k, c)
        for k, inner in enumerate(plan.inner)
        for c, child in enumerate(inner.children)
    }
    changes = np.zeros((len(codes), len(data.units)), dtype=np.int64)
    for e, code in enumerate(codes):
        k, c = position[framework.node_index[code]]
        weights = list(base)
        weights[k] = base[k].copy()
        weights[k][c] = 0.0
        removed = ranks_with(weights)
        changes[e] = np.where((removed > 0) & (nominal > 0), removed - nominal, 0)
    return RemovalResult(
        units=data.units,
        removed=tuple(codes),
        nominal_rank=nominal,
        rank_change=changes,
        mean_abs_shift=np.abs(changes).mean(axis=1) if len(data.units) else np.zeros(len(codes)),
    )
