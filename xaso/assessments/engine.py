"""The thin layer between stored cells and the pure engine (``xaso.index``): frameworks
loaded once per version, cells turned into arrays, results read back as plain data."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from xaso.assessments.cells import Cell, engine_pair
from xaso.index import Data, Framework, Node, Results, contributions, load_framework, score

_cache: dict[str, Framework] = {}
_lock = threading.Lock()


def framework_from_text(text: str, sha256: str | None = None) -> Framework:
    """The engine's framework for a stored version, parsed once per process."""
    key = sha256 or hashlib.sha256(text.encode()).hexdigest()
    found = _cache.get(key)
    if found is None:
        found = load_framework(text)
        with _lock:
            _cache[key] = found
    return found


def leaves_by_code(framework: Framework) -> dict[str, Node]:
    return {leaf.code: leaf for leaf in framework.leaves}


def main_index_of(framework: Framework) -> dict[str, Node]:
    """Each leaf's main index (chỉ số chính), for grouping the form."""
    out: dict[str, Node] = {}
    for main in framework.main_indices:
        for node in main.walk():
            if node.is_leaf:
                out[node.code] = main
    for leaf in framework.leaves:
        out.setdefault(leaf.code, framework.root)
    return out


def to_data(
    framework: Framework, rows: Sequence[tuple[str, str, Mapping[str, Cell | None]]]
) -> Data:
    """Arrays for (unit code, unit name, cells) rows, in the framework's leaf order."""
    leaves = framework.leaves
    n = len(leaves)
    values = np.full((len(rows), n), np.nan)
    dens = np.full((len(rows), n), np.nan)
    for i, (_, _, cells) in enumerate(rows):
        for j, leaf in enumerate(leaves):
            cell = cells.get(leaf.code)
            if cell:
                values[i, j], dens[i, j] = engine_pair(leaf, cell)
    return Data.from_arrays(
        framework,
        [code for code, _, _ in rows],
        values,
        denominators=dens,
        names=[name for _, name, _ in rows],
    )


def score_rows(
    framework: Framework,
    rows: Sequence[tuple[str, str, Mapping[str, Cell | None]]],
    *,
    groups: Mapping[str, Mapping[str, str]] | None = None,
) -> Results:
    return score(framework, to_data(framework, rows), groups=groups)


@dataclass(frozen=True)
class UnitScore:
    """One unit's points per leaf and its total, scored on its own."""

    total: float | None
    index: float | None
    leaf_points: dict[str, float | None]
    leaf_fraction: dict[str, float | None]


def _plain(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def score_one(framework: Framework, cells: Mapping[str, Cell | None]) -> UnitScore:
    """Scores a single unit: what the form shows live. Rules relative to peers
    (relative to best, normalisation) see this unit alone until publication."""
    results = score_rows(framework, [("_", "_", cells)])
    points: dict[str, float | None] = {}
    fractions: dict[str, float | None] = {}
    for j, leaf in enumerate(framework.leaves):
        col = results.column(leaf.code)
        points[leaf.code] = _plain(results.points[0, col])
        fractions[leaf.code] = _plain(results.fractions[0, j])
    return UnitScore(
        total=_plain(results.points[0, 0]),
        index=_plain(results.rounded[0, 0]),
        leaf_points=points,
        leaf_fraction=fractions,
    )


def relative_rule(leaf: Node) -> bool:
    """Rules whose points depend on the other units (only final at publication)."""
    return leaf.rule is not None and leaf.rule.type.value in {"relative_to_best", "normalise"}


def _objects(values: np.ndarray, missing: np.ndarray) -> list[list[Any]]:
    """Rows of plain Python values with None where ``missing``, without a Python call
    per cell (3,321 units × 115 nodes is 380,000 of them)."""
    out = values.astype(object)
    out[missing] = None
    rows: list[list[Any]] = out.tolist()
    return rows


def root_scores(results: Results) -> dict[str, float | None]:
    """Each unit's published index value."""
    column: list[float] = results.rounded[:, 0].tolist()
    return {
        unit: (None if math.isnan(v) else v) for unit, v in zip(results.units, column, strict=True)
    }


def results_rows(results: Results) -> list[dict[str, Any]]:
    """Per unit: score, points, rank, every node's [value, points, rank], pillars and the
    explanation (each leaf's contribution, largest first) — computed in one pass."""
    contrib = contributions(results)
    leaves = results.framework.leaves
    leaf_codes = [leaf.code for leaf in leaves]
    leaf_scale = [float(x) for x in results.scale[results.plan.leaf_nodes]]
    codes = [node.code for node in results.framework.nodes]
    values = _objects(results.rounded, np.isnan(results.rounded))
    points = _objects(np.round(results.points, 6), np.isnan(results.points))
    ranks = _objects(results.ranks, results.ranks == 0)
    pillar = results.pillars
    p_values = _objects(pillar.rounded, np.isnan(pillar.rounded))
    p_points = _objects(np.round(pillar.points, 6), np.isnan(pillar.points))
    p_ranks = _objects(pillar.ranks, pillar.ranks == 0)
    shares = _objects(np.round(contrib, 6), np.isnan(contrib))
    order = np.argsort(-np.nan_to_num(contrib, nan=-np.inf), axis=1, kind="stable").tolist()
    out = []
    for i, unit in enumerate(results.units):
        v, p, r = values[i], points[i], ranks[i]
        share = shares[i]
        out.append(
            {
                "unit": unit,
                "score": v[0],
                "points": p[0],
                "rank": r[0],
                "nodes": {code: [v[j], p[j], r[j]] for j, code in enumerate(codes)},
                "pillars": {
                    code: [p_values[i][k], p_points[i][k], p_ranks[i][k]]
                    for k, code in enumerate(pillar.codes)
                },
                "explanation": [[leaf_codes[j], share[j], leaf_scale[j]] for j in order[i]],
            }
        )
    return out


def inputs_digest(framework_sha: str, rows: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """SHA-256 of everything a snapshot was computed from, in a canonical form."""
    h = hashlib.sha256()
    h.update(framework_sha.encode())
    for code, cells in sorted(rows, key=lambda r: r[0]):
        h.update(b"\n")
        h.update(code.encode())
        h.update(json.dumps(cells, sort_keys=True, separators=(",", ":")).encode())
    return h.hexdigest()
