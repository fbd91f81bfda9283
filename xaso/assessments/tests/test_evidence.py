"""Evidence files: the hostile corpus is refused with a reason, good files are accepted
with their type decided from content, images lose their metadata, downloads are
access-checked attachments, and reuse across units is flagged."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from xaso.assessments import actions, queries
from xaso.assessments.evidence import EvidenceRejected, inspect, normalise_doc_number
from xaso.assessments.models import Evidence, Period
from xaso.assessments.tests.factories import PDF
from xaso.core.uploads import DOCX, JPEG, PNG, XLSX
from xaso.units.models import Unit

HOSTILE = Path(__file__).parent / "hostile"
REASONS = {
    "quyet-dinh-la-html.pdf": "trang HTML",
    "bang-tinh-xlsm-doi-ten.xlsx": "macro",
    "anh-co-ma.svg": "SVG",
    "logo-svg-doi-ten.png": "SVG",
    "rong.pdf": "0 byte",
    "tep-zip-thuong.docx": "không phải Excel",
    "pdf-co-javascript.pdf": "JavaScript",
}


def test_the_corpus_is_complete() -> None:
    assert {p.name for p in HOSTILE.iterdir() if p.name != "README.md"} == set(REASONS)


@pytest.mark.parametrize("name", sorted(REASONS))
def test_every_hostile_file_is_refused_with_a_reason(name: str) -> None:
    with pytest.raises(EvidenceRejected) as info:
        inspect(name, (HOSTILE / name).read_bytes())
    assert REASONS[name] in info.value.message and name in info.value.message


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\boot.ini.pdf", "a/b.pdf", ".."])
def test_names_carrying_a_path_are_refused(name: str) -> None:
    with pytest.raises(EvidenceRejected, match="đường dẫn"):
        inspect(name, PDF)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_dressed_as_a_workbook_is_refused() -> None:
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"\0" * 60_000_000})
    assert len(bomb) < 200_000
    with pytest.raises(EvidenceRejected, match="bom nén"):
        inspect("so-lieu.xlsx", bomb)


def test_an_oversized_file_is_refused(settings: Any) -> None:
    settings.XASO_EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(EvidenceRejected, match="vượt giới hạn"):
        inspect("to.pdf", PDF + b"x" * 2000)


def test_a_real_workbook_and_document_are_accepted_by_content() -> None:
    wb = Workbook()
    wb.active.append(["a", 1])
    buf = io.BytesIO()
    wb.save(buf)
    assert inspect("bang-ke.bin", buf.getvalue()).content_type == XLSX
    assert inspect("bang-ke.bin", buf.getvalue()).name == "bang-ke.xlsx"
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert inspect("bien-ban.docx", docx).content_type == DOCX


def test_images_are_re_encoded_without_metadata() -> None:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "Điện thoại của cán bộ"  # Make
    exif[0x8825] = {1: "N", 2: (12.0, 40.0, 0.0)}  # GPS
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif, comment=b"toa do nha rieng")
    original = buf.getvalue() + b"<?php system($_GET['c']); ?>"
    checked = inspect("anh.jpg", original)
    assert checked.content_type == JPEG
    clean = Image.open(io.BytesIO(checked.data))
    assert not clean.getexif() and "comment" not in clean.info
    assert b"php" not in checked.data and b"toa do" not in checked.data
    assert clean.size == (40, 30)
    png = io.BytesIO()
    Image.new("RGBA", (5, 5)).save(png, format="PNG")
    assert inspect("a.png", png.getvalue()).content_type == PNG


def test_a_decompression_bomb_image_is_refused() -> None:
    buf = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buf, format="PNG")
    with pytest.raises(EvidenceRejected, match="quá lớn"):
        inspect("bom.png", buf.getvalue())


def test_document_numbers_match_however_they_are_written() -> None:
    assert normalise_doc_number("Số 23/KH-STTTT") == normalise_doc_number(" 23/kh-stttt ")


@pytest.mark.django_db
def test_a_refused_upload_changes_nothing(period: Period, hoa_phu: Unit, officer: Any) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    with pytest.raises(actions.AssessmentError) as info:
        actions.do_upload_evidence(
            submission=sub, criterion="NT1.03", name="quyet-dinh-la-html.pdf",
            data=(HOSTILE / "quyet-dinh-la-html.pdf").read_bytes(), actor=officer,
        )  # fmt: skip
    assert "quyet-dinh-la-html.pdf" in info.value.errors["file"]
    assert not Evidence.objects.exists()
    assert period.submissions.get(unit=hoa_phu).version == sub.version


@pytest.mark.django_db
def test_downloads_are_attachments_for_those_in_scope_only(
    period: Period, hoa_phu: Unit, officer: Any, officer_kn: Any, verifier: Any,
    verifier_tn: Any, signed_in: Any,
) -> None:  # fmt: skip
    sub = period.submissions.get(unit=hoa_phu)
    evidence = actions.do_upload_evidence(
        submission=sub, criterion="NT1.03", name="Quyết định <b>.pdf", data=PDF,
        doc_number="12/QĐ-UBND", doc_date="14/06/2022", doc_issuer="UBND xã Hòa Phú",
        doc_summary="Ban hành kế hoạch CĐS", actor=officer,
    )  # fmt: skip
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    for person in (officer, verifier):
        response = signed_in(person).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF
    for person in (officer_kn, verifier_tn):
        assert signed_in(person).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert evidence.doc_date.isoformat() == "2022-06-14"


@pytest.mark.django_db
def test_a_bad_document_date_names_the_field(period: Period, hoa_phu: Unit, officer: Any) -> None:
    with pytest.raises(actions.AssessmentError) as info:
        actions.do_upload_evidence(
            submission=period.submissions.get(unit=hoa_phu), criterion="NT1.03", name="a.pdf",
            data=PDF, doc_date="31/02/2025", actor=officer,
        )  # fmt: skip
    assert "31/02/2025" in info.value.errors["doc_date"]


@pytest.mark.django_db
def test_reuse_of_a_file_or_a_document_number_across_units_is_flagged(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any
) -> None:
    mine = actions.do_upload_evidence(
        submission=period.submissions.get(unit=hoa_phu), criterion="NT1.03", name="a.pdf",
        data=PDF, doc_number="Số 05/QĐ-UBND", actor=officer,
    )  # fmt: skip
    actions.do_upload_evidence(
        submission=period.submissions.get(unit=krong_nang), criterion="NT1.01", name="b.pdf",
        data=PDF + b"khac", doc_number="05/qđ-ubnd", actor=officer_kn,
    )  # fmt: skip
    actions.do_upload_evidence(
        submission=period.submissions.get(unit=krong_nang), criterion="NT1.03", name="c.pdf",
        data=PDF, actor=officer_kn,
    )  # fmt: skip
    flags = queries.evidence_reuse([mine])[mine.pk]
    assert {(f.same_file, f.same_number) for f in flags} == {(False, True), (True, False)}
    assert all(f.other_unit == krong_nang.name for f in flags)


@pytest.mark.django_db
def test_evidence_cannot_be_added_to_another_communes_form(
    period: Period, krong_nang: Unit, officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_upload_evidence(
            submission=period.submissions.get(unit=krong_nang), criterion="NT1.03",
            name="a.pdf", data=PDF, actor=officer,
        )  # fmt: skip
