"""Benchmark of xaso.index on the whole country: 3,321 communes × 100 components.

Prints one figure per line:
  score_ms      full scoring with ranks, group ranks, pillars and explanations (median)
  mc_s          Monte Carlo, 1,000 draws (weights noise + aggregation choice)
  sa_s          the same choices with Saltelli sensitivity indices, N = 200
  peak_rss_mb   peak resident memory of this process
  pandas_ms     the same scoring row by row in pandas
  speedup       pandas_ms / score_ms

Run: .venv/bin/python benchmarks/bench_index.py
"""

from __future__ import annotations

import os

# One core, as the targets say: BLAS must not spread matrix products over threads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from xaso.index import (  # noqa: E402
    Data,
    Framework,
    contributions,
    monte_carlo,
    score,
)
from xaso.index.loading import framework_from_mapping  # noqa: E402

UNITS = 3321
MAIN_INDICES = 10
PER_MAIN = 10
SEED = 20250701


def _leaf(code: str, k: int) -> dict[str, Any]:
    base: dict[str, Any] = {"code": code, "name_vi": code, "name_en": code, "max_points": 10}
    kind = k % 6
    if kind == 0:
        base.update(input={"kind": "ratio"}, rule={"type": "ratio", "zero_denominator": "full"})
    elif kind == 1:
        base.update(
            input={"kind": "count"},
            rule={"type": "steps", "thresholds": [1, 2, 3, 4], "points": [2.5, 5, 7.5, 10]},
        )
    elif kind == 2:
        base.update(
            input={"kind": "choice"},
            rule={"type": "choice", "options": {"a": 1, "b": 0.5, "c": 0}},
        )
    elif kind == 3:
        base.update(input={"kind": "boolean"}, rule={"type": "boolean"})
    elif kind == 4:
        base.update(input={"kind": "number"}, rule={"type": "linear_to_target", "target": 80})
    else:
        base.update(input={"kind": "count"}, rule={"type": "relative_to_best"})
    return base


def synthetic_framework() -> Framework:
    mains = [
        {
            "code": f"M{m}",
            "name_vi": f"M{m}",
            "name_en": f"M{m}",
            "max_points": 100,
            "pillars": [["CQS", "KTS", "XHS"][m % 3]],
            "children": [_leaf(f"M{m}.{c:02d}", m * PER_MAIN + c) for c in range(PER_MAIN)],
        }
        for m in range(MAIN_INDICES)
    ]
    return framework_from_mapping(
        {
            "code": "bench",
            "version": "1",
            "name_vi": "Thử tải",
            "name_en": "Benchmark",
            "pillars": [
                {"code": "CQS", "name_vi": "Chính quyền số", "name_en": "Digital government"},
                {"code": "KTS", "name_vi": "Kinh tế số", "name_en": "Digital economy"},
                {"code": "XHS", "name_vi": "Xã hội số", "name_en": "Digital society"},
            ],
            "root": {"code": "IDX", "name_vi": "Chỉ số", "name_en": "Index", "children": mains},
        }
    )


def synthetic_data(fw: Framework) -> tuple[Data, list[str]]:
    rng = np.random.default_rng(SEED)
    n, k = UNITS, len(fw.leaves)
    values = np.empty((n, k))
    dens = np.full((n, k), np.nan)
    for j in range(k):
        kind = j % 6
        if kind == 0:
            den = rng.integers(0, 200, n).astype(float)
            values[:, j] = np.floor(den * rng.uniform(0, 1, n))
            dens[:, j] = den
        elif kind == 1:
            values[:, j] = rng.integers(0, 6, n)
        elif kind == 2:
            values[:, j] = rng.integers(0, 3, n)
        elif kind == 3:
            values[:, j] = rng.integers(0, 2, n)
        elif kind == 4:
            values[:, j] = rng.uniform(0, 100, n)
        else:
            values[:, j] = rng.integers(0, 50, n)
    gaps = rng.uniform(0, 1, (n, k)) < 0.02
    values[gaps] = np.nan
    dens[gaps] = np.nan
    units = [f"{i:05d}" for i in range(n)]
    districts = [f"H{i % 250:03d}" for i in range(n)]
    return Data.from_arrays(fw, units, values, denominators=dens), districts


def full_scoring(fw: Framework, data: Data, districts: list[str]) -> np.ndarray:
    results = score(fw, data, groups={"huyen_cu": districts})
    return contributions(results)


def pandas_row_by_row(fw: Framework, data: Data) -> pd.DataFrame:
    """What a spreadsheet-minded script does: one unit at a time, one rule at a time."""
    columns = [leaf.code for leaf in fw.leaves]
    frame = pd.DataFrame(data.values, columns=columns, index=list(data.units))
    dens = pd.DataFrame(data.denominators, columns=columns, index=list(data.units))
    best = {
        leaf.code: frame[leaf.code].max()
        for leaf in fw.leaves
        if leaf.rule is not None and leaf.rule.type.value == "relative_to_best"
    }
    rows = []
    for unit, row in frame.iterrows():
        main_points: dict[str, float] = {}
        for main in fw.root.children:
            total = 0.0
            for leaf in main.children:
                assert leaf.rule is not None
                value = row[leaf.code]
                if pd.isna(value):
                    continue
                rule = leaf.rule.type.value
                if rule == "ratio":
                    den = dens.at[unit, leaf.code]
                    share = 1.0 if den == 0 else min(value / den, 1.0)
                elif rule == "steps":
                    share = 0.0
                    for threshold, fraction in zip(
                        leaf.rule.thresholds, leaf.rule.step_fractions, strict=True
                    ):
                        if value >= threshold:
                            share = fraction
                elif rule == "choice":
                    share = leaf.rule.options[int(value)][1]
                elif rule == "boolean":
                    share = 1.0 if value else 0.0
                elif rule == "linear_to_target":
                    share = min(max(value / (leaf.rule.target or 1.0), 0.0), 1.0)
                else:
                    share = value / best[leaf.code] if best[leaf.code] > 0 else 0.0
                total += share * (leaf.max_points or 0.0)
            main_points[main.code] = total
        points = sum(main_points.values())
        rows.append({"unit": unit, "points": points, **main_points})
    out = pd.DataFrame(rows).set_index("unit")
    out["value"] = (out["points"] / 1000).round(4)
    out["rank"] = out["value"].rank(method="min", ascending=False).astype(int)
    return out


def main() -> None:
    fw = synthetic_framework()
    data, districts = synthetic_data(fw)
    full_scoring(fw, data, districts)  # warm caches (compiled plan, imports)
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        full_scoring(fw, data, districts)
        timings.append(time.perf_counter() - start)
    score_ms = statistics.median(timings) * 1000
    print(f"score_ms {score_ms:.1f}")

    start = time.perf_counter()
    monte_carlo(fw, data, draws=1000, seed=1)
    print(f"mc_s {time.perf_counter() - start:.2f}")

    start = time.perf_counter()
    monte_carlo(fw, data, draws=200, seed=1, sensitivity=True)
    print(f"sa_s {time.perf_counter() - start:.2f}")

    start = time.perf_counter()
    reference = pandas_row_by_row(fw, data)
    pandas_ms = (time.perf_counter() - start) * 1000
    results = score(fw, data)
    np.testing.assert_allclose(reference["points"].to_numpy(), results.points[:, 0], atol=1e-9)
    np.testing.assert_array_equal(reference["rank"].to_numpy(), results.rank)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak_rss_mb {peak_mb:.0f}")
    print(f"pandas_ms {pandas_ms:.0f}")
    print(f"speedup {pandas_ms / score_ms:.0f}")


if __name__ == "__main__":
    main()
