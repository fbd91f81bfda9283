"""User management and audit pages for province administrators: thin, scoped, Vietnamese."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from xaso.accounts.models import RoleAssignment, User
from xaso.accounts.tests.factories import make_user
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
SignIn = Callable[..., Client]


def test_user_list_shows_only_the_province(
    signed_in: SignIn, admin_dl: User, admin_tn: User, hoa_phu: Unit
) -> None:
    person = make_user(role="commune_officer", units=[hoa_phu], phone="0912345678")
    client = signed_in(admin_dl)
    html = client.get(reverse("accounts:users")).content.decode()
    assert person.username in html and admin_tn.username not in html
    assert "0912345678" in html  # the province's administrator sees the whole number
    assert client.get(reverse("accounts:user", args=[admin_tn.pk])).status_code == 404
    assert client.get(reverse("accounts:user", args=[10**8])).status_code == 404


def test_other_roles_get_404_on_admin_pages(signed_in: SignIn, officer_hp: User) -> None:
    client = signed_in(officer_hp)
    for name in (
        "accounts:users",
        "accounts:audit",
        "accounts:user_create",
        "accounts:user_import",
    ):
        assert client.get(reverse(name)).status_code == 404


def test_create_a_user_with_a_role_shows_the_password_once(
    signed_in: SignIn, admin_dl: User, dak_lak: Unit
) -> None:
    client = signed_in(admin_dl)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Phạm Thị Mai",
            "phone": "0905 123 456",
            "email": "",
            "organisation": "",
            "username": "",
            "province": dak_lak.pk,
            "role": "commune_officer",
            "unit_codes": "24175",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mật khẩu tạm thời" in html and "chỉ hiển thị một lần" in html
    assert "no-store" in response["Cache-Control"]
    mai = User.objects.get(username="maipt")
    assert RoleAssignment.objects.get(user=mai).unit.code == "24175"


def test_bad_unit_codes_are_named_on_the_form(
    signed_in: SignIn, admin_dl: User, dak_lak: Unit
) -> None:
    client = signed_in(admin_dl)
    before = User.objects.count()
    response = client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Phạm Thị Mai",
            "province": dak_lak.pk,
            "role": "commune_officer",
            "unit_codes": "24172",
        },
    )
    html = response.content.decode()
    assert "là Xã Hòa Phú trước 01/7/2025" in html and "Xã Hòa Phú (24175)" in html
    response = client.post(
        reverse("accounts:user_create"),
        {
            "full_name": "Phạm Thị Mai",
            "province": dak_lak.pk,
            "role": "commune_officer",
            "unit_codes": "24175",
            "phone": "12",
        },
    )
    assert "Số điện thoại không hợp lệ" in response.content.decode()
    assert User.objects.count() == before


def test_roles_disable_and_reset_through_the_pages(
    signed_in: SignIn, admin_dl: User, officer_hp: User, krong_nang: Unit
) -> None:
    client = signed_in(admin_dl)
    url = reverse("accounts:role_add", args=[officer_hp.pk])
    assert client.post(url, {"role": "commune_officer", "unit_codes": "24343"}).status_code == 302
    response = client.post(url, {"role": "leader", "unit_codes": "24343"})
    assert response.status_code == 400 and "gán cho tỉnh" in response.content.decode()
    assignment = RoleAssignment.objects.get(user=officer_hp, unit=krong_nang)
    client.post(reverse("accounts:role_remove", args=[officer_hp.pk, assignment.pk]))
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    response = client.post(reverse("accounts:user_reset_password", args=[officer_hp.pk]))
    assert "Mật khẩu tạm thời" in response.content.decode()
    client.post(
        reverse("accounts:user_disable", args=[officer_hp.pk]), {"reason": "chuyển công tác"}
    )
    officer_hp.refresh_from_db()
    assert not officer_hp.is_active
    assert client.get(reverse("accounts:user_disable", args=[officer_hp.pk])).status_code == 405


def test_admin_of_another_province_cannot_touch_the_account(
    signed_in: SignIn, admin_tn: User, officer_hp: User
) -> None:
    client = signed_in(admin_tn)
    for name in ("user_disable", "user_reset_password", "user_reset_two_factor", "user_edit"):
        assert client.post(reverse(f"accounts:{name}", args=[officer_hp.pk])).status_code == 404
    assignment = RoleAssignment.objects.get(user=officer_hp)
    url = reverse("accounts:role_remove", args=[officer_hp.pk, assignment.pk])
    assert client.post(url).status_code == 404
    officer_hp.refresh_from_db()
    assert officer_hp.is_active and RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_bulk_import_page_reports_errors_and_creates_nobody(
    signed_in: SignIn, admin_dl: User, dak_lak: Unit
) -> None:
    client = signed_in(admin_dl)
    content = "họ tên,vai trò,mã đơn vị\nNguyễn An,Cán bộ cấp xã,24175\nLê Bình,lãnh đạo,99\n"
    upload = SimpleUploadedFile("ds.csv", content.encode(), content_type="text/csv")
    before = User.objects.count()
    response = client.post(
        reverse("accounts:user_import"), {"province": dak_lak.pk, "file": upload}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "chưa tạo tài khoản nào" in html and '<td class="num">3</td>' in html
    assert "Không có đơn vị nào mang mã 99." in html
    assert User.objects.count() == before
    good = SimpleUploadedFile(
        "ds.csv", content.splitlines()[0].encode() + "\nNguyễn An,Cán bộ cấp xã,24175\n".encode()
    )
    response = client.post(reverse("accounts:user_import"), {"province": dak_lak.pk, "file": good})
    assert response.status_code == 200 and "Đã tạo 1 tài khoản" in response.content.decode()
    assert client.get(reverse("accounts:import_template")).content.startswith(
        "\ufeffhọ tên".encode()
    )


def test_audit_page_search_and_exports_are_scoped(
    signed_in: SignIn, admin_dl: User, admin_tn: User, hoa_phu: Unit
) -> None:
    make_user(role="commune_officer", units=[hoa_phu], phone="0912345678")
    client = signed_in(admin_dl)
    html = client.get(reverse("accounts:audit")).content.decode()
    assert "accounts.assign_role" in html and "admin.tn" not in html
    assert "09x xxx x678" in html and "0912345678" not in html
    html = client.get(
        reverse("accounts:audit"), {"action": "accounts.create_user", "target": "admin.dl"}
    ).content.decode()
    assert html.count("<tr>") == 2  # header + the one matching row
    csv = client.get(reverse("accounts:audit_export", args=["csv"])).content.decode("utf-8-sig")
    assert csv.startswith("thời điểm (UTC),") and "admin.dl" in csv and "admin.tn" not in csv
    assert "0912345678" not in csv
    xlsx = client.get(reverse("accounts:audit_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "thời điểm (UTC)" and len(rows) > 1
    assert all(str(r[0]).endswith("Z") for r in rows[1:])
    assert client.get(reverse("accounts:audit_export", args=["pdf"])).status_code == 404
    assert not any("admin.tn" in str(r) for r in rows)
    assert AuditEntry.objects.filter(province__isnull=False).count() > len(rows) - 1


def test_audit_date_range_is_checked(signed_in: SignIn, admin_dl: User) -> None:
    client = signed_in(admin_dl)
    response = client.get(
        reverse("accounts:audit"), {"date_from": "2025-07-02", "date_to": "2025-07-01"}
    )
    assert "phải sau" in response.content.decode()


def test_every_form_field_has_a_label(signed_in: SignIn, admin_dl: User, officer_hp: User) -> None:
    import re

    client = signed_in(admin_dl)
    for url in (
        reverse("accounts:user_create"),
        reverse("accounts:user_import"),
        reverse("accounts:user", args=[officer_hp.pk]),
        reverse("accounts:audit"),
        reverse("accounts:password_change"),
    ):
        html = client.get(url).content.decode()
        ids = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
        )
        assert ids, url
        for field_id in ids:
            assert f'for="{field_id}"' in html, (url, field_id)
