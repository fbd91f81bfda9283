"""Kế hoạch thí điểm as an Excel workbook: export every commune's tasks and KPIs, and
read them back. Reading checks every cell and reports every problem with its sheet, row
and column, in Vietnamese; ``actions.do_import_plan`` applies a workbook only when it
has none (all or nothing)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from xaso.core.spreadsheets import restore_cell, safe_cell
from xaso.programs import kpi as kpimath
from xaso.programs.frameworks import criterion_problem
from xaso.programs.library import TEMPLATES_BY_CODE
from xaso.programs.models import (
    Direction,
    FundingSource,
    OwnerKind,
    Participant,
    SponsorOrganisation,
    TaskStatus,
)

TASK_SHEET = "Nhiệm vụ"
KPI_SHEET = "Chỉ tiêu"
LISTS_SHEET = "Danh mục"
GUIDE_SHEET = "Hướng dẫn"

TASK_COLUMNS = (
    "Mã xã",
    "Tên xã",
    "Mã mẫu",
    "Nhiệm vụ",
    "Chủ trì",
    "Đơn vị phụ trách",
    "Bắt đầu",
    "Hạn hoàn thành",
    "Trạng thái",
    "Tiến độ (%)",
    "Tiêu chí",
    "Dự toán NSNN (đồng)",
    "Dự toán xã hội hoá (đồng)",
    "Đã chi NSNN (đồng)",
    "Đã chi xã hội hoá (đồng)",
)
KPI_COLUMNS = (
    "Mã xã",
    "Tên xã",
    "Chỉ tiêu",
    "Đơn vị tính",
    "Chiều",
    "Giá trị ban đầu",
    "Ngày đo ban đầu",
    "Nguồn số liệu ban đầu",
    "Mục tiêu",
    "Hạn đạt mục tiêu",
    "Tiêu chí",
    "Chu kỳ đo (ngày)",
)
OWNER_LABELS = {k.value: k.label for k in OwnerKind}
STATUS_LABELS = {k.value: k.label for k in TaskStatus}
DIRECTION_LABELS = {Direction.INCREASE.value: "Tăng", Direction.DECREASE.value: "Giảm"}
GUIDE = (
    "Mỗi dòng của trang “Nhiệm vụ” là một nhiệm vụ của một xã; mỗi dòng của trang "
    "“Chỉ tiêu” là một chỉ tiêu. Cột “Mã xã” là mã 5 chữ số của xã hiện nay.",
    "Nhiệm vụ được nhận ra theo (mã xã, tên nhiệm vụ); chỉ tiêu theo (mã xã, tên chỉ tiêu): "
    "dòng trùng tên thì cập nhật, dòng mới thì thêm; nhiệm vụ, chỉ tiêu không có trong tệp "
    "được giữ nguyên.",
    "Ngày ghi dd/mm/yyyy. Số tiền ghi bằng đồng (1.500.000). Số thập phân dùng dấu phẩy (10,7).",
    "“Chủ trì”, “Trạng thái”, “Chiều” chọn trong danh sách. “Tiêu chí” là mã tiêu chí của bộ "
    "chỉ số cấp xã (ví dụ CQ.07).",
    "Nếu tệp có lỗi, không dòng nào được nhập; danh sách lỗi ghi rõ trang, dòng, cột.",
)


def _fmt_date(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _safe(cell: Any) -> Any:
    # A text cell starting with = + - @ (tab, CR) would run as a formula in Excel.
    return safe_cell(cell)


def plan_workbook(participants: Iterable[Participant]) -> bytes:
    """The plans of these communes (tasks, budget, KPIs) as one workbook. Pass
    participants with tasks (and their budget lines) and KPIs prefetched."""
    book = Workbook()
    tasks = book.active
    assert tasks is not None
    tasks.title = TASK_SHEET
    kpis = book.create_sheet(KPI_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    guide = book.create_sheet(GUIDE_SHEET)
    tasks.append(TASK_COLUMNS)
    kpis.append(KPI_COLUMNS)
    for p in participants:
        for t in p.tasks.all():
            lines = {b.source: b for b in t.budget_lines.all()}

            def money(source: str, attr: str, lines: Mapping[str, Any] = lines) -> int | None:
                line = lines.get(source)
                return getattr(line, attr) if line is not None else None

            tasks.append(
                [
                    _safe(c)
                    for c in (
                        p.unit.code,
                        p.unit.name,
                        t.template_code,
                        t.title,
                        OWNER_LABELS[t.owner_kind],
                        t.owner_organisation.name if t.owner_organisation else "",
                        _fmt_date(t.starts_on),
                        _fmt_date(t.due_on),
                        STATUS_LABELS[t.status],
                        t.progress,
                        t.criterion_code,
                        money(FundingSource.STATE, "planned"),
                        money(FundingSource.SOCIALISED, "planned"),
                        money(FundingSource.STATE, "spent"),
                        money(FundingSource.SOCIALISED, "spent"),
                    )
                ]
            )
        for k in p.kpis.all():
            kpis.append(
                [
                    _safe(c)
                    for c in (
                        p.unit.code,
                        p.unit.name,
                        k.name,
                        k.measure_unit,
                        DIRECTION_LABELS[k.direction],
                        k.baseline,
                        _fmt_date(k.baseline_on),
                        k.baseline_source,
                        k.target,
                        _fmt_date(k.target_on),
                        k.criterion_code,
                        k.measure_every_days,
                    )
                ]
            )
    for col, values in enumerate(
        (OWNER_LABELS.values(), STATUS_LABELS.values(), DIRECTION_LABELS.values()), start=1
    ):
        for row, value in enumerate(values, start=1):
            lists.cell(row=row, column=col, value=value)
    lists.sheet_state = "hidden"
    # Dropdowns read a hidden sheet: an inline list is limited to 255 characters.
    for sheet, column, list_col, n in (
        (tasks, "E", "A", len(OWNER_LABELS)),
        (tasks, "I", "B", len(STATUS_LABELS)),
        (kpis, "E", "C", len(DIRECTION_LABELS)),
    ):
        check = DataValidation(
            type="list", formula1=f"'{LISTS_SHEET}'!${list_col}$1:${list_col}${n}"
        )
        check.error = "Chọn một giá trị trong danh sách."
        sheet.add_data_validation(check)
        check.add(f"{column}2:{column}2000")
    for sheet, widths in (
        (tasks, (8, 22, 12, 50, 16, 26, 12, 14, 16, 10, 10, 16, 16, 16, 16)),
        (kpis, (8, 22, 44, 10, 8, 12, 14, 30, 10, 14, 10, 10)),
    ):
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.freeze_panes = "C2"
    guide.column_dimensions["A"].width = 120
    for line in GUIDE:
        guide.append([line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str  # header text
    letter: str
    message: str

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        where = f"Trang “{self.sheet}”"
        if self.row:
            where += f", dòng {self.row}"
        if self.letter:
            where += f", cột {self.letter} ({self.column})"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class TaskLine:
    row: int
    participant: Participant
    template_code: str
    title: str
    owner_kind: str
    owner_organisation: SponsorOrganisation | None
    starts_on: dt.date
    due_on: dt.date
    status: str
    progress: int
    criterion_code: str
    planned: dict[str, int]
    spent: dict[str, int]


@dataclass(frozen=True)
class KpiLine:
    row: int
    participant: Participant
    name: str
    measure_unit: str
    direction: str
    baseline: float
    baseline_on: dt.date
    baseline_source: str
    target: float
    target_on: dt.date
    criterion_code: str
    measure_every_days: int


@dataclass
class ParsedPlan:
    tasks: list[TaskLine] = field(default_factory=list)
    kpis: list[KpiLine] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class _Row:
    """One data row of a sheet, reading cells by header and recording what is wrong."""

    def __init__(
        self, sheet: str, number: int, cells: tuple[Any, ...], columns: tuple[str, ...]
    ) -> None:
        self.sheet, self.line, self.columns = sheet, number, columns
        self.cells = dict(zip(columns, cells, strict=False))
        self.errors: list[CellError] = []

    def bad(self, column: str, message: str) -> None:
        letter = get_column_letter(self.columns.index(column) + 1)
        self.errors.append(CellError(self.sheet, self.line, column, letter, message))

    def text(self, column: str, *, required: bool = False) -> str:
        raw = self.cells.get(column)
        value = "" if raw is None else " ".join(str(raw).split())
        value = restore_cell(value)  # the apostrophe our export put before a formula sign
        if required and not value:
            self.bad(column, "Ô này không được để trống.")
        return value

    def date(self, column: str) -> dt.date | None:
        raw = self.cells.get(column)
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = self.text(column)
        if not text:
            self.bad(column, "Chưa nhập ngày (dd/mm/yyyy).")
            return None
        match = _DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                pass
        self.bad(column, f"“{text}” không phải ngày hợp lệ (ghi dd/mm/yyyy, ví dụ 14/06/2023).")
        return None

    def number(self, column: str, *, required: bool = True, money: bool = False) -> float | None:
        raw = self.cells.get(column)
        if isinstance(raw, bool):
            self.bad(column, "Cần một số.")
            return None
        if isinstance(raw, int | float):
            return float(raw)
        text = self.text(column).replace(" ", "")
        if not text:
            if required:
                self.bad(column, "Chưa nhập số.")
            return None
        # Vietnamese style: dots group thousands, a comma marks the decimals.
        normal = text.replace(".", "").replace(",", ".") if money or "," in text else text
        if money and "," in text:
            self.bad(column, f"“{text}”: số tiền ghi bằng đồng, không có phần lẻ.")
            return None
        try:
            return float(normal)
        except ValueError:
            self.bad(column, f"“{text}” không phải là số.")
            return None

    def choice(self, column: str, labels: Mapping[str, str]) -> str:
        text = self.text(column)
        for value, label in labels.items():
            if text.lower() in (label.lower(), value):
                return value
        self.bad(column, f"“{text}” không có trong danh sách: {', '.join(labels.values())}.")
        return ""


def _rows(sheet: Any, name: str, columns: tuple[str, ...], out: ParsedPlan) -> list[_Row]:
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None)
    got = tuple(" ".join(str(c).split()) if c is not None else "" for c in (header or ()))
    missing = [c for c in columns if c not in got]
    if missing:
        out.errors.append(
            CellError(name, 1, "", "", f"Thiếu cột: {', '.join(missing)} (hãy dùng tệp mẫu).")
        )
        return []
    rows = []
    for number, cells in enumerate(iterator, start=2):
        values = {h: cells[i] for i, h in enumerate(got) if h and i < len(cells)}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        rows.append(_Row(name, number, tuple(values.get(c) for c in columns), columns))
    return rows


def _participant(row: _Row, by_code: Mapping[str, Participant]) -> Participant | None:
    code = row.text("Mã xã", required=True)
    if code.endswith(".0"):  # a code typed as a number
        code = code[:-2]
    code = code.zfill(5) if code.isdigit() else code
    if code and code not in by_code:
        row.bad("Mã xã", f"Xã mã “{code}” không tham gia chương trình này.")
        return None
    return by_code.get(code)


def _task(
    row: _Row,
    by_code: Mapping[str, Participant],
    orgs: Mapping[str, SponsorOrganisation],
    framework_code: str,
) -> TaskLine | None:
    participant = _participant(row, by_code)
    template = row.text("Mã mẫu")
    if template and template not in TEMPLATES_BY_CODE:
        row.bad("Mã mẫu", f"Không có nhiệm vụ mẫu “{template}”.")
    title = row.text("Nhiệm vụ", required=True)
    if len(title) > 300:
        row.bad("Nhiệm vụ", "Tên nhiệm vụ dài quá 300 ký tự.")
    owner = row.choice("Chủ trì", OWNER_LABELS)
    org_name = row.text("Đơn vị phụ trách")
    org = None
    if org_name:
        org = orgs.get(org_name.lower())
        if org is None:
            row.bad("Đơn vị phụ trách", f"Chưa có đơn vị phụ trách “{org_name}” trong tỉnh.")
    elif owner == OwnerKind.SPONSOR:
        row.bad("Đơn vị phụ trách", "Nhiệm vụ do đơn vị phụ trách chủ trì cần ghi tên đơn vị.")
    starts, due = row.date("Bắt đầu"), row.date("Hạn hoàn thành")
    if starts and due and due < starts:
        row.bad("Hạn hoàn thành", "Hạn hoàn thành trước ngày bắt đầu.")
    status = row.choice("Trạng thái", STATUS_LABELS)
    progress = row.number("Tiến độ (%)", required=False)
    percent = 0 if progress is None else round(progress)
    if progress is not None and not 0 <= progress <= 100:
        row.bad("Tiến độ (%)", "Tiến độ là số phần trăm từ 0 đến 100.")
    if status == TaskStatus.DONE and percent != 100:
        row.bad("Tiến độ (%)", "Nhiệm vụ “Hoàn thành” phải có tiến độ 100.")
    criterion = row.text("Tiêu chí")
    problem = criterion_problem(framework_code, criterion)
    if problem:
        row.bad("Tiêu chí", problem)
    money: dict[str, dict[str, int]] = {"planned": {}, "spent": {}}
    for column, kind, source in (
        ("Dự toán NSNN (đồng)", "planned", FundingSource.STATE),
        ("Dự toán xã hội hoá (đồng)", "planned", FundingSource.SOCIALISED),
        ("Đã chi NSNN (đồng)", "spent", FundingSource.STATE),
        ("Đã chi xã hội hoá (đồng)", "spent", FundingSource.SOCIALISED),
    ):
        amount = row.number(column, required=False, money=True)
        if amount is not None and amount < 0:
            row.bad(column, "Số tiền không được âm.")
        elif amount is not None:
            money[kind][source] = int(amount)
    if row.errors or participant is None or starts is None or due is None:
        return None
    return TaskLine(
        row.line,
        participant,
        template,
        title,
        owner,
        org,
        starts,
        due,
        status,
        percent,
        criterion,
        money["planned"],
        money["spent"],
    )


def _kpi(row: _Row, by_code: Mapping[str, Participant], framework_code: str) -> KpiLine | None:
    participant = _participant(row, by_code)
    name = row.text("Chỉ tiêu", required=True)
    measure_unit = row.text("Đơn vị tính") or "%"
    direction = row.choice("Chiều", DIRECTION_LABELS)
    baseline = row.number("Giá trị ban đầu")
    baseline_on = row.date("Ngày đo ban đầu")
    source = row.text("Nguồn số liệu ban đầu", required=True)
    target = row.number("Mục tiêu")
    target_on = row.date("Hạn đạt mục tiêu")
    criterion = row.text("Tiêu chí")
    problem = criterion_problem(framework_code, criterion)
    if problem:
        row.bad("Tiêu chí", problem)
    every = row.number("Chu kỳ đo (ngày)", required=False)
    cycle = 90 if every is None else int(every)
    if not 7 <= cycle <= 366:
        row.bad("Chu kỳ đo (ngày)", "Chu kỳ đo từ 7 đến 366 ngày.")
    if measure_unit == "%":
        for column, value in (("Giá trị ban đầu", baseline), ("Mục tiêu", target)):
            if value is not None and not 0 <= value <= 100:
                row.bad(column, "Chỉ tiêu tính bằng % nhận giá trị từ 0 đến 100.")
    if direction and baseline is not None and target is not None:
        columns = {"target": "Mục tiêu", "target_on": "Hạn đạt mục tiêu"}
        for fld, message in kpimath.check_definition(
            baseline=baseline,
            target=target,
            increasing=direction == Direction.INCREASE,
            # A bad date is reported on its own; the direction is still checked.
            baseline_on=baseline_on or dt.date.min,
            target_on=target_on or dt.date.max,
        ):
            row.bad(columns[fld], message)
    if row.errors or participant is None:
        return None
    assert baseline is not None and target is not None
    assert baseline_on is not None and target_on is not None
    return KpiLine(
        row.line,
        participant,
        name,
        measure_unit,
        direction,
        baseline,
        baseline_on,
        source,
        target,
        target_on,
        criterion,
        cycle,
    )


def read_plan(
    content: bytes,
    *,
    participants: Iterable[Participant],
    organisations: Iterable[SponsorOrganisation],
    framework_code: str,
) -> ParsedPlan:
    """Every task and KPI of a plan workbook, or every problem in it."""
    out = ParsedPlan()
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        out.errors.append(
            CellError("", 0, "", "", "Tệp không phải bảng tính Excel (.xlsx) đọc được.")
        )
        return out
    by_code = {p.unit.code: p for p in participants}
    orgs = {o.name.lower(): o for o in organisations}
    if TASK_SHEET not in book.sheetnames and KPI_SHEET not in book.sheetnames:
        out.errors.append(
            CellError("", 0, "", "", f"Tệp không có trang “{TASK_SHEET}” hay “{KPI_SHEET}”.")
        )
        return out
    seen: dict[tuple[str, str, str], int] = {}
    if TASK_SHEET in book.sheetnames:
        for row in _rows(book[TASK_SHEET], TASK_SHEET, TASK_COLUMNS, out):
            line = _task(row, by_code, orgs, framework_code)
            _once(row, "Nhiệm vụ", seen, "t")
            out.errors.extend(row.errors)
            if line is not None and not row.errors:
                out.tasks.append(line)
    if KPI_SHEET in book.sheetnames:
        for row in _rows(book[KPI_SHEET], KPI_SHEET, KPI_COLUMNS, out):
            kline = _kpi(row, by_code, framework_code)
            _once(row, "Chỉ tiêu", seen, "k")
            out.errors.extend(row.errors)
            if kline is not None and not row.errors:
                out.kpis.append(kline)
    book.close()
    if not out.tasks and not out.kpis and not out.errors:
        out.errors.append(CellError("", 0, "", "", "Tệp không có dòng nhiệm vụ hay chỉ tiêu nào."))
    return out


def _once(row: _Row, column: str, seen: dict[tuple[str, str, str], int], kind: str) -> None:
    key = (kind, row.text("Mã xã"), row.text(column).lower())
    if not key[2]:
        return
    if key in seen:
        row.bad(column, f"Trùng với dòng {seen[key]} (cùng xã, cùng tên).")
    else:
        seen[key] = row.line
