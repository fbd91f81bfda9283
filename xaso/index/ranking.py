"""Xếp hạng — rounding as published and standard competition ranks ("1224" ranking).

Ranks are computed on the *published* rounded value, so two units shown with the same
score share a rank and the next rank is skipped (DTI 2022: 15, 15, 17).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from xaso.index.data import FloatArray

IntArray = NDArray[np.int64]


def round_half_up(values: FloatArray, decimals: int) -> FloatArray:
    """Round as a spreadsheet does (0.12345 → 0.1235), not to even.

    Multiplying by 10**d leaves binary noise (0.12345 × 10⁴ = 1234.4999…), so the product
    is first cleaned at 1e-6 of a unit in the last published place.
    """
    factor = 10.0**decimals
    scaled = np.round(values * factor, 6)
    return np.floor(scaled + 0.5) / factor


def ticks(rounded: FloatArray, decimals: int) -> IntArray:
    """Rounded values as exact integers in units of the last decimal; -1 for missing."""
    scaled = np.rint(np.nan_to_num(rounded, nan=-1.0) * 10.0**decimals)
    return np.where(np.isnan(rounded), -1, scaled).astype(np.int64)


def competition_ranks(rounded: FloatArray, decimals: int) -> IntArray:
    """Rank each column (units × columns) high-to-low; ties share; 0 means no value.

    One sort over all columns at once: rank = 1 + the number of units strictly above.
    """
    matrix = rounded if rounded.ndim == 2 else rounded[:, np.newaxis]
    keys = ticks(matrix, decimals)
    n = keys.shape[0]
    order = np.argsort(-keys, axis=0, kind="stable")
    ordered = np.take_along_axis(keys, order, axis=0)
    position = np.arange(n)[:, np.newaxis]
    starts_tie = np.ones(ordered.shape, dtype=bool)
    starts_tie[1:] = ordered[1:] != ordered[:-1]
    first_of_tie = np.maximum.accumulate(np.where(starts_tie, position, 0), axis=0)
    ranks = np.empty_like(keys)
    np.put_along_axis(ranks, order, first_of_tie + 1, axis=0)
    ranks = np.where(keys < 0, 0, ranks)
    return ranks if rounded.ndim == 2 else ranks[:, 0]


def group_ranks(rounded: FloatArray, decimals: int, labels: Sequence[str]) -> IntArray:
    """Competition ranks within each peer group (xã/phường, former district, …).

    Groups are encoded into the sort key so one sort ranks every group of every column.
    """
    matrix = rounded if rounded.ndim == 2 else rounded[:, np.newaxis]
    _, group = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    keys = ticks(matrix, decimals)
    span = np.int64(10**decimals + 2)
    # Higher groups sort first; inside a group, higher values first. Missing (-1) sorts
    # last in its group because it is the lowest key there.
    combined = group.astype(np.int64)[:, np.newaxis] * span + (keys + 1)
    n = keys.shape[0]
    order = np.argsort(-combined, axis=0, kind="stable")
    ordered = np.take_along_axis(combined, order, axis=0)
    ordered_group = group[order]
    position = np.arange(n)[:, np.newaxis]
    starts_group = np.ones(ordered.shape, dtype=bool)
    starts_group[1:] = ordered_group[1:] != ordered_group[:-1]
    starts_tie = np.ones(ordered.shape, dtype=bool)
    starts_tie[1:] = ordered[1:] != ordered[:-1]
    group_start = np.maximum.accumulate(np.where(starts_group, position, 0), axis=0)
    tie_start = np.maximum.accumulate(np.where(starts_tie, position, 0), axis=0)
    ranks = np.empty_like(keys)
    np.put_along_axis(ranks, order, tie_start - group_start + 1, axis=0)
    ranks = np.where(keys < 0, 0, ranks)
    return ranks if rounded.ndim == 2 else ranks[:, 0]
