"""Bảng tính — reading unit data and groups from CSV/XLSX, writing results as CSV,
XLSX or JSON. openpyxl is imported only when a workbook is actually read or written.

Writers go through a temporary file in the destination folder and an atomic rename, so
a failed run never leaves a half-written results file behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from xaso.index.data import Cell, Data, DataBuilder
from xaso.index.errors import DataError, Issue
from xaso.index.model import Framework
from xaso.index.scoring import Results
from xaso.index.uncertainty import MonteCarloResult

Table = tuple[list[str], list[tuple[int, list[Cell]]]]


def read_table(path: Path) -> Table:
    """Header and numbered rows (spreadsheet row numbers) of a CSV or XLSX file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _read_csv(path)
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path)
    except OSError as exc:
        raise DataError(
            [Issue(str(path), f"Không mở được tệp: {exc}", f"Cannot open file: {exc}")]
        ) from exc
    raise DataError(
        [
            Issue(
                str(path),
                "Chỉ đọc được tệp .csv hoặc .xlsx",
                "Only .csv or .xlsx files can be read",
            )
        ]
    )


def _read_csv(path: Path) -> Table:
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    body: list[tuple[int, list[Cell]]] = [
        (n, list(row)) for n, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)
    ]
    return header, body


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise DataError(
            [Issue(str(path), f"Tệp Excel hỏng: {exc}", f"Damaged workbook: {exc}")]
        ) from exc
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    workbook.close()
    if not rows:
        return [], []
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    body: list[tuple[int, list[Cell]]] = []
    for n, row in enumerate(rows[1:], start=2):
        cells: list[Cell] = [_cell(c) for c in row]
        if any(c not in (None, "") for c in cells):
            body.append((n, cells))
    return header, body


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def read_data(framework: Framework, path: Path) -> Data:
    """Số liệu từ tệp — one row per unit: ``unit_code``, optional ``unit_name``, then one
    column per leaf code (``CODE.num``/``CODE.den`` for ratios) or inner-node code."""
    header, body = read_table(path)
    builder = DataBuilder(framework, path.name)
    if "unit_code" not in header:
        raise DataError(
            [
                Issue(
                    f"{path.name}, dòng/row 1",
                    "Thiếu cột unit_code",
                    "The unit_code column is missing",
                )
            ]
        )
    duplicates = {h for h in header if header.count(h) > 1 and h}
    for column in sorted(duplicates):
        builder.issues.append(
            Issue(builder.where(1, column), "Cột bị lặp", "The column appears twice")
        )
    builder.check_columns([h for h in header if h])
    code_at = header.index("unit_code")
    name_at = header.index("unit_name") if "unit_name" in header else None
    for row_number, cells in body:
        padded = cells + [None] * (len(header) - len(cells))
        unit = padded[code_at]
        name = padded[name_at] if name_at is not None else ""
        row = {
            h: c
            for h, c in zip(header, padded, strict=False)
            if h and h not in ("unit_code", "unit_name")
        }
        builder.add_row(
            row_number,
            "" if unit is None else _code_text(unit),
            "" if name is None else str(name),
            row,
        )
    return builder.build()


def _code_text(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_groups(path: Path, units: Sequence[str]) -> dict[str, dict[str, str]]:
    """Nhóm so sánh — ``unit_code`` then one column per grouping (e.g. ``loai``,
    ``huyen_cu``); every scored unit must appear."""
    header, body = read_table(path)
    if "unit_code" not in header:
        raise DataError(
            [
                Issue(
                    f"{path.name}, dòng/row 1",
                    "Thiếu cột unit_code",
                    "The unit_code column is missing",
                )
            ]
        )
    code_at = header.index("unit_code")
    names = [h for h in header if h and h not in ("unit_code", "unit_name")]
    groups: dict[str, dict[str, str]] = {name: {} for name in names}
    issues: list[Issue] = []
    for row_number, cells in body:
        padded = cells + [None] * (len(header) - len(cells))
        unit = _code_text(padded[code_at]) if padded[code_at] is not None else ""
        for h, c in zip(header, padded, strict=False):
            if h in groups and c not in (None, ""):
                groups[h][unit] = _code_text(c)
        if unit not in units:
            issues.append(
                Issue(
                    f"{path.name}, dòng/row {row_number}, cột/column unit_code",
                    f"Đơn vị '{unit}' không có trong dữ liệu",
                    f"Unit '{unit}' is not in the data",
                )
            )
    for name, labels in groups.items():
        for unit in units:
            if unit not in labels:
                issues.append(
                    Issue(
                        f"{path.name}, cột/column {name}",
                        f"Đơn vị '{unit}' chưa có nhóm",
                        f"Unit '{unit}' has no group",
                    )
                )
    if issues:
        raise DataError(issues)
    return groups


def _atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    directory = path.resolve().parent
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _num(value: float, digits: int | None = None) -> float | None:
    if math.isnan(value):
        return None
    return round(value, digits) if digits is not None else float(value)


def results_json(results: Results, mc: MonteCarloResult | None = None) -> dict[str, Any]:
    """The CLI's JSON shape: framework, then one entry per unit with every node."""
    framework = results.framework
    units = []
    for i, unit in enumerate(results.units):
        entry = results.unit(unit)
        if mc is not None:
            entry["uncertainty"] = {
                "median_rank": _num(mc.median_rank[i]),
                "rank_p05": _num(mc.rank_p05[i]),
                "rank_p95": _num(mc.rank_p95[i]),
            }
        units.append(entry)
    document: dict[str, Any] = {
        "framework": {
            "code": framework.code,
            "version": framework.version,
            "name_vi": framework.name_vi,
            "name_en": framework.name_en,
            "status": framework.status,
            "rounding": framework.rounding,
        },
        "units": units,
    }
    if mc is not None:
        document["uncertainty"] = {
            "draws": int(mc.ranks.shape[0]),
            "inputs": list(mc.inputs),
            "first_order": mc.first_order,
            "total_order": mc.total_order,
        }
    return document


def _order(results: Results) -> list[int]:
    ranks = results.ranks[:, 0]
    return sorted(
        range(len(results.units)), key=lambda i: (ranks[i] == 0, ranks[i], results.units[i])
    )


def _rank_rows(results: Results, mc: MonteCarloResult | None) -> tuple[list[str], list[list[Any]]]:
    framework = results.framework
    mains = framework.main_indices
    header = ["Hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm", f"Chỉ số {framework.root.code}"]
    for node in mains:
        header += [f"{node.code} {node.name_vi} (giá trị)", f"{node.code} (hạng)"]
    for pillar in framework.pillars:
        header += [f"Trụ cột {pillar.name_vi} (giá trị)", f"Trụ cột {pillar.code} (hạng)"]
    for name in results.group_ranks:
        header.append(f"Hạng trong nhóm {name}")
    if mc is not None:
        header += ["Hạng trung vị", "Hạng P5", "Hạng P95"]
    rows: list[list[Any]] = []
    for i in _order(results):
        row: list[Any] = [
            int(results.ranks[i, 0]) or None,
            results.units[i],
            results.names[i],
            _num(results.points[i, 0], 4),
            _num(results.rounded[i, 0]),
        ]
        for node in mains:
            j = results.column(node.code)
            row += [_num(results.rounded[i, j]), int(results.ranks[i, j]) or None]
        for p in range(len(framework.pillars)):
            row += [_num(results.pillars.rounded[i, p]), int(results.pillars.ranks[i, p]) or None]
        for ranks in results.group_ranks.values():
            row.append(int(ranks[i, 0]) or None)
        if mc is not None:
            row += [_num(mc.median_rank[i]), _num(mc.rank_p05[i]), _num(mc.rank_p95[i])]
        rows.append(row)
    return header, rows


def _component_rows(results: Results) -> tuple[list[str], list[list[Any]]]:
    framework = results.framework
    header = ["Mã đơn vị", "Tên đơn vị"] + [f"{leaf.code} (điểm)" for leaf in framework.leaves]
    rows: list[list[Any]] = []
    for i in _order(results):
        row: list[Any] = [results.units[i], results.names[i]]
        row += [_num(results.points[i, results.column(leaf.code)], 4) for leaf in framework.leaves]
        rows.append(row)
    return header, rows


def _text_cell(value: Any) -> Any:
    """Text from the input file (a unit's name) never starts a formula in the output
    (OWASP "CSV injection"); the site's exports use ``xaso.core.spreadsheets``, which this
    pure package may not import."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def write_results(results: Results, path: Path, mc: MonteCarloResult | None = None) -> None:
    """Write results to ``path`` (.csv, .xlsx or .json) atomically."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        payload = json.dumps(results_json(results, mc), ensure_ascii=False, indent=2).encode()
        _atomic_write(path, lambda f: f.write(payload))
    elif suffix == ".csv":
        header, rows = _csv_rows(results, mc)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(["" if c is None else _text_cell(c) for c in row] for row in rows)
        data = buffer.getvalue().encode("utf-8-sig")
        _atomic_write(path, lambda f: f.write(data))
    elif suffix == ".xlsx":
        _atomic_write(path, lambda f: _write_xlsx(results, mc, f))
    else:
        raise ValueError(f"unsupported output format {suffix!r}; use .csv, .xlsx or .json")


def _csv_rows(results: Results, mc: MonteCarloResult | None) -> tuple[list[str], list[list[Any]]]:
    """Machine-readable: stable column names (code.value / code.points / code.rank)."""
    header = ["unit_code", "unit_name", "score", "points", "rank"]
    for node in results.framework.nodes:
        header += [f"{node.code}.value", f"{node.code}.points", f"{node.code}.rank"]
    for name in results.group_ranks:
        header.append(f"rank_{name}")
    for pillar in results.framework.pillars:
        header += [f"pillar.{pillar.code}.value", f"pillar.{pillar.code}.rank"]
    if mc is not None:
        header += ["median_rank", "rank_p05", "rank_p95"]
    rows: list[list[Any]] = []
    for i in _order(results):
        row: list[Any] = [
            results.units[i],
            results.names[i],
            _num(results.rounded[i, 0]),
            _num(results.points[i, 0]),
            int(results.ranks[i, 0]) or None,
        ]
        for j in range(len(results.framework.nodes)):
            row += [
                _num(results.rounded[i, j]),
                _num(results.points[i, j]),
                int(results.ranks[i, j]) or None,
            ]
        for ranks in results.group_ranks.values():
            row.append(int(ranks[i, 0]) or None)
        for p in range(len(results.framework.pillars)):
            row += [_num(results.pillars.rounded[i, p]), int(results.pillars.ranks[i, p]) or None]
        if mc is not None:
            row += [_num(mc.median_rank[i]), _num(mc.rank_p05[i]), _num(mc.rank_p95[i])]
        rows.append(row)
    return header, rows


def _write_xlsx(results: Results, mc: MonteCarloResult | None, stream: IO[bytes]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    framework = results.framework
    workbook = Workbook()
    sheets = [("Xếp hạng", _rank_rows(results, mc)), ("Thành phần", _component_rows(results))]
    leaves_header = ["Mã", "Tên chỉ tiêu", "Điểm tối đa", "Nguồn dữ liệu", "Tài liệu kiểm chứng"]
    scale = {
        leaf.code: float(results.scale[results.column(leaf.code)]) for leaf in framework.leaves
    }
    leaves_rows: list[list[Any]] = [
        [leaf.code, leaf.name_vi, scale[leaf.code], leaf.source or "", leaf.evidence_vi or ""]
        for leaf in framework.leaves
    ]
    sheets.append(("Chỉ tiêu", (leaves_header, leaves_rows)))
    for k, (title, (header, rows)) in enumerate(sheets):
        sheet = workbook.active if k == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append([_text_cell(f"{framework.name_vi} — {framework.code} {framework.version}")])
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_text_cell(c) for c in row])
        sheet.freeze_panes = "A3"
    workbook.save(stream)


def format_table(
    results: Results, mc: MonteCarloResult | None = None, limit: int | None = None
) -> str:
    """A readable Vietnamese table for the terminal, best rank first."""
    header, rows = _rank_rows(results, mc)
    shown = rows if limit is None else rows[:limit]
    cells = [[_show(c) for c in header]] + [[_show(c) for c in row] for row in shown]
    widths = [max(len(row[k]) for row in cells) for k in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if k in (1, 2) else c.rjust(w)
                for k, (c, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if limit is not None and len(rows) > limit:
        lines.append(f"… và {len(rows) - limit} đơn vị khác")
    return "\n".join(lines)


def _show(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}".replace(".", ",")
    return str(value)
