"""The evaluation report: baseline → result per KPI and commune, tasks done, budget
used, lessons, the scale-out list — in the DOCX and the PDF alike, in the administrative
layout (national title, motto, number, place and date, recipients)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

import pytest
from docx import Document

from xaso.accounts.models import User
from xaso.programs import actions, documents, queries
from xaso.programs.models import Participant, Programme
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def evaluated(
    p_song_cau: Participant, p_quang_thuan: Participant, admin_tn: User, thai_nguyen: Unit
) -> Programme:
    programme = p_song_cau.programme
    for p, baseline, result in ((p_song_cau, 0.1, 10.7), (p_quang_thuan, 2.0, 8.3)):
        kpi = actions.do_add_kpi(
            p,
            name="Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến",
            baseline=baseline,
            baseline_on=D(2023, 6, 30),
            baseline_source="Một cửa điện tử",
            target=10,
            target_on=D(2023, 12, 31),
            criterion_code="CQ.07",
            actor=admin_tn,
        )
        actions.do_record_measurement(
            kpi, value=result, measured_on=D(2023, 12, 31), source="Báo cáo của xã", actor=admin_tn
        )
    [done, _] = actions.do_apply_templates(
        p_song_cau, codes=["HT-WIFI", "KT-CHO40"], starts_on=D(2023, 8, 1), actor=admin_tn
    )
    actions.do_add_task(
        p_quang_thuan,
        title="Ngày hội chuyển đổi số",
        owner_kind="commune",
        starts_on=D(2023, 9, 1),
        due_on=D(2023, 9, 30),
        budget={"state": 20_000_000},
        actor=admin_tn,
    )
    actions.do_update_task(
        done,
        status="done",
        progress=100,
        spent={"state": 1_500_000},
        done_on=D(2023, 10, 1),
        actor=admin_tn,
    )
    candidate = (
        Unit.objects.filter(province=thai_nguyen, level="commune")
        .exclude(pk__in=[p_song_cau.unit_id, p_quang_thuan.unit_id])
        .order_by("code")
        .first()
    )
    assert candidate is not None
    actions.do_declare_readiness(
        programme,
        unit=candidate,
        values={"CN.01": "chu_tich", "KP.01": 120, "KQ.01": 0.6},
        declared_on=D(2024, 1, 5),
        actor=admin_tn,
    )
    actions.do_update_programme(
        programme, lessons="Người đứng đầu vào cuộc quyết định kết quả.", actor=admin_tn
    )
    return programme


def _report(programme: Programme, admin: User) -> documents.ReportDocument:
    saved = actions.do_create_report(
        programme,
        kind="evaluation",
        number="15/BC-STTTT",
        issued_on=D(2024, 1, 15),
        as_of=D(2023, 12, 31),
        recipients="UBND tỉnh (để báo cáo)\nLưu: VT.",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="Nguyễn Văn An",
        actor=admin,
    )
    return documents.build(queries.evaluation(admin, programme, report=saved))


EXPECTED = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 15/BC-STTTT",
    "Bắc Kạn, ngày 15 tháng 01 năm 2024",
    "UBND TỈNH BẮC KẠN",
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "BÁO CÁO",
    "Kế hoạch số 369/KH-UBND",
    "0,1% (30/06/2023)",
    "10,7% (31/12/2023)",
    "107,1%",
    "2% (30/06/2023)",
    "8,3% (31/12/2023)",
    "78,8%",
    "Tổng số nhiệm vụ: 3; đã hoàn thành 1",
    "1.500.000",
    "Người đứng đầu vào cuộc quyết định kết quả.",
    "VI. ĐỀ XUẤT NHÂN RỘNG",
    "Nơi nhận:",
    "- UBND tỉnh (để báo cáo)",
    "PHÓ GIÁM ĐỐC",
    "Nguyễn Văn An",
)


def _docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_the_evaluation_report_says_what_happened_in_the_docx(
    evaluated: Programme, admin_tn: User
) -> None:
    text = _docx_text(documents.to_docx(_report(evaluated, admin_tn)))
    missing = [e for e in EXPECTED if e not in text]
    assert not missing, missing
    # The ranking names the candidate and its reason; the quick commune was 78,8 % there.
    assert "Đã đạt" in text and "Chậm tiến độ" in text


def test_the_pdf_says_the_same(evaluated: Programme, admin_tn: User) -> None:
    pdf = documents.to_pdf(_report(evaluated, admin_tn))
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    missing = [e for e in EXPECTED if " ".join(e.split()) not in flat]
    assert not missing, missing


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert documents.vn_number(1_500_000) == "1.500.000"
    assert documents.vn_number(10.7, 2) == "10,7"
    assert documents.vn_number(107.0707, 1) == "107,1"
    assert documents.vn_number(None) == "—"
