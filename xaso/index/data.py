"""Số liệu — unit data aligned with a framework's leaves, as NumPy arrays.

All cells are floats with NaN for "no data". A ratio leaf keeps its numerator in
``values`` and its denominator in ``denominators``; a ratio given directly as a share is
stored as share / 1. A choice leaf stores the index of the chosen option. Values given
for a non-leaf node (published 0–1 values when no component data exists) are kept in
``overrides`` and replace the value computed from that node's children.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from xaso.index.errors import DataError, Issue
from xaso.index.loading import option_code
from xaso.index.model import Framework, InputKind, Node

FloatArray = NDArray[np.float64]
Cell = float | int | str | bool | None

_TRUE = frozenset({"1", "true", "yes", "y", "x", "có", "co", "đạt", "dat", "c"})
_FALSE = frozenset({"0", "false", "no", "n", "không", "khong", "chưa", "chua", "k"})


@dataclass(frozen=True)
class Data:
    """Số liệu của các đơn vị — one row per unit, one column per framework leaf."""

    framework: Framework
    units: tuple[str, ...]
    values: FloatArray
    denominators: FloatArray
    names: tuple[str, ...] = ()
    overrides: Mapping[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = (len(self.units), len(self.framework.leaves))
        if self.values.shape != shape or self.denominators.shape != shape:
            raise ValueError(f"data arrays must have shape {shape}")
        if self.names and len(self.names) != len(self.units):
            raise ValueError("names must match units")

    @property
    def unit_names(self) -> tuple[str, ...]:
        return self.names or self.units

    @classmethod
    def from_arrays(
        cls,
        framework: Framework,
        units: Sequence[str],
        values: NDArray[np.floating] | Sequence[Sequence[float]],
        *,
        denominators: NDArray[np.floating] | None = None,
        names: Sequence[str] = (),
        overrides: Mapping[str, NDArray[np.floating] | Sequence[float]] | None = None,
    ) -> Data:
        """Wrap arrays (units × leaves, framework leaf order) after checking them.

        ``denominators`` may be omitted: ratio leaves then read ``values`` as the share
        a/b directly. Raises ``DataError`` for every bad cell.
        """
        array = np.array(values, dtype=np.float64)
        if denominators is None:
            dens = np.full(array.shape, np.nan)
            for j, leaf in enumerate(framework.leaves):
                if _kind(leaf) is InputKind.RATIO:
                    dens[:, j] = np.where(np.isnan(array[:, j]), np.nan, 1.0)
        else:
            dens = np.array(denominators, dtype=np.float64)
        over = {code: np.asarray(v, dtype=np.float64) for code, v in (overrides or {}).items()}
        data = cls(framework, tuple(units), array, dens, tuple(names), over)
        issues = validate(data, origin="<arrays>")
        if issues:
            raise DataError(issues)
        return data

    @classmethod
    def from_mapping(
        cls,
        framework: Framework,
        rows: Mapping[str, Mapping[str, Cell]],
        *,
        names: Mapping[str, str] | None = None,
        origin: str = "<mapping>",
    ) -> Data:
        """Build from ``{unit_code: {column: cell}}``: leaf codes, ``CODE.num``/``CODE.den``
        for ratios, option codes for choices, yes/no for booleans, node codes for 0–1
        published values. Raises ``DataError`` listing every bad cell."""
        builder = DataBuilder(framework, origin)
        for row_number, (unit, row) in enumerate(rows.items(), start=1):
            builder.add_row(row_number, unit, (names or {}).get(unit, ""), row)
        return builder.build()


def _kind(leaf: Node) -> InputKind:
    return leaf.input.kind if leaf.input is not None else InputKind.NUMBER


class DataBuilder:
    """Collects rows cell by cell, recording every problem with its row and column."""

    def __init__(self, framework: Framework, origin: str) -> None:
        self.framework = framework
        self.origin = origin
        self.units: list[str] = []
        self.names: list[str] = []
        self.rows: list[list[float]] = []
        self.dens: list[list[float]] = []
        self.overrides: dict[str, list[float]] = {}
        self.issues: list[Issue] = []
        self._seen: dict[str, int] = {}
        self._leaf_index = framework.leaf_index
        self._inner = {n.code for n in framework.nodes if not n.is_leaf}

    def where(self, row: int, column: str) -> str:
        return f"{self.origin}, dòng/row {row}, cột/column {column}"

    def check_columns(self, columns: Sequence[str], row: int = 1) -> None:
        """Report unknown column names once, for the header row."""
        for column in columns:
            if self._column_target(column) is None:
                self.issues.append(
                    Issue(
                        self.where(row, column),
                        f"Cột '{column}' không phải mã chỉ tiêu nào của bộ chỉ số "
                        f"{self.framework.code}",
                        f"Column '{column}' is not a code of framework {self.framework.code}",
                    )
                )

    def _column_target(self, column: str) -> tuple[str, str] | None:
        if column in ("unit_code", "unit_name"):
            return ("meta", column)
        if column in self._leaf_index:
            return ("leaf", column)
        if column in self._inner:
            return ("node", column)
        for suffix in (".num", ".den"):
            base = column.removesuffix(suffix)
            if column.endswith(suffix) and base in self._leaf_index:
                leaf = self.framework.leaves[self._leaf_index[base]]
                if _kind(leaf) is InputKind.RATIO:
                    return (suffix, base)
        return None

    def add_row(self, row: int, unit: str, name: str, cells: Mapping[str, Cell]) -> None:
        unit = unit.strip()
        if not unit:
            self.issues.append(
                Issue(self.where(row, "unit_code"), "Thiếu mã đơn vị", "The unit code is missing")
            )
            return
        if unit in self._seen:
            self.issues.append(
                Issue(
                    self.where(row, "unit_code"),
                    f"Đơn vị '{unit}' trùng với dòng {self._seen[unit]}",
                    f"Unit '{unit}' duplicates row {self._seen[unit]}",
                )
            )
            return
        self._seen[unit] = row
        n = len(self.framework.leaves)
        values = [math.nan] * n
        dens = [math.nan] * n
        nums_seen: dict[int, float] = {}
        dens_seen: dict[int, float] = {}
        for column, cell in cells.items():
            target = self._column_target(column)
            if target is None:
                self.check_columns([column], row)
                continue
            role, code = target
            if role == "meta":
                continue
            if role == "node":
                value = self._number(row, column, cell)
                if not math.isnan(value) and not 0 <= value <= 1:
                    self._bad(
                        row,
                        column,
                        cell,
                        "giá trị chỉ số phải trong [0, 1]",
                        "an index value must be within [0, 1]",
                    )
                    value = math.nan
                self.overrides.setdefault(code, [math.nan] * len(self.units))
                self.overrides[code].append(value)
                continue
            j = self._leaf_index[code]
            leaf = self.framework.leaves[j]
            if role == ".num":
                nums_seen[j] = self._count(row, column, cell)
            elif role == ".den":
                dens_seen[j] = self._count(row, column, cell)
            else:
                values[j], dens[j] = self._leaf_cell(row, column, leaf, cell)
        for j in set(nums_seen) | set(dens_seen):
            code = self.framework.leaves[j].code
            num, den = nums_seen.get(j, math.nan), dens_seen.get(j, math.nan)
            if math.isnan(num) != math.isnan(den):
                self.issues.append(
                    Issue(
                        self.where(row, f"{code}.num/{code}.den"),
                        "Phải nhập cả tử số và mẫu số",
                        "Both numerator and denominator are needed",
                    )
                )
                continue
            if num > den:
                self.issues.append(
                    Issue(
                        self.where(row, f"{code}.num"),
                        f"Tử số {num:g} lớn hơn mẫu số {den:g}",
                        f"Numerator {num:g} exceeds denominator {den:g}",
                    )
                )
                continue
            if not math.isnan(values[j]):
                self.issues.append(
                    Issue(
                        self.where(row, code),
                        f"'{code}' được nhập cả trực tiếp và bằng tử/mẫu số",
                        f"'{code}' is given both directly and as numerator/denominator",
                    )
                )
                continue
            values[j], dens[j] = num, den
        self.units.append(unit)
        self.names.append(name.strip() if name else "")
        self.rows.append(values)
        self.dens.append(dens)
        for column_values in self.overrides.values():
            if len(column_values) < len(self.units):
                column_values.append(math.nan)

    def _bad(self, row: int, column: str, cell: Cell, vi: str, en: str) -> None:
        self.issues.append(
            Issue(self.where(row, column), f"Giá trị '{cell}': {vi}", f"Value '{cell}': {en}")
        )

    def _number(self, row: int, column: str, cell: Cell) -> float:
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return math.nan
        if isinstance(cell, bool):
            return float(cell)
        if isinstance(cell, int | float):
            value = float(cell)
        else:
            text = cell.strip().replace("\u00a0", "").replace(" ", "")
            # Vietnamese writes decimals with a comma; a lone comma is the decimal mark.
            if text.count(",") == 1 and "." not in text:
                text = text.replace(",", ".")
            try:
                value = float(text)
            except ValueError:
                self._bad(row, column, cell, "không phải là số", "is not a number")
                return math.nan
        if not math.isfinite(value):
            self._bad(row, column, cell, "không phải là số hữu hạn", "is not a finite number")
            return math.nan
        return value

    def _count(self, row: int, column: str, cell: Cell) -> float:
        value = self._number(row, column, cell)
        if value < 0:
            self._bad(row, column, cell, "không được âm", "must not be negative")
            return math.nan
        return value

    def _leaf_cell(self, row: int, column: str, leaf: Node, cell: Cell) -> tuple[float, float]:
        kind = _kind(leaf)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return math.nan, math.nan
        if kind is InputKind.CHOICE:
            assert leaf.rule is not None
            code = option_code(cell)
            for index, (option, _) in enumerate(leaf.rule.options):
                if option == code:
                    return float(index), math.nan
            allowed = ", ".join(option for option, _ in leaf.rule.options)
            self._bad(
                row,
                column,
                cell,
                f"không phải lựa chọn hợp lệ ({allowed})",
                f"is not a valid option ({allowed})",
            )
            return math.nan, math.nan
        if kind is InputKind.BOOLEAN:
            text = option_code(cell)
            if text in _TRUE:
                return 1.0, math.nan
            if text in _FALSE:
                return 0.0, math.nan
            self._bad(row, column, cell, "phải là có/không (1/0)", "must be yes/no (1/0)")
            return math.nan, math.nan
        if kind is InputKind.COUNT:
            return self._count(row, column, cell), math.nan
        value = self._number(row, column, cell)
        if kind is InputKind.RATIO:
            if not math.isnan(value) and not 0 <= value <= 1:
                self._bad(
                    row,
                    column,
                    cell,
                    "tỷ lệ nhập trực tiếp phải trong [0, 1] (hoặc dùng .num/.den)",
                    "a ratio given directly must be within [0, 1] (or use .num/.den)",
                )
                return math.nan, math.nan
            return value, (math.nan if math.isnan(value) else 1.0)
        return value, math.nan

    def build(self) -> Data:
        if self.issues:
            raise DataError(self.issues)
        n = len(self.framework.leaves)
        values = np.array(self.rows, dtype=np.float64).reshape(len(self.units), n)
        dens = np.array(self.dens, dtype=np.float64).reshape(len(self.units), n)
        overrides = {code: np.array(v, dtype=np.float64) for code, v in self.overrides.items()}
        has_names = any(self.names)
        return Data(
            self.framework,
            tuple(self.units),
            values,
            dens,
            tuple(name or unit for name, unit in zip(self.names, self.units, strict=True))
            if has_names
            else (),
            overrides,
        )


def validate(data: Data, *, origin: str) -> list[Issue]:
    """Every problem in already-built arrays: duplicates, negatives, num > den, bad options."""
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for row, unit in enumerate(data.units, start=1):
        if unit in seen:
            issues.append(
                Issue(
                    f"{origin}, dòng/row {row}, cột/column unit_code",
                    f"Đơn vị '{unit}' trùng với dòng {seen[unit]}",
                    f"Unit '{unit}' duplicates row {seen[unit]}",
                )
            )
        seen.setdefault(unit, row)
    values, dens = data.values, data.denominators
    for j, leaf in enumerate(data.framework.leaves):
        kind = _kind(leaf)
        column = values[:, j]
        bad: NDArray[np.bool_] = np.zeros(len(column), dtype=bool)
        vi = en = ""
        if kind is InputKind.COUNT:
            bad = column < 0
            vi, en = "không được âm", "must not be negative"
        elif kind is InputKind.RATIO:
            den = dens[:, j]
            bad = (column < 0) | (den < 0) | (column > den) | (np.isnan(column) != np.isnan(den))
            vi, en = (
                "tử số âm, mẫu số âm, thiếu một vế hoặc tử số > mẫu số",
                "negative, half-given, or numerator > denominator",
            )
        elif kind is InputKind.CHOICE:
            assert leaf.rule is not None
            k = len(leaf.rule.options)
            bad = ~np.isnan(column) & ((column < 0) | (column >= k) | (column != np.floor(column)))
            vi, en = "không phải chỉ số lựa chọn hợp lệ", "is not a valid option index"
        elif kind is InputKind.BOOLEAN:
            bad = ~np.isnan(column) & (column != 0) & (column != 1)
            vi, en = "phải là 0 hoặc 1", "must be 0 or 1"
        bad |= np.isinf(column)
        for i in np.flatnonzero(bad):
            issues.append(
                Issue(
                    f"{origin}, dòng/row {i + 1}, cột/column {leaf.code}",
                    f"Giá trị {column[i]:g}: {vi or 'không hữu hạn'}",
                    f"Value {column[i]:g}: {en or 'is not finite'}",
                )
            )
    for code, array in data.overrides.items():
        if code not in data.framework.node_index or data.framework.node(code).is_leaf:
            issues.append(
                Issue(
                    origin, f"'{code}' không phải nút có children", f"'{code}' is not an inner node"
                )
            )
        elif array.shape != (len(data.units),) or bool(np.any((array < 0) | (array > 1))):
            issues.append(
                Issue(
                    f"{origin}, cột/column {code}",
                    "Giá trị chỉ số phải là mảng theo đơn vị, trong [0, 1]",
                    "Index values must be one per unit, within [0, 1]",
                )
            )
    return issues
