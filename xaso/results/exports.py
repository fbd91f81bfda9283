"""Downloads: ranking tables as CSV and XLSX, every score as XLSX, the official report
as DOCX and PDF in the Vietnamese administrative layout (Decree 30/2020/NĐ-CP: national
title and motto, issuing body, number and symbol, place and date, title and summary,
recipients, signature), and a unit's scorecard as PDF.

Spreadsheet text never starts a formula: a cell beginning with = + - @ (or a tab or
carriage return) is prefixed with an apostrophe, so a unit or group name typed as
``=HYPERLINK(…)`` stays text (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from PIL import Image, ImageDraw, ImageFont

from xaso.assessments.models import Period, Snapshot
from xaso.core.spreadsheets import FORMULA_START, safe_cell
from xaso.results import charts, queries

__all__ = ["FORMULA_START", "safe"]
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
DEFAULT_RECIPIENTS = [
    "Bộ Khoa học và Công nghệ (để b/c)",
    "Thường trực Tỉnh ủy, HĐND tỉnh (để b/c)",
    "UBND tỉnh (để b/c)",
    "Ban Chỉ đạo chuyển đổi số tỉnh",
    "UBND các xã, phường, đặc khu",
    "Lưu: VT",
]
FONT_FILES = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def safe(value: object) -> object:
    return safe_cell(value)


def vn(value: float | None, decimals: int = 2) -> str:
    """114,98 and 1.234,5: Vietnamese decimal comma and thousands dot."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_date(day: dt.date | dt.datetime) -> str:
    return f"{day:%d/%m/%Y}"


# --- ranking tables -----------------------------------------------------------------


def _ranking_header(table: queries.Ranking) -> list[str]:
    head = [
        "Hạng",
        "Đồng hạng",
        "Mã",
        "Đơn vị",
        "Loại",
        "Tỉnh",
        "Huyện cũ",
        f"{table.measure.name} (0–1)",
        "Điểm",
        "Hạng kỳ trước",
        "Thay đổi",
        "Nhóm",
    ]
    if table.filters.peer_narrowed:
        head.append("Hạng trong nhóm lọc")
    return head


def _ranking_cells(table: queries.Ranking, line: queries.Line) -> list[Any]:
    r = line.row
    cells: list[Any] = [
        line.rank,
        "có" if line.tied else "",
        r.code,
        r.name,
        r.type_label,
        r.province_name,
        r.district_name,
        line.value,
        line.points,
        line.previous_rank,
        line.change,
        "; ".join(line.groups),
    ]
    if table.filters.peer_narrowed:
        cells.append(line.peer_rank)
    return cells


def ranking_csv(table: queries.Ranking) -> bytes:
    """Semicolon-separated with decimal commas and a BOM: what Excel set to Vietnamese
    opens correctly by double-click."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(_ranking_header(table))
    for line in table.lines:
        cells = _ranking_cells(table, line)
        cells[7] = vn(line.value, 4) if line.value is not None else ""
        cells[8] = vn(line.points, 2) if line.points is not None else ""
        writer.writerow([safe(c) if c is not None else "" for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(ws: Any, title: str, subtitle: str, width: int) -> None:
    ws.append([title])
    ws.append([subtitle])
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, width))
    ws.append([])


def _widths(ws: Any, widths: Sequence[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def ranking_xlsx(table: queries.Ranking) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Xếp hạng"
    head = _ranking_header(table)
    _sheet_title(
        ws,
        str(safe(f"Xếp hạng {table.measure.name} — {table.period.name}")),
        f"Công bố phiên bản {table.snapshot.version} ngày {vn_date(table.snapshot.published_at)}",
        len(head),
    )
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for line in table.lines:
        ws.append([safe(c) for c in _ranking_cells(table, line)])
        row = ws.max_row
        ws.cell(row, 8).number_format = "0.0000"
        ws.cell(row, 9).number_format = "#,##0.00"
    ws.freeze_panes = "A5"
    _widths(ws, [7, 9, 8, 28, 10, 18, 22, 14, 10, 10, 14, 12])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def scores_xlsx(period: Period, snapshot: Snapshot) -> bytes:
    """Every unit × every node of the framework: value, and points and rank of the ranked
    measures — the complete published table."""
    table = queries.table_of(snapshot)
    framework = table.framework
    rows = {r.unit_id: r for r in table.rows}
    raw = {
        unit_id: (nodes, pillars)
        for unit_id, nodes, pillars in snapshot.rows.values_list("unit_id", "nodes", "pillars")
    }
    nodes = list(framework.nodes)
    pillars = list(framework.pillars)
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    head = ["Mã", "Đơn vị", "Loại", "Tỉnh", "Huyện cũ", "Đã nộp", "Hạng", "Chỉ số", "Tổng điểm"]
    head += [f"{p.code} {p.name_vi}" for p in pillars]
    head += [f"{n.code} {n.name_vi}" for n in nodes[1:]]
    _sheet_title(
        ws,
        str(safe(f"Bảng điểm — {period.name}")),
        f"Phiên bản {snapshot.version}, công bố {vn_date(snapshot.published_at)}; "
        f"bộ chỉ số {snapshot.framework.code} {snapshot.framework.version}; "
        f"giá trị 0–1 (điểm / điểm tối đa); SHA-256 dữ liệu {snapshot.inputs_sha256}",
        10,
    )
    ws.append([safe(h) for h in head])  # names of the framework's nodes, as imported
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    root = framework.root.code
    for r in table.rows:
        node_values, pillar_values = raw[r.unit_id]
        line: list[Any] = [
            r.code,
            r.name,
            r.type_label,
            r.province_name,
            r.district_name,
            "có" if r.submitted else "không",
            r.ranks.get(root),
            r.values.get(root),
            r.points.get(root),
        ]
        line += [(pillar_values.get(p.code) or [None])[0] for p in pillars]
        line += [(node_values.get(n.code) or [None])[0] for n in nodes[1:]]
        ws.append([safe(c) for c in line])
        row = ws.max_row
        for col in range(8, len(line) + 1):
            ws.cell(row, col).number_format = "#,##0.00" if col == 9 else "0.0000"
    del rows
    ws.freeze_panes = "C5"
    _widths(ws, [8, 26, 9, 16, 20, 8, 7, 9, 10])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- the official report ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportOptions:
    authority: str  # cơ quan chủ quản
    issuer: str  # cơ quan ban hành
    number: str  # số (left blank until the clerk registers it)
    symbol: str  # ký hiệu
    place: str  # địa danh
    day: dt.date
    signer: str
    signer_title: str
    recipients: list[str]

    @property
    def number_line(self) -> str:
        return f"Số: {self.number or '      '}/{self.symbol}"

    @property
    def date_line(self) -> str:
        # Decree 30: days below 10 and months below 3 take a leading zero.
        month = f"{self.day.month:02d}" if self.day.month < 3 else str(self.day.month)
        return f"{self.place}, ngày {self.day.day:02d} tháng {month} năm {self.day.year}"


@dataclass
class ReportData:
    period: Period
    snapshot: Snapshot
    ranking: queries.Ranking
    count: int
    submitted: int
    mean: float | None
    median: float | None
    best: queries.Line | None
    worst: queries.Line | None
    by_type: list[queries.Average]
    by_measure: list[tuple[queries.Measure, float | None, float | None]]
    bins: list[queries.Bin]
    histogram: charts.Histogram
    previous: Snapshot | None
    risers: list[queries.Line]

    @property
    def title(self) -> str:
        return f"Kết quả đánh giá, xếp hạng chuyển đổi số cấp xã — {self.period.name}"


def report_data(period: Period, snapshot: Snapshot, filters: queries.Filters) -> ReportData:
    table = queries.ranking(
        period,
        snapshot,
        queries.Filters(
            province=filters.province,
            unit_type=filters.unit_type,
            district=filters.district,
            group=filters.group,
        ),
    )
    lines = [ln for ln in table.lines if ln.value is not None and ln.row.submitted]
    values = [ln.value for ln in lines if ln.value is not None]
    by_type: dict[str, list[float | None]] = defaultdict(list)
    for ln in lines:
        by_type[ln.row.type_label].append(ln.value)
    rows = [ln.row for ln in lines]
    by_measure = []
    for m in table.measures:
        vals = [r.values.get(m.code) for r in rows if r.values.get(m.code) is not None]
        by_measure.append(
            (
                m,
                statistics.fmean(v for v in vals if v is not None) if vals else None,
                statistics.median(v for v in vals if v is not None) if vals else None,
            )
        )
    bins = []
    for k in range(10):
        low, high = k / 10, (k + 1) / 10
        n = sum(1 for v in values if low <= v < high or (k == 9 and v == 1))
        bins.append(queries.Bin(low, high, n, 0))
    risers = sorted((ln for ln in lines if ln.moved > 0), key=lambda ln: -ln.moved)[:5]
    return ReportData(
        period=period,
        snapshot=snapshot,
        ranking=table,
        count=len(table.lines),
        submitted=len(lines),
        mean=statistics.fmean(values) if values else None,
        median=statistics.median(values) if values else None,
        best=lines[0] if lines else None,
        worst=lines[-1] if lines else None,
        by_type=queries.averages(by_type),
        by_measure=by_measure,
        bins=bins,
        histogram=charts.histogram(bins),
        previous=table.previous,
        risers=risers,
    )


def _paragraphs(data: ReportData) -> list[tuple[str, list[str]]]:
    """The report's sections as plain text, shared by DOCX and PDF."""
    s = data.snapshot
    fw = s.framework
    general = [
        f"Thực hiện kỳ đánh giá “{data.period.name}” theo {fw.name_vi} (mã {fw.code}, phiên "
        f"bản {fw.version}), kết quả được công bố ngày {vn_date(s.published_at)} "
        f"(phiên bản kết quả {s.version}, mã kiểm tra dữ liệu SHA-256 {s.inputs_sha256[:16]}…).",
        f"Số đơn vị được đánh giá: {data.count}; số đơn vị đã nộp hồ sơ và được chấm điểm: "
        f"{data.submitted}.",
    ]
    results = []
    if data.mean is not None and data.best is not None and data.worst is not None:
        results.append(
            f"Chỉ số chuyển đổi số bình quân đạt {vn(data.mean, 4)} (trung vị "
            f"{vn(data.median, 4)}). Cao nhất là {data.best.row.name} với {vn(data.best.value, 4)}"
            f"; thấp nhất là {data.worst.row.name} với {vn(data.worst.value, 4)}."
        )
    for avg in data.by_type:
        results.append(f"Bình quân {avg.label.lower()}: {vn(avg.mean, 4)} ({avg.count} đơn vị).")
    if data.risers:
        results.append(
            "Tăng hạng nhiều nhất so với kỳ trước: "
            + "; ".join(f"{ln.row.name} ({ln.change})" for ln in data.risers)
            + "."
        )
    method = [
        "Giá trị mỗi chỉ số là điểm đạt được chia cho điểm tối đa (thang 0–1, làm tròn bốn "
        "chữ số thập phân); chỉ số chung bằng tổng điểm chia cho tổng điểm tối đa.",
        "Xếp hạng theo nguyên tắc đồng hạng: các đơn vị có cùng giá trị công bố cùng một "
        "hạng và hạng kế tiếp được bỏ qua (ví dụ 15, 15, 17).",
    ]
    return [
        ("I. TÌNH HÌNH CHUNG", general),
        ("II. KẾT QUẢ", results),
        ("III. PHƯƠNG PHÁP TÍNH", method),
    ]


def histogram_png(data: ReportData, *, width: int = 1200, height: int = 460) -> bytes:
    """The score distribution as a picture (a Word document cannot hold SVG)."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font: Any = ImageFont.load_default()
    for path in FONT_FILES:
        try:
            font = ImageFont.truetype(path, 22)
            break
        except OSError:
            continue
    top = max((b.count for b in data.bins), default=0) or 1
    plot_h = height - 90
    step = (width - 80) / len(data.bins)
    base = 30 + plot_h
    draw.line([(60, base), (width - 20, base)], fill="#1b1f24", width=2)
    for i, b in enumerate(data.bins):
        x = 60 + i * step
        h = plot_h * b.count / top
        draw.rectangle([x + 6, base - h, x + step - 6, base], fill="#0b5cad")
        draw.text(
            (x + step / 2, base - h - 6), str(b.count), fill="#1b1f24", font=font, anchor="mb"
        )
        label = f"{b.low:.1f}–{b.high:.1f}".replace(".", ",")
        draw.text((x + step / 2, base + 10), label, fill="#59636e", font=font, anchor="mt")
    draw.text((60, 4), "Số đơn vị theo khoảng chỉ số (0–1)", fill="#1b1f24", font=font)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _no_borders(table: Any) -> None:
    tbl = table._tbl
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl.tblPr.append(borders)


def _para(
    cell_or_doc: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 13,
    center: bool = False,
    underline: bool = False,
) -> Any:
    p = cell_or_doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    return p


def _table(
    doc: Any, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> None:
    t = doc.add_table(rows=1, cols=len(head))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, text in enumerate(head):
        cell = t.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(11)
    for values in rows:
        cells = t.add_row().cells
        for i, text in enumerate(values):
            run = cells[i].paragraphs[0].add_run(text)
            run.font.size = Pt(11)
    for row in t.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)


def _ranking_rows(data: ReportData) -> list[list[str]]:
    return [
        [
            str(ln.rank or "—") + (" (đồng hạng)" if ln.tied else ""),
            ln.row.name,
            ln.row.type_label,
            vn(ln.value, 4),
            vn(ln.points, 2),
            ln.change or "—",
        ]
        for ln in data.ranking.lines
    ]


def report_docx(data: ReportData, options: ReportOptions) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"  # Decree 30/2020, Appendix I: Times New Roman.
    style.font.size = Pt(13)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    header = doc.add_table(rows=1, cols=2)
    _no_borders(header)
    left, right = header.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(10)
    left.paragraphs[0].text = ""
    _para(left, options.authority.upper(), size=12, center=True)
    _para(left, options.issuer.upper(), bold=True, size=12, center=True, underline=True)
    _para(left, options.number_line, size=13, center=True)
    _para(right, QUOC_HIEU, bold=True, size=12, center=True)
    _para(right, TIEU_NGU, bold=True, size=13, center=True, underline=True)
    _para(right, options.date_line, italic=True, size=13, center=True)
    _para(doc, "")
    _para(doc, "BÁO CÁO", bold=True, size=14, center=True)
    _para(doc, data.title, bold=True, size=14, center=True)
    _para(doc, "")
    for heading, paragraphs in _paragraphs(data):
        _para(doc, heading, bold=True)
        for text in paragraphs:
            p = _para(doc, text)
            p.paragraph_format.first_line_indent = Cm(1)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if heading.startswith("II"):
            doc.add_picture(io.BytesIO(histogram_png(data)), width=Cm(15.5))
            _para(doc, "Biểu đồ 1. Phân bố chỉ số chuyển đổi số", italic=True, size=12, center=True)
            _para(
                doc,
                "Bảng 1. Giá trị bình quân và trung vị theo chỉ số",
                italic=True,
                size=12,
                center=True,
            )
            _table(
                doc,
                ["Chỉ số", "Loại", "Bình quân", "Trung vị"],
                [
                    [m.name, m.kind_label, vn(mean, 4), vn(med, 4)]
                    for m, mean, med in data.by_measure
                ],
                [8, 3, 2.5, 2.5],
            )
    _para(doc, "IV. BẢNG XẾP HẠNG", bold=True)
    _para(doc, "Bảng 2. Xếp hạng chỉ số chuyển đổi số", italic=True, size=12, center=True)
    _table(
        doc,
        ["Hạng", "Đơn vị", "Loại", "Chỉ số", "Điểm", "So với kỳ trước"],
        _ranking_rows(data),
        [2.2, 5.5, 1.8, 2, 2, 2.5],
    )
    _para(doc, "")
    footer = doc.add_table(rows=1, cols=2)
    _no_borders(footer)
    left, right = footer.rows[0].cells
    left.paragraphs[0].text = ""
    _para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    for name in options.recipients:
        _para(left, f"- {name};" if not name.startswith("Lưu") else f"- {name}.", size=11)
    _para(right, options.signer_title.upper(), bold=True, size=13, center=True)
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12, center=True)
    for _ in range(3):
        _para(right, "")
    _para(right, options.signer, bold=True, size=13, center=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    body: bytes = HTML(string=html).write_pdf()
    return body


def report_pdf(data: ReportData, options: ReportOptions) -> bytes:
    html = render_to_string(
        "results/report_pdf.html",
        {
            "data": data,
            "options": options,
            "sections": _paragraphs(data),
            "QUOC_HIEU": QUOC_HIEU,
            "TIEU_NGU": TIEU_NGU,
            "rows": _ranking_rows(data),
            "by_measure": [(m, vn(mean, 4), vn(med, 4)) for m, mean, med in data.by_measure],
        },
    )
    return _pdf(html)


def scorecard_pdf(context: dict[str, Any]) -> bytes:
    return _pdf(render_to_string("results/scorecard_pdf.html", context))
