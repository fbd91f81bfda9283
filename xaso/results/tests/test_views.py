from __future__ import annotations

import csv
import io
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook

from xaso.accounts.tests.factories import make_user
from xaso.assessments.tests.conftest import sign_in
from xaso.assessments.tests.factories import make_period
from xaso.results.models import Analysis
from xaso.results.tests.factories import Published
from xaso.units.models import Unit, UnitGroup


def _text(response: object) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))  # type: ignore[attr-defined]


def test_portal_lists_published_periods_only(
    client: Client, published: Published, dak_lak: Unit, hoa_phu: Unit
) -> None:
    draft = make_period(dak_lak, [hoa_phu], year=2026)
    page = client.get("/ket-qua/")
    assert page.status_code == 200
    assert published.after.name in page.content.decode()
    assert draft.name not in page.content.decode()
    assert client.get(f"/ket-qua/ky/{draft.pk}/").status_code == 404
    assert client.get(f"/ket-qua/ky/{draft.pk}/don-vi/{hoa_phu.code}/").status_code == 404
    assert client.get(f"/ket-qua/ky/{draft.pk}/xep-hang.csv").status_code == 404


def test_search_as_you_type_finds_the_rank(client: Client, published: Published) -> None:
    partial = client.get("/ket-qua/tim/?q=hoa+phu", headers={"HX-Request": "true"})
    text = _text(partial)
    assert "<html" not in partial.content.decode()
    assert "Xã Hòa Phú" in text and re.search(r"hạng \d/4", text)
    assert "Hãy nhập" in _text(client.get("/ket-qua/tim/?q=%20%21"))


def test_ranking_page_filters_by_htmx_and_pages(client: Client, published: Published) -> None:
    url = f"/ket-qua/ky/{published.after.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    text = _text(page)
    assert "đồng hạng" in text and re.search(r"\d,\d{4}", text)  # 0,7xxx
    assert re.search(r"(tăng|giảm) \d bậc", text)
    partial = client.get(url + "?loai=phuong", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "Hạng trong nhóm lọc" in body
    assert body.count('class="num"><strong>') == 1
    assert client.get(url + "?trang=99&chi-so=KHONG-CO").status_code == 200


def test_scorecard_is_public_and_analyses_a_small_snapshot(
    client: Client, published: Published, hoa_phu: Unit, thai_nguyen: Unit
) -> None:
    url = f"/ket-qua/ky/{published.after.pk}/don-vi/{hoa_phu.code}/"
    page = client.get(url)
    assert page.status_code == 200
    text = _text(page)
    assert "Phiếu điểm" in text and re.search(r"Hạng \d+ /4", text)
    assert "Cùng loại (xã)" in text and "Cùng huyện cũ" in text
    assert "Vì sao điểm thay đổi" in text and "Tiêu chí kéo điểm" in text
    assert Analysis.objects.filter(snapshot=published.snap_after, state="done").exists()
    assert 'style="' not in page.content.decode()  # the CSP forbids style attributes
    other = Unit.objects.filter(province=thai_nguyen, level="commune").first()
    assert other is not None
    assert client.get(f"/ket-qua/ky/{published.after.pk}/don-vi/{other.code}/").status_code == 404
    assert client.get(f"/ket-qua/don-vi/{hoa_phu.code}/").url == url


def test_scorecard_pdf(client: Client, published: Published, hoa_phu: Unit) -> None:
    pdf = client.get(f"/ket-qua/ky/{published.after.pk}/don-vi/{hoa_phu.code}/phieu-diem.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "Xã Hòa Phú" in _pdftext(pdf.content)


def _pdftext(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                             check=True, text=True)  # fmt: skip
    return out.stdout


def test_csv_and_xlsx_exports_neutralise_formulas(
    client: Client, published: Published, dak_lak: Unit, hoa_phu: Unit
) -> None:
    evil = UnitGroup.objects.create(name='=HYPERLINK("http://x")', slug="doc-hai", province=dak_lak)
    evil.members.add(hoa_phu)
    base = f"/ket-qua/ky/{published.after.pk}/"
    raw = client.get(base + "xep-hang.csv?q=hoa+phu").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert rows[0][0] == "Hạng" and len(rows) == 2
    assert rows[1][3] == "Xã Hòa Phú" and re.fullmatch(r"0,\d{4}", rows[1][7])
    assert "'=HYPERLINK" in rows[1][-1]
    book = load_workbook(io.BytesIO(client.get(base + "xep-hang.xlsx").content))
    sheet = book.active
    header = [c.value for c in sheet[4]]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
    assert header[0] == "Hạng" and len(values) == 4
    assert all(isinstance(v[7], float) for v in values)
    assert sheet.cell(5, 8).number_format == "0.0000"
    assert any(str(v[-1]).startswith("'=") for v in values)
    scores = load_workbook(io.BytesIO(client.get(base + "bang-diem.xlsx").content)).active
    head = [c.value for c in scores[4]]
    assert "NT1.01" in " ".join(str(h) for h in head) and scores.max_row == 8


def test_method_page_explains_the_framework(client: Client, published: Published) -> None:
    text = _text(client.get(f"/ket-qua/ky/{published.after.pk}/phuong-phap/"))
    assert "NT1.01" in text and "Theo bậc" in text and "đồng hạng" in text.lower()


def test_dashboard_for_officials_only(
    client: Client, published: Published, leader: object, hoa_phu: Unit
) -> None:
    assert client.get("/ket-qua/bang-dieu-khien/").status_code == 302
    citizen = make_user(role="citizen", units=[hoa_phu])
    assert sign_in(Client(), citizen).get("/ket-qua/bang-dieu-khien/").status_code == 404
    page = sign_in(Client(), leader).get(  # type: ignore[arg-type]
        f"/ket-qua/bang-dieu-khien/?ky={published.after.pk}"
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="rdot q') >= 4 and "rmap-outline" in body
    assert "hist-bar" in body and "Tiến độ nộp hồ sơ" in body


def test_official_report_docx_and_pdf(signed: Client, client: Client, published: Published) -> None:
    base = f"/ket-qua/ky/{published.after.pk}/"
    assert client.get(base + "bao-cao.docx").status_code == 302
    assert signed.get(base + "bao-cao/").status_code == 200
    query = "?so=12&ky-hieu=BC-SKHCN&ngay=05/02/2026&nguoi-ky=Nguyễn Văn A&noi-nhan=UBND tỉnh"
    doc = Document(io.BytesIO(signed.get(base + "bao-cao.docx" + query).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    everything = text + "\n" + cells
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                   "Số: 12/BC-SKHCN", "ngày 05 tháng 02 năm 2026", "BÁO CÁO", "Nơi nhận:",
                   "- UBND tỉnh", "Nguyễn Văn A", "Xã Hòa Phú"):  # fmt: skip
        assert needle in everything, needle
    assert doc.inline_shapes  # the chart
    pdf = signed.get(base + "bao-cao.pdf" + query)
    assert pdf.content.startswith(b"%PDF")
    pdf_text = _pdftext(pdf.content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pdf_text and "Nơi nhận:" in pdf_text


@pytest.mark.parametrize("version", ["1", "9"])
def test_older_versions_stay_readable(client: Client, published: Published, version: str) -> None:
    response = client.get(f"/ket-qua/ky/{published.after.pk}/?phien-ban={version}")
    assert response.status_code == (200 if version == "1" else 404)
