"""The Excel round trip: templates out, every error reported with sheet, cell, criterion
and reason, all or nothing, idempotent re-upload, the structure locked, the wrong
workbook refused, large workbooks through the worker with progress."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from xaso.assessments import actions, excel, queries
from xaso.assessments.engine import main_index_of
from xaso.assessments.models import ImportJob, ImportKind, ImportState, Period, Status, Submission
from xaso.assessments.tasks import run_import
from xaso.assessments.tests.factories import make_ready
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def unit_workbook(sub: Submission) -> Any:
    period = sub.period
    framework = queries.framework_of(period)
    data = excel.unit_template(
        meta=queries.expected_meta(period, sub.unit, ImportKind.UNIT), title="Phiếu",
        framework=framework, main_of=main_index_of(framework), current=sub.self_values,
        comments=sub.comments, previous=queries.previous_cells(sub),
    )  # fmt: skip
    return load_workbook(io.BytesIO(data))


def save(wb: Any) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row_of(ws: Any, code: str) -> int:
    for row in range(excel.FIRST_UNIT_ROW, ws.max_row + 1):
        if ws[f"A{row}"].value == code:
            return row
    raise KeyError(code)


def upload(sub: Submission, data: bytes, actor: Any, kind: str = ImportKind.UNIT) -> ImportJob:
    unit = sub.unit if kind == ImportKind.UNIT else sub.period.province
    job = actions.do_start_import(
        period=sub.period, unit=unit, kind=kind, name="phieu.xlsx", data=data, actor=actor
    )
    return actions.do_run_import(job=job, actor=actor)


def test_the_unit_template_is_locked_with_dropdowns_hints_and_previous_values(
    period: Period, hoa_phu: Unit
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    wb = unit_workbook(sub)
    ws = wb[excel.UNIT_SHEET]
    assert ws.protection.sheet
    r = row_of(ws, "NT1.01")
    assert not ws[f"E{r}"].protection.locked and ws[f"A{r}"].protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if f"E{r}" in str(dv.sqref)]
    assert lists[0].type == "list" and lists[0].formula1.startswith(f"'{excel.LISTS_SHEET}'!")
    assert "chu_tich" in lists[0].prompt
    assert wb[excel.LISTS_SHEET].sheet_state == "hidden" and wb[excel.META_SHEET].sheet_state == (
        "hidden"
    )


def test_a_filled_unit_workbook_round_trips(period: Period, hoa_phu: Unit, officer: Any) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    wb = unit_workbook(sub)
    ws = wb[excel.UNIT_SHEET]
    ws[f"E{row_of(ws, 'NT1.01')}"] = "pho_chu_tich"
    ws[f"E{row_of(ws, 'NT1.03')}"] = "có"
    r = row_of(ws, "NT2.04")
    ws[f"E{r}"], ws[f"F{r}"] = 7, 10
    ws[f"E{row_of(ws, 'CQ.07')}"] = "10,7"
    ws[f"I{row_of(ws, 'CQ.07')}"] = "Tăng nhờ hướng dẫn tại một cửa"
    job = upload(sub, save(wb), officer)
    assert job.state == ImportState.DONE, job.errors
    sub.refresh_from_db()
    assert sub.self_values["NT1.01"] == {"opt": "pho_chu_tich"}
    assert sub.self_values["NT2.04"] == {"num": 7.0, "den": 10.0}
    assert sub.self_values["CQ.07"] == {"v": 10.7} and sub.comments["CQ.07"].startswith("Tăng")
    # The same file again changes nothing (no new version, no new audit rows).
    version = sub.version
    again = upload(sub, save(wb), officer)
    sub.refresh_from_db()
    assert again.state == ImportState.DONE and sub.version == version
    assert "0 giá trị cho 0 đơn vị" in again.summary
    # A downloaded template carries the values back out.
    ws2 = unit_workbook(sub)[excel.UNIT_SHEET]
    assert ws2[f"E{row_of(ws2, 'CQ.07')}"].value == 10.7


def test_every_error_is_reported_and_nothing_is_imported(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    wb = unit_workbook(sub)
    ws = wb[excel.UNIT_SHEET]
    good = row_of(ws, "NT1.02")
    ws[f"E{good}"] = 3
    bad = {
        "NT1.01": ("E", "truong_ban"),
        "NT1.03": ("E", "có lẽ"),
        "NT4.03": ("E", -1),
        "XH.01": ("E", 140),
        "NT1.04": ("F", 5),
    }
    for code, (col, value) in bad.items():
        ws[f"{col}{row_of(ws, code)}"] = value
    r = row_of(ws, "NT2.05")
    ws[f"E{r}"], ws[f"F{r}"] = 12, 10
    job = upload(sub, save(wb), officer)
    assert job.state == ImportState.FAILED
    where = {(e["sheet"], e["cell"]) for e in job.errors}
    expected = {(excel.UNIT_SHEET, f"E{row_of(ws, c)}") for c in ("NT1.01", "NT1.03", "NT4.03",
                                                                   "XH.01")}  # fmt: skip
    expected |= {(excel.UNIT_SHEET, f"F{row_of(ws, 'NT1.04')}"), (excel.UNIT_SHEET, f"E{r}:F{r}")}
    assert where == expected
    by_cell = {e["cell"]: e for e in job.errors}
    assert "vượt quá 100" in by_cell[f"E{row_of(ws, 'XH.01')}"]["message"]
    assert by_cell[f"E{r}:F{r}"]["criterion"].startswith("NT2.05 — ")
    assert "tử số 12 lớn hơn mẫu số 10" in by_cell[f"E{r}:F{r}"]["message"]
    sub.refresh_from_db()
    assert sub.self_values == {}  # NT1.02 was fine, and still nothing was imported


def test_a_tampered_structure_or_the_wrong_workbook_is_refused(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    wb = unit_workbook(sub)
    ws = wb[excel.UNIT_SHEET]
    ws[f"A{row_of(ws, 'NT1.02')}"] = "NT9.99"
    job = upload(sub, save(wb), officer)
    assert (
        job.state == ImportState.FAILED and "cấu trúc phiếu đã bị sửa" in job.errors[0]["message"]
    )
    other = period.submissions.get(unit=krong_nang)
    job = upload(other, save(unit_workbook(sub)), officer_kn)
    assert job.state == ImportState.FAILED and "đơn vị mã 24175" in job.summary
    job = upload(sub, save(load_workbook(io.BytesIO(_plain_xlsx()))), officer)
    assert job.state == ImportState.FAILED and "không phải mẫu Excel của xaso" in job.summary


def _plain_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["NT1.01", "chu_tich"])
    return save(wb)


def test_a_macro_workbook_is_refused_before_anything_is_stored(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    from pathlib import Path

    data = (Path(__file__).parent / "hostile" / "bang-tinh-xlsm-doi-ten.xlsx").read_bytes()
    with pytest.raises(actions.AssessmentError, match="macro"):
        actions.do_start_import(
            period=period, unit=hoa_phu, kind=ImportKind.UNIT, name="x.xlsx", data=data,
            actor=officer,
        )  # fmt: skip
    assert not ImportJob.objects.exists()


def test_the_province_workbook_round_trips_through_the_worker(
    period: Period, hoa_phu: Unit, krong_nang: Unit, admin: Any, officer_kn: Any,
    verifier: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    submitted = make_ready(period.submissions.get(unit=krong_nang), officer_kn)
    actions.do_submit_submission(submission=submitted, actor=officer_kn)
    wb = load_workbook(
        io.BytesIO(excel.province_template(**queries.province_workbook_parts(period)))
    )
    ws = wb[excel.DATA_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["unit_code", "unit_name"] and "NT2.04.num" in header
    assert ws.protection.sheet and wb[excel.PREVIOUS_SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(excel.FIRST_DATA_ROW, ws.max_row + 1)}
    r = rows[hoa_phu.code]
    ws.cell(r, header.index("NT1.02") + 1, 4)
    ws.cell(r, header.index("NT2.04.num") + 1, 3)
    ws.cell(r, header.index("NT2.04.den") + 1, 6)
    # Krông Năng's submitted row is left as downloaded: unchanged rows are no error.
    job = actions.do_start_import(
        period=period, unit=period.province, kind=ImportKind.PROVINCE, name="toan-tinh.xlsx",
        data=save(wb), actor=admin,
    )  # fmt: skip
    run_import.enqueue(job.pk)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job.refresh_from_db()
    assert job.state == ImportState.DONE and job.progress == 100, job.errors
    assert period.submissions.get(unit=hoa_phu).self_values["NT2.04"] == {"num": 3.0, "den": 6.0}
    # Changing the submitted unit's row is refused, and then nothing at all is imported.
    ws.cell(rows[krong_nang.code], header.index("NT1.02") + 1, 1)
    ws.cell(r, header.index("NT1.02") + 1, 2)
    ws.cell(rows[hoa_phu.code] + 5, 1, "99999")
    job = actions.do_run_import(
        job=actions.do_start_import(
            period=period, unit=period.province, kind=ImportKind.PROVINCE, name="lan-2.xlsx",
            data=save(wb), actor=admin,
        ), actor=admin,
    )  # fmt: skip
    assert job.state == ImportState.FAILED
    assert any("99999" in e["message"] for e in job.errors)
    assert period.submissions.get(unit=hoa_phu).self_values["NT1.02"] == {"v": 4.0}
    assert period.submissions.get(unit=krong_nang).status == Status.SUBMITTED


def test_an_officer_cannot_import_the_province_workbook(
    period: Period, officer: Any, hoa_phu: Unit
) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.do_start_import(
            period=period, unit=period.province, kind=ImportKind.PROVINCE, name="x.xlsx",
            data=_plain_xlsx(), actor=officer,
        )  # fmt: skip


def test_upload_pages_show_every_error(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    wb = unit_workbook(sub)
    ws = wb[excel.UNIT_SHEET]
    ws[f"E{row_of(ws, 'NT1.02')}"] = "ba"
    ws[f"E{row_of(ws, 'NT4.03')}"] = "hai"
    client = signed_in(officer)
    response = client.post(
        reverse("assessments:unit_upload", args=[sub.pk]),
        {"file": _named(save(wb), "phieu.xlsx")},
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200 and "2 lỗi" in text
    assert f"E{row_of(ws, 'NT1.02')}" in text and f"E{row_of(ws, 'NT4.03')}" in text
    assert "“ba” không phải là số" in text
    template = client.get(reverse("assessments:unit_template", args=[sub.pk]))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")


def _named(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
