"""The plan workbook: export then import changes nothing; a workbook with any bad cell
changes nothing and names every problem by sheet, row and column, in Vietnamese."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.core.models import AuditEntry
from xaso.programs import actions, spreadsheets
from xaso.programs.models import BudgetLine, Kpi, Participant, Programme, Task
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def plan(p_song_cau: Participant, p_quang_thuan: Participant) -> Programme:
    actions.do_apply_templates(
        p_song_cau, codes=["HT-MANG", "KT-CHO40"], starts_on=D(2023, 8, 1), actor=None
    )
    actions.do_add_kpi(
        p_quang_thuan,
        name="Tỷ lệ thanh toán trực tuyến",
        baseline=2.0,
        baseline_on=D(2023, 6, 30),
        baseline_source="Một cửa điện tử",
        target=10,
        target_on=D(2023, 12, 31),
        criterion_code="CQ.07",
        actor=None,
    )
    return p_song_cau.programme


def _export(programme: Programme) -> bytes:
    participants = programme.participants.select_related("unit").prefetch_related(
        "tasks__budget_lines", "tasks__owner_organisation", "kpis"
    )
    return spreadsheets.plan_workbook(participants)


def _edit(content: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    book = load_workbook(io.BytesIO(content))
    for (sheet, cell), value in edits.items():
        book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _state() -> list[tuple[object, ...]]:
    return sorted(
        [
            *Task.objects.values_list("title", "status", "progress", "due_on"),
            *Kpi.objects.values_list("name", "baseline", "target", "target_on"),
            *BudgetLine.objects.values_list("task__title", "source", "planned", "spent"),
        ],
        key=str,
    )


def test_export_then_import_round_trips(plan: Programme, admin_tn: User) -> None:
    before = _state()
    result = actions.do_import_plan(
        plan, content=_export(plan), filename="ke-hoach.xlsx", actor=admin_tn
    )
    assert result.ok, result.errors
    assert (result.tasks_created, result.tasks_updated) == (0, 2)
    assert (result.kpis_created, result.kpis_updated) == (0, 1)
    assert _state() == before


def test_import_adds_and_updates_rows(plan: Programme, admin_tn: User, song_cau: Unit) -> None:
    content = _edit(
        _export(plan),
        {
            ("Nhiệm vụ", "I2"): "Hoàn thành",
            ("Nhiệm vụ", "J2"): 100,
            ("Nhiệm vụ", "N2"): "45.000.000",
            ("Nhiệm vụ", "A4"): song_cau.code,
            ("Nhiệm vụ", "D4"): "Tổ chức Ngày hội chuyển đổi số",
            ("Nhiệm vụ", "E4"): "UBND xã",
            ("Nhiệm vụ", "G4"): "02/10/2023",
            ("Nhiệm vụ", "H4"): "15/10/2023",
            ("Nhiệm vụ", "I4"): "Chưa bắt đầu",
            ("Nhiệm vụ", "K4"): "XH.05",
            ("Nhiệm vụ", "M4"): 30_000_000,
        },
    )
    result = actions.do_import_plan(plan, content=content, filename="k.xlsx", actor=admin_tn)
    assert result.ok, result.errors
    assert (result.tasks_created, result.tasks_updated) == (1, 2)
    first = Task.objects.get(title__startswith="Rà soát")
    assert first.status == "done" and first.progress == 100 and first.done_on is not None
    assert first.budget_lines.get(source="state").spent == 45_000_000
    new = Task.objects.get(title="Tổ chức Ngày hội chuyển đổi số")
    assert new.owner_kind == "commune" and new.criterion_code == "XH.05"
    assert new.budget_lines.get(source="socialised").planned == 30_000_000
    assert AuditEntry.objects.filter(action="programs.import_plan").count() == 1


def test_a_workbook_with_errors_changes_nothing_and_names_every_cell(
    plan: Programme, admin_tn: User, hoa_phu: Unit
) -> None:
    before = _state()
    audit_before = AuditEntry.objects.count()
    content = _edit(
        _export(plan),
        {
            ("Nhiệm vụ", "I2"): "Hoàn thành",
            ("Nhiệm vụ", "J2"): 100,  # a good change…
            ("Nhiệm vụ", "H3"): "31/02/2023",  # …and bad ones
            ("Nhiệm vụ", "E3"): "Chủ tịch",
            ("Nhiệm vụ", "A4"): hoa_phu.code,
            ("Nhiệm vụ", "D4"): "Nhiệm vụ ở xã khác",
            ("Nhiệm vụ", "E4"): "UBND xã",
            ("Nhiệm vụ", "G4"): "01/09/2023",
            ("Nhiệm vụ", "H4"): "01/08/2023",
            ("Nhiệm vụ", "I4"): "Đang thực hiện",
            ("Nhiệm vụ", "K4"): "CQ.99",
            ("Nhiệm vụ", "L4"): "10,5",
            ("Chỉ tiêu", "I2"): 1.0,  # target under the baseline of a rising KPI
            ("Chỉ tiêu", "G2"): "hôm qua",
        },
    )
    result = actions.do_import_plan(plan, content=content, filename="k.xlsx", actor=admin_tn)
    assert not result.ok
    text = "\n".join(result.errors)
    assert "Trang “Nhiệm vụ”, dòng 3, cột H (Hạn hoàn thành): “31/02/2023” không phải ngày" in text
    assert "Trang “Nhiệm vụ”, dòng 3, cột E (Chủ trì): “Chủ tịch” không có trong danh sách" in text
    assert f"dòng 4, cột A (Mã xã): Xã mã “{hoa_phu.code}” không tham gia" in text
    assert "dòng 4, cột H (Hạn hoàn thành): Hạn hoàn thành trước ngày bắt đầu" in text
    assert "dòng 4, cột K (Tiêu chí): Bộ chỉ số “commune-dx” không có tiêu chí “CQ.99”" in text
    assert "dòng 4, cột L (Dự toán NSNN (đồng)): “10,5”: số tiền ghi bằng đồng" in text
    assert "Trang “Chỉ tiêu”, dòng 2, cột G (Ngày đo ban đầu)" in text
    assert "Trang “Chỉ tiêu”, dòng 2, cột I (Mục tiêu)" in text
    assert _state() == before
    assert AuditEntry.objects.count() == audit_before


def test_an_error_while_saving_rolls_back_rows_already_saved(
    plan: Programme, admin_tn: User, song_cau: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence: a row the checks let through but saving refuses still
    undoes every row saved before it."""
    before = _state()
    content = _edit(_export(plan), {("Nhiệm vụ", "I2"): "Hoàn thành", ("Nhiệm vụ", "J2"): 100})
    original = actions._apply_kpi_line

    def refuse(line: spreadsheets.KpiLine, actor: User | None, result: object) -> None:
        original(line, actor, result)  # type: ignore[arg-type]
        raise actions.ValidationError("Không lưu được chỉ tiêu (thử).")

    monkeypatch.setattr(actions, "_apply_kpi_line", refuse)
    result = actions.do_import_plan(plan, content=content, filename="k.xlsx", actor=admin_tn)
    assert result.errors == ["Trang “Chỉ tiêu”, dòng 2: Không lưu được chỉ tiêu (thử)."]
    assert result.tasks_updated == 0
    assert _state() == before


def test_only_workbooks_from_the_department_are_taken(plan: Programme, song_cau: Unit) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    with pytest.raises(actions.PermissionDenied):
        actions.do_import_plan(plan, content=b"", filename="k.xlsx", actor=officer)
    result = actions.do_import_plan(plan, content=b"not a workbook", filename="k.xlsx", actor=None)
    assert result.errors == ["Tệp không phải bảng tính Excel (.xlsx) đọc được."]
    assert actions.do_import_plan(plan, content=b"", filename="k.csv", actor=None).errors
