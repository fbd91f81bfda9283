"""Excel round trip (openpyxl): templates out, every cell checked on the way back in.

Two templates, both with a locked structure (sheet protection; only the input cells,
shaded, are unlocked), dropdowns for choices (lists on a hidden sheet, since an inline
list is limited to 255 characters), an input hint per column and last period's values:

- a unit's form (sheet ``Phieu``): one row per criterion;
- a province-wide workbook (sheet ``SoLieu``): one row per unit, one column per
  criterion (a ratio takes ``CODE.num`` and ``CODE.den``), last period on ``KyTruoc``.

A hidden ``_xaso`` sheet names the period, the unit (or province) and the framework, so
a workbook cannot be uploaded into the wrong place. Reading reports **every** problem as
(sheet, cell, criterion, reason) in Vietnamese; the caller applies nothing unless the
list is empty. Both are written and read in openpyxl's streaming modes: a workbook of
3,321 units × 100 criteria is a few seconds each way.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from xaso.assessments.cells import (
    KIND_LABELS,
    Cell,
    CellError,
    kind_of,
    options,
    parse,
    unit_of,
)
from xaso.core.spreadsheets import restore_cell, safe_cell
from xaso.index import Framework, Node
from xaso.index.model import InputKind

UNIT_SHEET = "Phieu"
DATA_SHEET = "SoLieu"
PREVIOUS_SHEET = "KyTruoc"
LISTS_SHEET = "DanhMuc"
META_SHEET = "_xaso"
FIRST_UNIT_ROW = 5
FIRST_DATA_ROW = 4
HEADERS = (
    "Mã",
    "Chỉ số chính",
    "Tiêu chí",
    "Kiểu, đơn vị tính",
    "Giá trị (tỷ lệ: tử số)",
    "Mẫu số (chỉ cho tỷ lệ)",
    "Kỳ trước",
    "Minh chứng cần có",
    "Giải trình (khi có cảnh báo)",
)
INPUT_FILL = PatternFill("solid", fgColor="FFF4CE")
HEAD_FONT = Font(bold=True)
UNLOCKED = Protection(locked=False)
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Meta:
    kind: str  # "unit" or "province"
    period_id: int
    unit_code: str
    framework: str  # "code version"


@dataclass(frozen=True)
class Issue:
    sheet: str
    cell: str
    criterion: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "criterion": self.criterion,
            "message": self.message,
        }


@dataclass
class Parsed:
    """Cells and comments by unit code, and every problem found."""

    rows: dict[str, dict[str, Cell | None]] = field(default_factory=dict)
    comments: dict[str, dict[str, str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    row_count: int = 0
    where: dict[str, str] = field(default_factory=dict)  # unit code → its first cell


class WorkbookError(ValueError):
    """The file is not a workbook of ours at all (one message, nothing read)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _label(leaf: Node) -> str:
    return f"{leaf.code} — {leaf.name_vi}"


def _hint(leaf: Node) -> str:
    kind = kind_of(leaf)
    unit = unit_of(leaf)
    if kind is InputKind.CHOICE:
        return "Chọn một: " + ", ".join(code for code, _ in options(leaf))
    if kind is InputKind.BOOLEAN:
        return "Nhập “có” hoặc “không”"
    if kind is InputKind.RATIO:
        return "Tử số và mẫu số, số ≥ 0, tử số ≤ mẫu số"
    if kind is InputKind.COUNT:
        return "Số nguyên ≥ 0" + (f" ({unit})" if unit else "")
    return "Số ≥ 0" + (", tối đa 100" if unit == "%" else "") + (f" ({unit})" if unit else "")


def _raw_pair(leaf: Node, cell: Cell | None) -> tuple[Any, Any]:
    """What a spreadsheet cell holds for a stored value."""
    if not cell:
        return None, None
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        return cell.get("num"), cell.get("den")
    if kind is InputKind.CHOICE:
        return cell.get("opt"), None
    if kind is InputKind.BOOLEAN:
        return ("có" if cell.get("yes") else "không"), None
    return cell.get("v"), None


def _validation(leaf: Node, list_ref: str | None) -> DataValidation:
    kind = kind_of(leaf)
    hint = _hint(leaf)
    if kind is InputKind.CHOICE and list_ref:
        dv = DataValidation(type="list", formula1=list_ref, allow_blank=True)
    elif kind is InputKind.BOOLEAN:
        dv = DataValidation(type="list", formula1='"có,không"', allow_blank=True)
    elif kind is InputKind.COUNT:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    elif unit_of(leaf) == "%" and kind is InputKind.NUMBER:
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
    else:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    dv.allow_blank = True
    dv.promptTitle = leaf.code[:32]
    dv.prompt = hint[:255]
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.error = hint[:255]
    dv.showInputMessage = True
    dv.showErrorMessage = True
    return dv


def _lists_sheet(wb: Workbook, framework: Framework) -> dict[str, str]:
    """Choice options on a hidden sheet; returns each choice leaf's list reference."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    refs: dict[str, str] = {}
    choice_leaves = [leaf for leaf in framework.leaves if kind_of(leaf) is InputKind.CHOICE]
    columns = [[leaf.code, *[code for code, _ in options(leaf)]] for leaf in choice_leaves]
    depth = max((len(c) for c in columns), default=0)
    for r in range(depth):
        ws.append([col[r] if r < len(col) else None for col in columns])
    for i, (leaf, col) in enumerate(zip(choice_leaves, columns, strict=True), start=1):
        letter = get_column_letter(i)
        refs[leaf.code] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(col)}"
    return refs


def _meta_sheet(wb: Workbook, meta: Meta) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    ws.append(["kind", meta.kind])
    ws.append(["period", meta.period_id])
    ws.append(["unit", meta.unit_code])
    ws.append(["framework", meta.framework])


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _styled(ws: Any, value: Any, proto: WriteOnlyCell) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    # One shared style record for every input cell: styling 300,000 cells one attribute
    # at a time is what makes large templates slow.
    cell._style = proto._style
    return cell


def _input_proto(ws: Any) -> WriteOnlyCell:
    proto = WriteOnlyCell(ws, None)
    proto.fill = INPUT_FILL
    proto.protection = UNLOCKED
    return proto


def _head(ws: Any, values: Sequence[Any], *, wrap: bool = False) -> list[WriteOnlyCell]:
    out = []
    for value in values:
        cell = WriteOnlyCell(ws, safe_cell(value))
        cell.font = HEAD_FONT
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        out.append(cell)
    return out


def _protect(ws: Any) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False


# --- a unit's form -------------------------------------------------------------------


def unit_template(
    *,
    meta: Meta,
    title: str,
    framework: Framework,
    main_of: Mapping[str, Node],
    current: Mapping[str, Cell | None],
    comments: Mapping[str, str],
    previous: Mapping[str, Cell | None],
) -> bytes:
    """A unit's form: one row per criterion, current values filled in."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(UNIT_SHEET)
    _protect(ws)
    for letter, width in zip("ABCDEFGHI", (10, 24, 60, 18, 16, 14, 16, 36, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "D5"
    proto = _input_proto(ws)
    refs = _lists_sheet(wb, framework)
    ws.append(_head(ws, [title]))
    ws.append(
        [
            "Chỉ nhập vào các ô nền vàng (cột E, F, I); cấu trúc phiếu đã khoá. "
            "Tỷ lệ: tử số ở cột E, mẫu số ở cột F. Lựa chọn: chọn từ danh sách."
        ]
    )
    ws.append([])
    ws.append(_head(ws, HEADERS, wrap=True))
    for row, leaf in enumerate(framework.leaves, start=FIRST_UNIT_ROW):
        value, den = _raw_pair(leaf, current.get(leaf.code))
        prev_value, prev_den = _raw_pair(leaf, previous.get(leaf.code))
        prev = f"{prev_value}/{prev_den}" if prev_den is not None else prev_value
        kind = kind_of(leaf)
        den_cell: Any = _styled(ws, den, proto) if kind is InputKind.RATIO else None
        ws.append(
            [
                leaf.code,
                safe_cell(main_of[leaf.code].name_vi),
                safe_cell(leaf.name_vi),
                f"{KIND_LABELS[kind]}{' (' + unit_of(leaf) + ')' if unit_of(leaf) else ''}",
                _styled(ws, value, proto),
                den_cell,
                safe_cell(prev),
                safe_cell(leaf.evidence_vi or ""),
                _styled(ws, safe_cell(comments.get(leaf.code, "")), proto),
            ]
        )
        dv = _validation(leaf, refs.get(leaf.code))
        dv.add(f"E{row}")
        if kind is InputKind.RATIO:
            dv.add(f"F{row}")
        ws.data_validations.append(dv)
    _meta_sheet(wb, meta)
    return _save(wb)


# --- the province-wide workbook ------------------------------------------------------


def data_columns(framework: Framework) -> list[tuple[str, Node, str]]:
    """(column header, leaf, part) — part is "", "num" or "den"."""
    out: list[tuple[str, Node, str]] = []
    for leaf in framework.leaves:
        if kind_of(leaf) is InputKind.RATIO:
            out.append((f"{leaf.code}.num", leaf, "num"))
            out.append((f"{leaf.code}.den", leaf, "den"))
        else:
            out.append((leaf.code, leaf, ""))
    return out


def _header_rows(ws: Any, columns: list[tuple[str, Node, str]]) -> None:
    ws.append(_head(ws, ["unit_code", "unit_name", *[c for c, _, _ in columns]]))
    names = []
    for _, leaf, part in columns:
        suffix = {"num": " — tử số", "den": " — mẫu số"}.get(part, "")
        names.append(leaf.name_vi + suffix)
    ws.append(_head(ws, ["Mã đơn vị", "Tên đơn vị", *names], wrap=True))
    ws.append(["", "Hướng dẫn nhập:", *[safe_cell(_hint(leaf)) for _, leaf, _ in columns]])


def province_template(
    *,
    meta: Meta,
    framework: Framework,
    units: Sequence[tuple[str, str]],
    current: Mapping[str, Mapping[str, Cell | None]],
    previous: Mapping[str, Mapping[str, Cell | None]],
) -> bytes:
    """One row per unit (``units`` = (code, name)), current values filled in."""
    columns = data_columns(framework)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    _protect(ws)
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.column_dimensions["B"].width = 28
    proto = _input_proto(ws)
    refs = _lists_sheet(wb, framework)
    last = FIRST_DATA_ROW + max(len(units), 1) - 1
    for index, (_, leaf, _part) in enumerate(columns, start=3):
        letter = get_column_letter(index)
        dv = _validation(leaf, refs.get(leaf.code))
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.data_validations.append(dv)
    _header_rows(ws, columns)
    for code, name in units:
        cells = current.get(code, {})
        row: list[Any] = [code, safe_cell(name)]
        for _, leaf, part in columns:
            value, den = _raw_pair(leaf, cells.get(leaf.code))
            row.append(_styled(ws, den if part == "den" else value, proto))
        ws.append(row)
    prev_ws = wb.create_sheet(PREVIOUS_SHEET)
    _protect(prev_ws)
    prev_ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    _header_rows(prev_ws, columns)
    for code, name in units:
        cells = previous.get(code, {})
        row = [code, safe_cell(name)]
        for _, leaf, part in columns:
            value, den = _raw_pair(leaf, cells.get(leaf.code))
            row.append(den if part == "den" else value)
        prev_ws.append(row)
    _meta_sheet(wb, meta)
    return _save(wb)


# --- reading -------------------------------------------------------------------------


def _open(data: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise WorkbookError(
            "Tệp không đọc được như một bảng tính Excel (.xlsx): hãy dùng mẫu tải từ xaso."
        ) from None


def read_meta(wb: Any) -> Meta:
    if META_SHEET not in wb.sheetnames:
        raise WorkbookError(
            "Tệp không phải mẫu Excel của xaso (thiếu trang thông tin ẩn _xaso): hãy tải "
            "mẫu từ trang kỳ đánh giá, nhập số liệu vào đó rồi tải lên."
        )
    pairs = {
        str(row[0]): row[1]
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=10, values_only=True)
        if row and row[0] is not None
    }
    try:
        return Meta(
            kind=str(pairs["kind"]),
            period_id=int(pairs["period"]),
            unit_code=str(pairs["unit"]),
            framework=str(pairs["framework"]),
        )
    except (KeyError, TypeError, ValueError):
        raise WorkbookError(
            "Trang thông tin ẩn _xaso của tệp đã bị sửa: hãy tải mẫu mới."
        ) from None


def check_meta(found: Meta, expected: Meta) -> None:
    if found.kind != expected.kind:
        which = {"unit": "phiếu của một đơn vị", "province": "mẫu toàn tỉnh"}
        raise WorkbookError(
            f"Tệp này là {which.get(found.kind, found.kind)}, không phải "
            f"{which.get(expected.kind, expected.kind)}: hãy tải lên đúng chỗ."
        )
    if found.period_id != expected.period_id:
        raise WorkbookError(
            f"Tệp này là mẫu của kỳ đánh giá khác (số {found.period_id}): hãy tải mẫu của kỳ này."
        )
    if found.unit_code != expected.unit_code:
        raise WorkbookError(
            f"Tệp này là mẫu của đơn vị mã {found.unit_code}, không phải {expected.unit_code}."
        )
    if found.framework != expected.framework:
        raise WorkbookError(
            f"Tệp dùng bộ chỉ số {found.framework}, kỳ này dùng {expected.framework}."
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_unit_workbook(
    data: bytes, *, expected: Meta, framework: Framework, progress: ProgressFn | None = None
) -> Parsed:
    wb = _open(data)
    try:
        check_meta(read_meta(wb), expected)
        if UNIT_SHEET not in wb.sheetnames:
            raise WorkbookError(f"Tệp thiếu trang “{UNIT_SHEET}”.")
        parsed = Parsed()
        cells: dict[str, Cell | None] = {}
        comments: dict[str, str] = {}
        leaves = list(framework.leaves)
        rows = wb[UNIT_SHEET].iter_rows(
            min_row=FIRST_UNIT_ROW, max_row=FIRST_UNIT_ROW + len(leaves) - 1, values_only=True
        )
        seen = 0
        for offset, row in enumerate(rows):
            seen += 1
            leaf = leaves[offset]
            r = FIRST_UNIT_ROW + offset
            values = list(row) + [None] * (9 - len(row))
            if _text(values[0]) != leaf.code:
                parsed.issues.append(
                    Issue(
                        UNIT_SHEET, f"A{r}", _label(leaf),
                        f"dòng {r} phải là tiêu chí {leaf.code}, tệp ghi “{_text(values[0])}”: "
                        "cấu trúc phiếu đã bị sửa, hãy tải mẫu mới",
                    )
                )  # fmt: skip
                continue
            den = values[5] if kind_of(leaf) is InputKind.RATIO else None
            if kind_of(leaf) is not InputKind.RATIO and _text(values[5]):
                parsed.issues.append(
                    Issue(UNIT_SHEET, f"F{r}", _label(leaf), "chỉ tiêu chí tỷ lệ mới có mẫu số")
                )
            try:
                cells[leaf.code] = parse(leaf, values[4], den)
            except CellError as exc:
                where = f"E{r}:F{r}" if kind_of(leaf) is InputKind.RATIO else f"E{r}"
                parsed.issues.append(Issue(UNIT_SHEET, where, _label(leaf), exc.message))
            note = restore_cell(_text(values[8]))
            if note:
                comments[leaf.code] = note[:1000]
        if seen < len(leaves):
            parsed.issues.append(
                Issue(UNIT_SHEET, f"A{FIRST_UNIT_ROW + seen}", "",
                      f"phiếu chỉ có {seen}/{len(leaves)} tiêu chí: hãy tải mẫu mới")
            )  # fmt: skip
        parsed.rows[expected.unit_code] = cells
        parsed.where[expected.unit_code] = f"E{FIRST_UNIT_ROW}"
        parsed.comments[expected.unit_code] = comments
        parsed.row_count = seen
        if progress:
            progress(seen, len(leaves))
        return parsed
    finally:
        wb.close()


def read_province_workbook(
    data: bytes,
    *,
    expected: Meta,
    framework: Framework,
    units: Mapping[str, str],
    progress: ProgressFn | None = None,
) -> Parsed:
    """``units`` maps the period's unit codes to names; other codes are errors."""
    wb = _open(data)
    try:
        check_meta(read_meta(wb), expected)
        if DATA_SHEET not in wb.sheetnames:
            raise WorkbookError(f"Tệp thiếu trang “{DATA_SHEET}”.")
        ws = wb[DATA_SHEET]
        columns = data_columns(framework)
        wanted = ["unit_code", "unit_name", *[c for c, _, _ in columns]]
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        got = [_text(v) for v in header][: len(wanted)]
        if got != wanted:
            bad = next((i for i, (a, b) in enumerate(zip(got, wanted, strict=False)) if a != b),
                       min(len(got), len(wanted)))  # fmt: skip
            raise WorkbookError(
                f"Dòng tiêu đề của trang {DATA_SHEET} đã bị sửa (ô {get_column_letter(bad + 1)}1 "
                f"phải là “{wanted[bad] if bad < len(wanted) else ''}”): hãy tải mẫu mới."
            )
        parsed = Parsed()
        letters = [get_column_letter(i) for i in range(1, len(wanted) + 1)]
        total = max(ws.max_row - FIRST_DATA_ROW + 1, 0) if ws.max_row else 0
        seen_rows: dict[str, int] = {}
        count = 0
        width = len(wanted)
        for r, row in enumerate(
            ws.iter_rows(min_row=FIRST_DATA_ROW, max_col=width, values_only=True),
            start=FIRST_DATA_ROW,
        ):
            count += 1
            if progress and count % 250 == 0:
                progress(count, total)
            if not row or all(v is None or _text(v) == "" for v in row):
                continue
            values = list(row) + [None] * (width - len(row))
            raw_code = values[0]
            code = (
                f"{int(raw_code):05d}"
                if isinstance(raw_code, int | float) and float(raw_code).is_integer()
                else _text(raw_code)
            )
            if code not in units:
                parsed.issues.append(
                    Issue(DATA_SHEET, f"A{r}", "",
                          f"mã đơn vị “{code}” không thuộc phạm vi kỳ đánh giá này")
                )  # fmt: skip
                continue
            if code in seen_rows:
                parsed.issues.append(
                    Issue(DATA_SHEET, f"A{r}", "",
                          f"đơn vị {code} ({units[code]}) trùng với dòng {seen_rows[code]}")
                )  # fmt: skip
                continue
            seen_rows[code] = r
            parsed.where[code] = f"A{r}"
            cells: dict[str, Cell | None] = {}
            pending: dict[str, Any] = {}
            for index, (_, leaf, part) in enumerate(columns, start=2):
                value = values[index]
                if part == "num":
                    pending[leaf.code] = value
                    continue
                try:
                    if part == "den":
                        cells[leaf.code] = parse(leaf, pending.pop(leaf.code), value)
                    else:
                        cells[leaf.code] = parse(leaf, value)
                except CellError as exc:
                    where = (
                        f"{letters[index - 1]}{r}:{letters[index]}{r}"
                        if part == "den"
                        else f"{letters[index]}{r}"
                    )
                    parsed.issues.append(
                        Issue(DATA_SHEET, where, _label(leaf), f"{units[code]}: {exc.message}")
                    )
            parsed.rows[code] = cells
        parsed.row_count = count
        if progress:
            progress(count, max(total, count))
        return parsed
    finally:
        wb.close()
