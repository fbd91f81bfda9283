"""Xếp hạng — rounding as published and standard competition ranks ("1224" ranking).

Ranks are computed on the *published* rounded value, so two units shown with the same
score share a rank and the next rank is skipped (DTI 2022: 15, 15, 17).

Rounded values are handled as exact integers ("ticks" of the last published decimal),
so ties are exact and a unit's tick and row number pack into one int64 sort key: one
plain sort per column ranks everything, with no argsort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from xaso.index.data import FloatArray

IntArray = NDArray[np.int64]


def published_ticks(values: FloatArray, decimals: int) -> IntArray:
    """Values rounded half-up as a spreadsheet does (0.12345 → 0.1235), in integer units
    of the last decimal; -1 where there is no value.

    Multiplying by 10**d leaves binary noise (0.12345 × 10⁴ = 1234.4999…), so halves are
    recognised within 1e-6 of a unit in the last published place.
    """
    ticks = np.floor(values * 10.0**decimals + (0.5 + 1e-6))
    return np.where(np.isnan(ticks), -1, ticks).astype(np.int64)


def from_ticks(ticks: IntArray, decimals: int) -> FloatArray:
    """The published (rounded) values that ``ticks`` stand for; NaN for -1."""
    return np.where(ticks < 0, np.nan, ticks / 10.0**decimals)


def round_half_up(values: FloatArray, decimals: int) -> FloatArray:
    """Round as published: half away from zero for the non-negative values indices take."""
    return from_ticks(published_ticks(values, decimals), decimals)


def _column_major(ticks: IntArray) -> IntArray:
    matrix = ticks if ticks.ndim == 2 else ticks[:, np.newaxis]
    return np.ascontiguousarray(matrix.T)


def _ranks_by_sort(keys: IntArray, group: IntArray | None) -> IntArray:
    """Competition ranks along each row of ``keys`` (columns × units), higher key first.

    With ``group`` (one id per unit), keys must be group-major (``group × span + value``)
    so each group occupies the same block of sorted positions in every column; ranks
    then restart at 1 in each block.
    """
    n_cols, n = keys.shape
    if n == 0:
        return np.zeros_like(keys)
    bits = max(1, int(n).bit_length())
    top = int(keys.max()) if keys.size else 0
    rows = np.arange(n_cols, dtype=np.int64)[:, np.newaxis]
    width = top.bit_length() + bits
    if width <= 62:
        packed: NDArray[np.signedinteger[Any]]
        if width <= 31:
            # 32-bit keys halve the memory traffic of every step when they fit.
            packed = ((top - keys).astype(np.int32) << bits) | np.arange(n, dtype=np.int32)
        else:
            packed = ((top - keys) << bits) | np.arange(n, dtype=np.int64)
        packed.sort(axis=1)
        order = packed & ((1 << bits) - 1)
        ordered = packed >> bits
    else:  # keys too wide to share an int64 with the row number
        order = np.argsort(-keys, axis=1, kind="stable")
        ordered = np.take_along_axis(keys, order, axis=1)
    position = np.arange(n, dtype=np.int32)
    starts = np.empty(ordered.shape, dtype=bool)
    starts[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=starts[:, 1:])
    in_order = np.maximum.accumulate(starts * position, axis=1)
    in_order += 1
    if group is not None:
        sizes = np.bincount(group)[::-1]  # highest group id sorts first
        block_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int32)
        in_order -= np.repeat(block_start, sizes)[np.newaxis, :]
    ranks = np.empty(keys.size, dtype=np.int64)
    # One flat scatter is much cheaper than 2-D fancy indexing.
    ranks[(order + rows * n).reshape(-1)] = in_order.reshape(-1)
    return ranks.reshape(keys.shape)


def competition_ranks_of_ticks(ticks: IntArray) -> IntArray:
    """Ranks (same shape as ``ticks``) high-to-low; ties share; 0 means no value."""
    keys = _column_major(ticks)
    ranks = np.where(keys < 0, 0, _ranks_by_sort(keys, None)).T
    return ranks if ticks.ndim == 2 else ranks[:, 0]


def group_ranks_of_ticks(ticks: IntArray, labels: Sequence[str]) -> IntArray:
    """Competition ranks within each peer group (xã/phường, former district, …)."""
    keys = _column_major(ticks)
    codes: dict[str, int] = {}
    group = np.array([codes.setdefault(label, len(codes)) for label in labels], dtype=np.int64)
    span = int(keys.max()) + 2 if keys.size else 1
    # Group-major keys: every group's block sorts together, best first inside it; the
    # empty value (-1) becomes 0, the lowest key of its group.
    grouped = group[np.newaxis, :] * span + (keys + 1)
    ranks = np.where(keys < 0, 0, _ranks_by_sort(grouped, group)).T
    return ranks if ticks.ndim == 2 else ranks[:, 0]


def competition_ranks(rounded: FloatArray, decimals: int) -> IntArray:
    """Competition ranks of already-rounded values (units × columns, or one column)."""
    return competition_ranks_of_ticks(published_ticks(rounded, decimals))


def group_ranks(rounded: FloatArray, decimals: int, labels: Sequence[str]) -> IntArray:
    """Competition ranks within peer groups of already-rounded values."""
    return group_ranks_of_ticks(published_ticks(rounded, decimals), labels)
