"""Monte Carlo rank bands, sensitivity indices and removal of each component."""

from __future__ import annotations

import numpy as np
import pytest

from xaso.index import Aggregation, Data, Normalisation, monte_carlo, remove_each_component, score
from xaso.index.tests.builders import dti, flat


def _dti_data(n: int = 30, seed: int = 1) -> tuple[object, Data]:
    fw = dti()
    rng = np.random.default_rng(seed)
    return fw, Data.from_arrays(
        fw, [f"P{i:02d}" for i in range(n)], rng.uniform(0, 1, (n, len(fw.leaves)))
    )


def test_monte_carlo_is_seeded_and_reproducible() -> None:
    fw, data = _dti_data()
    a = monte_carlo(fw, data, draws=50, seed=11)  # type: ignore[arg-type]
    b = monte_carlo(fw, data, draws=50, seed=11)  # type: ignore[arg-type]
    c = monte_carlo(fw, data, draws=50, seed=12)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.ranks, c.ranks)


def test_rank_band_contains_the_median_and_widens_with_noise() -> None:
    fw, data = _dti_data()
    calm = monte_carlo(fw, data, draws=100, weight_noise=0.05, aggregations=(None,))  # type: ignore[arg-type]
    wild = monte_carlo(fw, data, draws=100, weight_noise=0.9, aggregations=(None,))  # type: ignore[arg-type]
    assert (calm.rank_p05 <= calm.median_rank).all() and (calm.median_rank <= calm.rank_p95).all()
    assert (wild.rank_p95 - wild.rank_p05).mean() > (calm.rank_p95 - calm.rank_p05).mean()
    assert calm.shift.mean() < wild.shift.mean()


def test_sensitivity_indices_blame_the_only_uncertain_choice() -> None:
    fw, data = _dti_data()
    mc = monte_carlo(
        fw,  # type: ignore[arg-type]
        data,
        draws=400,
        weight_noise=0.0,
        aggregations=(None, Aggregation.GEOMETRIC, Aggregation.HARMONIC),
        normalisations=(None,),
        sensitivity=True,
    )
    assert mc.inputs == ("aggregation",)
    # With one uncertain input it explains all the variance: S1 = ST = 1 up to sampling.
    assert mc.total_order["aggregation"] == pytest.approx(1.0, abs=0.15)
    assert mc.first_order["aggregation"] == pytest.approx(1.0, abs=0.15)
    assert mc.ranks.shape == (800, 30)


def test_sensitivity_with_several_inputs_reports_each() -> None:
    fw, data = _dti_data()
    mc = monte_carlo(
        fw,  # type: ignore[arg-type]
        data,
        draws=64,
        weight_noise=0.3,
        normalisations=(None, Normalisation.RANK),
        sensitivity=True,
    )
    assert set(mc.first_order) == set(mc.total_order) == {"weights", "aggregation", "normalisation"}
    for name in mc.inputs:
        assert mc.total_order[name] >= 0


def test_removing_each_component_reports_rank_changes() -> None:
    fw = flat([80, 20])
    data = Data.from_arrays(fw, ["A", "B", "C"], [[1.0, 0.0], [0.5, 1.0], [0.0, 0.5]])
    assert list(score(fw, data).rank) == [1, 2, 3]
    removal = remove_each_component(fw, data)
    assert removal.removed == ("L0", "L1")
    # Without L0 only L1 counts: B first, C second, A last.
    assert list(removal.rank_change[0]) == [2, -1, -1]
    # Without L1 ranks follow L0 alone: unchanged.
    assert list(removal.rank_change[1]) == [0, 0, 0]
    assert removal.mean_abs_shift[0] == pytest.approx(4 / 3)
