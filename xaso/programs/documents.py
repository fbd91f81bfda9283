"""Báo cáo — the evaluation report and the periodic progress report as DOCX and PDF, in
the layout of Decree 30/2020/NĐ-CP on administrative documents: the issuing body and
its parent top left, the national title and motto top right, the number and symbol
under the issuing body, place and date under the motto, the document type and summary
centred, then the body, "Nơi nhận" bottom left and the signature block bottom right.

Both formats are drawn from one ``ReportDocument`` so they always say the same thing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string

from xaso.programs.kpi import KpiState
from xaso.programs.models import FundingSource, ReportKind
from xaso.programs.queries import Evaluation

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def vn_number(value: float | None, decimals: int = 0) -> str:
    """``1500000`` → ``1.500.000``; ``10.7`` → ``10,7`` (Vietnamese separators)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if decimals and "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def vn_date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def long_date(place: str, day: dt.date) -> str:
    return f"{place}, ngày {day:%d} tháng {day:%m} năm {day.year}"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    widths: tuple[float, ...]  # shares of the text width
    numeric: frozenset[int] = frozenset()


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    after: list[str] = field(default_factory=list)


@dataclass
class ReportDocument:
    issuer_parent: str
    issuer: str
    number: str
    place_date: str
    kind_title: str
    summary_title: str
    basis: str
    sections: list[Section]
    recipients: list[str]
    signer_lines: list[str]
    signer_name: str
    is_demo: bool


def _kpi_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{vn_number(value, 2)}{'%' if unit == '%' else ' ' + unit}"


def build(ev: Evaluation) -> ReportDocument:
    """The report's content from an evaluation (figures as of ``ev.on``)."""
    p = ev.programme
    report = ev.report
    evaluation = report is None or report.kind == ReportKind.EVALUATION
    names = ", ".join(c.participant.label for c in ev.communes)
    basis = (
        f"Thực hiện Kế hoạch số {p.plan_number}"
        + (f" ngày {vn_date(p.plan_date)}" if p.plan_date else "")
        + f" về {p.name[:1].lower()}{p.name[1:]}"
        + (
            f"; Quyết định số {p.sponsor_decision} phân công đơn vị phụ trách"
            if p.sponsor_decision
            else ""
        )
        + f", {p.issuer or 'Sở'} báo cáo "
        + ("kết quả thực hiện thí điểm" if evaluation else "tiến độ thực hiện")
        + f" (số liệu tính đến ngày {vn_date(ev.on)}) như sau:"
    )
    general = [
        f"Thời gian thí điểm: từ {vn_date(p.starts_on)} đến {vn_date(p.ends_on)}. "
        f"Đơn vị thí điểm ({len(ev.communes)}): {names}.",
    ]
    sponsors = sorted({str(a.organisation) for c in ev.communes for a in c.sponsors})
    if sponsors:
        general.append("Đơn vị phụ trách: " + "; ".join(sponsors) + ".")
    if p.funding:
        general.append(f"Nguồn kinh phí: {p.funding}.")
    if report is not None and report.summary:
        general.extend(x for x in report.summary.splitlines() if x.strip())
    sections = [Section("I. KHÁI QUÁT CHUNG", general)]

    task_rows = []
    for c in ev.communes:
        total = len(c.tasks)
        share = f"{vn_number(c.done / total * 100, 1)}%" if total else "—"
        task_rows.append((c.participant.label, str(total), str(c.done), str(c.overdue), share))
    done_share = ev.tasks_done / ev.tasks_total * 100 if ev.tasks_total else 0
    sections.append(
        Section(
            "II. KẾT QUẢ THỰC HIỆN NHIỆM VỤ",
            [
                f"Tổng số nhiệm vụ: {ev.tasks_total}; đã hoàn thành {ev.tasks_done} "
                f"({vn_number(done_share, 1)}%)."
            ],
            Table(
                ("Đơn vị", "Số nhiệm vụ", "Hoàn thành", "Quá hạn", "Tỷ lệ hoàn thành"),
                task_rows,
                (0.36, 0.16, 0.16, 0.14, 0.18),
                frozenset({1, 2, 3, 4}),
            ),
        )
    )

    kpi_rows = []
    for c in ev.communes:
        for k in c.kpis:
            kpi = k.kpi
            baseline = f"{_kpi_value(kpi.baseline, kpi.measure_unit)} ({vn_date(kpi.baseline_on)})"
            actual = (
                f"{_kpi_value(k.status.actual, kpi.measure_unit)} ({vn_date(k.status.measured_on)})"
                if k.status.measured_on
                else "—"
            )
            progress = f"{vn_number(k.status.percent, 1)}%" if k.status.percent is not None else "—"
            kpi_rows.append(
                (
                    c.participant.unit.name,
                    kpi.name + (f" [{kpi.criterion_code}]" if kpi.criterion_code else ""),
                    baseline,
                    actual,
                    f"{_kpi_value(kpi.target, kpi.measure_unit)} ({vn_date(kpi.target_on)})",
                    progress,
                    k.status.label,
                )
            )
    achieved = sum(1 for k in ev.kpis if k.status.state == KpiState.ACHIEVED)
    sections.append(
        Section(
            "III. KẾT QUẢ CÁC CHỈ TIÊU",
            [
                f"{len(ev.kpis)} chỉ tiêu; {achieved} chỉ tiêu đã đạt mục tiêu. Tiến độ là phần "
                "đã đi được trên quãng đường từ giá trị ban đầu tới mục tiêu (trên 100% là vượt)."
            ],
            Table(
                (
                    "Đơn vị",
                    "Chỉ tiêu [tiêu chí]",
                    "Ban đầu",
                    "Kết quả",
                    "Mục tiêu",
                    "Tiến độ",
                    "Đánh giá",
                ),
                kpi_rows,
                (0.13, 0.25, 0.14, 0.14, 0.14, 0.09, 0.11),
                frozenset({5}),
            ),
        )
    )

    labels = dict(FundingSource.choices)
    money_rows = [
        (
            labels[s],
            vn_number(planned),
            vn_number(spent),
            f"{vn_number(spent / planned * 100, 1)}%" if planned else "—",
        )
        for s, (planned, spent) in ev.budget.items()
    ]
    planned_total, spent_total = ev.budget_total
    money_rows.append(
        (
            "Tổng cộng",
            vn_number(planned_total),
            vn_number(spent_total),
            f"{vn_number(spent_total / planned_total * 100, 1)}%" if planned_total else "—",
        )
    )
    sections.append(
        Section(
            "IV. KINH PHÍ THỰC HIỆN",
            ["Đơn vị tính: đồng."],
            Table(
                ("Nguồn kinh phí", "Dự toán", "Đã sử dụng", "Tỷ lệ"),
                money_rows,
                (0.34, 0.24, 0.24, 0.18),
                frozenset({1, 2, 3}),
            ),
        )
    )
    lessons = (report.lessons if report is not None and report.lessons else p.lessons).strip()
    sections.append(
        Section(
            "V. BÀI HỌC KINH NGHIỆM" if evaluation else "V. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ",
            [x for x in lessons.splitlines() if x.strip()] or ["Chưa ghi nhận."],
        )
    )
    if evaluation:
        rank_rows = [
            (
                str(r.rank),
                r.unit.name,
                vn_number(r.points, 1),
                "; ".join(
                    f"{g.name} ({vn_number(g.points, 1)}/{vn_number(g.max_points)})"
                    for g in r.strengths[:2]
                )
                or "—",
                "; ".join(f"{g.name} (thiếu {vn_number(g.lost, 1)} điểm)" for g in r.gaps[:2])
                or "—",
            )
            for r in ev.readiness
        ]
        sections.append(
            Section(
                "VI. ĐỀ XUẤT NHÂN RỘNG",
                [
                    "Xếp hạng các xã đã khai báo điều kiện sẵn sàng nhân rộng theo bộ tiêu chí "
                    "“Điều kiện sẵn sàng nhân rộng” (100 điểm: con người và lãnh đạo 35, kinh "
                    "phí 25, cơ sở vật chất 20, kết quả chỉ số 20)."
                ]
                if rank_rows
                else ["Chưa có xã nào khai báo điều kiện sẵn sàng nhân rộng."],
                Table(
                    ("Hạng", "Đơn vị", "Điểm", "Điểm mạnh", "Còn thiếu"),
                    rank_rows,
                    (0.07, 0.2, 0.09, 0.32, 0.32),
                    frozenset({0, 2}),
                )
                if rank_rows
                else None,
            )
        )
    recipients = (
        [x.strip() for x in report.recipients.splitlines() if x.strip()]
        if report is not None and report.recipients
        else [
            f"{p.issuer_parent.title()} (để báo cáo)",
            "Ban Chỉ đạo chuyển đổi số tỉnh",
            "Lưu: VT.",
        ]
    )
    signer = (report.signer_title if report is not None else "") or "GIÁM ĐỐC"
    issued = report.issued_on if report is not None else ev.on
    number = report.number if report is not None else f"     /BC-{p.issuer_abbrev or 'S'}"
    kind_title = "BÁO CÁO"
    summary = (
        f"Đánh giá kết quả {p.name[:1].lower()}{p.name[1:]}"
        if evaluation
        else f"Tiến độ thực hiện {p.name[:1].lower()}{p.name[1:]}"
    )
    return ReportDocument(
        issuer_parent=p.issuer_parent.upper(),
        issuer=p.issuer.upper(),
        number=f"Số: {number}",
        place_date=long_date(p.place_name or p.province.short_name, issued),
        kind_title=kind_title,
        summary_title=summary,
        basis=basis,
        sections=sections,
        recipients=recipients,
        signer_lines=[x.upper() for x in signer.splitlines() if x.strip()],
        signer_name=(report.signer_name if report is not None else ""),
        is_demo=p.is_demo,
    )


# --- DOCX --------------------------------------------------------------------------------


def to_docx(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    # Decree 30/2020 margins: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm, A4.
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    text_width = 21 - 3 - 1.5

    def para(
        cell_or_doc: object,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: int = 13,
        align: int | None = WD_ALIGN_PARAGRAPH.CENTER,
        underline: bool = False,
    ) -> object:
        p = cell_or_doc.add_paragraph()  # type: ignore[attr-defined]
        p.alignment = align
        p.paragraph_format.space_after = Pt(0)
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)
        return p

    header = document.add_table(rows=2, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(text_width * 0.42), Cm(text_width * 0.58)
    left.paragraphs[0].text = ""
    para(left, doc.issuer_parent, size=12)
    para(left, doc.issuer, bold=True, size=12, underline=True)
    para(right, NATIONAL_TITLE, bold=True, size=12)
    para(right, MOTTO, bold=True, size=13, underline=True)
    para(header.rows[1].cells[0], doc.number, size=13)
    para(header.rows[1].cells[1], doc.place_date, italic=True, size=13)
    document.add_paragraph()
    para(document, doc.kind_title, bold=True, size=14)
    para(document, doc.summary_title, bold=True, size=14)
    if doc.is_demo:
        para(document, "(Số liệu minh hoạ — không phải văn bản chính thức)", italic=True, size=11)
    document.add_paragraph()
    body = para(document, doc.basis, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    body.paragraph_format.first_line_indent = Cm(1)  # type: ignore[attr-defined]
    for s in doc.sections:
        para(document, s.heading, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)
        for text in s.paragraphs:
            p = para(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.first_line_indent = Cm(1)  # type: ignore[attr-defined]
        if s.table is not None:
            t = document.add_table(rows=1, cols=len(s.table.headers))
            t.style = "Table Grid"
            for i, h in enumerate(s.table.headers):
                cell = t.rows[0].cells[i]
                cell.paragraphs[0].text = ""
                run = cell.paragraphs[0].add_run(h)
                run.bold, run.font.size = True, Pt(11)
                cell.width = Cm(text_width * s.table.widths[i])
            for row in s.table.rows:
                cells = t.add_row().cells
                for i, value in enumerate(row):
                    cells[i].paragraphs[0].text = ""
                    run = cells[i].paragraphs[0].add_run(value)
                    run.font.size = Pt(11)
                    if i in s.table.numeric:
                        cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
                    cells[i].width = Cm(text_width * s.table.widths[i])
        for text in s.after:
            para(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    document.add_paragraph()
    footer = document.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    left.paragraphs[0].text = ""
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for r in doc.recipients:
        para(left, f"- {r}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    right.paragraphs[0].text = ""
    for line in doc.signer_lines:
        para(right, line, bold=True, size=13)
    for _ in range(3):
        para(right, "", size=13)
    para(right, doc.signer_name, bold=True, size=13)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------


def to_html(doc: ReportDocument) -> str:
    return render_to_string(
        "programs/report_document.html",
        {"doc": doc, "national_title": NATIONAL_TITLE, "motto": MOTTO},
    )


def to_pdf(doc: ReportDocument) -> bytes:
    from weasyprint import CSS, HTML

    css = render_to_string("programs/report_document.css")
    result = HTML(string=to_html(doc)).write_pdf(stylesheets=[CSS(string=css)])
    assert result is not None
    return bytes(result)
