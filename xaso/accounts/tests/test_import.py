"""Bulk import of officers: row-by-row report in Vietnamese, and all-or-nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from xaso.accounts import actions
from xaso.accounts.models import RoleAssignment, User
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

HEADER = "họ tên,điện thoại,email,vai trò,mã đơn vị,cơ quan\n"


def run(
    content: str | bytes, admin: User, province: Unit, name: str = "ds.csv"
) -> actions.ImportResult:
    data = content.encode("utf-8-sig") if isinstance(content, str) else content
    return actions.do_import_officers(content=data, filename=name, province=province, actor=admin)


def test_a_good_file_creates_everyone_with_roles_and_audit_rows(
    admin_dl: User, dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit
) -> None:
    csv = HEADER + (
        "Nguyễn Văn An,0912 345 678,an@example.vn,Cán bộ cấp xã,24175,\n"
        'Trần Thị Bình,,,đơn vị phụ trách,"24175, 24343",VNPT Đắk Lắk\n'
        "Lê Văn Cường,0987654321,,thẩm định,66,\n"
    )
    result = run(csv, admin_dl, dak_lak)
    assert result.ok and len(result.created) == 3
    binh = User.objects.get(full_name="Trần Thị Bình")
    assert binh.organisation == "VNPT Đắk Lắk" and binh.province == dak_lak
    assert set(RoleAssignment.objects.filter(user=binh).values_list("unit__code", flat=True)) == {
        "24175",
        "24343",
    }
    assert all(a.password and a.user.must_change_password for a in result.created)
    created_rows = AuditEntry.objects.filter(action="accounts.create_user", actor=admin_dl)
    assert created_rows.count() == 3
    assert {r.changes["via"] for r in created_rows} == {f"import:ds.csv:{n}" for n in (2, 3, 4)}
    summary = AuditEntry.objects.get(action="accounts.import_officers")
    assert summary.changes == {"file": "ds.csv", "rows": 3, "created": 3}


def test_one_bad_row_creates_nobody_and_every_bad_row_is_reported(
    admin_dl: User, dak_lak: Unit
) -> None:
    before = User.objects.count()
    csv = HEADER + (
        "Nguyễn Văn An,0912345678,,Cán bộ cấp xã,24175,\n"  # good
        ",0912,khong-email,giám đốc,,\n"  # line 3: four problems
        "Phạm Thị Dung,0912345678,,Cán bộ cấp xã,24172,\n"  # line 4: duplicate phone, legacy code
        "Hoàng Văn Em,,,Cán bộ cấp xã,19999,\n"  # line 5: unknown code
        "Võ Thị Gấm,,,Cán bộ cấp xã,66,\n"  # line 6: province for a commune role
        "Đỗ Văn Hùng,,,Lãnh đạo,01,\n"  # line 7: another province
        "Bùi Thị Lan,,,Đơn vị phụ trách,24175,\n"  # line 8: sponsor without organisation
        "Ngô Văn Minh,,,Người dân,24175,\n"  # line 9: citizens are not imported here
    )
    result = run(csv, admin_dl, dak_lak)
    assert not result.ok and result.created == []
    assert User.objects.count() == before
    assert not AuditEntry.objects.filter(action__startswith="accounts.import").exists()
    by_line: dict[int, list[str]] = {}
    for e in result.errors:
        by_line.setdefault(e.line, []).append(e.message)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9]
    line3 = " ".join(by_line[3])
    assert "Chưa nhập họ tên" in line3 and "Số điện thoại không hợp lệ" in line3
    assert "email không hợp lệ" in line3 and "Vai trò “giám đốc” không rõ" in line3
    assert "Chưa ghi mã đơn vị" in line3
    assert any("trùng với dòng 2" in m for m in by_line[4])
    assert any("trước 01/7/2025" in m and "24175" in m for m in by_line[4])
    assert by_line[5] == ["Không có đơn vị nào mang mã 19999."]
    assert "không gán cho Tỉnh Đắk Lắk" in by_line[6][0]
    assert "không thuộc Tỉnh Đắk Lắk" in by_line[7][0]
    assert "cơ quan" in by_line[8][0]
    assert "người dân" in by_line[9][0]
    # Phone numbers are never echoed back in the report.
    assert "0912345678" not in str(result.errors)


def test_xlsx_with_numeric_cells_keeps_leading_zeros(admin_dl: User, dak_lak: Unit) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Họ và tên", "Số điện thoại", "Vai trò", "Mã đơn vị"])
    sheet.append(["Nguyễn Thị Hoa", 912345678, "Cán bộ cấp xã", 24175])
    sheet.append(["Trần Văn Nam", None, "Lãnh đạo", 66])
    out = io.BytesIO()
    book.save(out)
    result = run(out.getvalue(), admin_dl, dak_lak, name="ds.xlsx")
    assert result.ok, result.errors
    assert User.objects.get(full_name="Nguyễn Thị Hoa").phone == "0912345678"


def test_file_level_problems_are_reported(admin_dl: User, dak_lak: Unit) -> None:
    assert (
        "thiếu cột: vai trò, mã đơn vị" in run("họ tên\nAn\n", admin_dl, dak_lak).errors[0].message
    )
    assert "Chỉ nhận tệp" in run("x", admin_dl, dak_lak, name="ds.pdf").errors[0].message
    assert (
        "UTF-8"
        in run("ho ten\nĐào".encode("cp1258", "replace") + b"\xe0", admin_dl, dak_lak)
        .errors[0]
        .message
    )
    assert "không có người nào" in run(HEADER, admin_dl, dak_lak).errors[0].message
    assert "bị hỏng" in run(b"not a zip", admin_dl, dak_lak, name="x.xlsx").errors[0].message


def test_semicolon_separated_csv_from_excel(admin_dl: User, dak_lak: Unit) -> None:
    csv = "Họ tên;Vai trò;Mã đơn vị\nNguyễn Văn Tư;Cán bộ cấp xã;24175\n"
    assert run(csv, admin_dl, dak_lak).ok


def test_only_the_provinces_admins_may_import(admin_tn: User, dak_lak: Unit) -> None:
    with pytest.raises(PermissionDenied):
        run(HEADER + "An,,,Cán bộ cấp xã,24175,\n", admin_tn, dak_lak)
