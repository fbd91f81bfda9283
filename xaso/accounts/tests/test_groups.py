"""Province administrators edit their province's unit groups in the site; nobody else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.core.models import AuditEntry
from xaso.units.actions import do_save_group
from xaso.units.models import Unit, UnitGroup

pytestmark = pytest.mark.django_db


def test_admin_creates_a_group_from_codes(
    signed_in: Callable[..., Client], admin_dl: User, hoa_phu: Unit, krong_nang: Unit
) -> None:
    client = signed_in(admin_dl)
    response = client.post(
        "/tai-khoan/nhom-don-vi/tao-moi/",
        {"name": "Xã điểm 2026", "description": "", "province": hoa_phu.province_id,
         "member_codes": f"{hoa_phu.code}, {krong_nang.code}"},
    )  # fmt: skip
    group = UnitGroup.objects.get(name="Xã điểm 2026")
    assert response.status_code == 302 and response["Location"].endswith(f"/nhom/{group.slug}/")
    assert set(group.members.all()) == {hoa_phu, krong_nang}
    assert AuditEntry.objects.filter(action="units.save_group", actor=admin_dl).exists()


def test_bad_codes_are_named_and_nothing_is_saved(
    signed_in: Callable[..., Client], admin_dl: User, hoa_phu: Unit, bac_kan_ward: Unit
) -> None:
    client = signed_in(admin_dl)
    response = client.post(
        "/tai-khoan/nhom-don-vi/tao-moi/",
        {"name": "Sai", "description": "", "province": hoa_phu.province_id,
         "member_codes": f"99999 24172 {bac_kan_ward.code}"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "Không có đơn vị nào mang mã 99999" in html
    assert "trước 01/7/2025" in html  # a legacy code, with its successors named
    assert f"Không thuộc {hoa_phu.province.name}: {bac_kan_ward.name}" in html  # type: ignore[union-attr]
    assert not UnitGroup.objects.filter(name="Sai").exists()


def test_admin_of_another_province_cannot_edit(
    signed_in: Callable[..., Client], admin_tn: User, hoa_phu: Unit
) -> None:
    group = do_save_group(slug="nhom-dl", name="Nhóm ĐL", description="",
                          province=hoa_phu.province, members=[hoa_phu], actor=None)  # fmt: skip
    client = signed_in(admin_tn)
    assert client.get(f"/tai-khoan/nhom-don-vi/{group.slug}/sua/").status_code == 404
    response = client.post(
        f"/tai-khoan/nhom-don-vi/{group.slug}/sua/",
        {"name": "Đổi", "province": hoa_phu.province_id, "member_codes": hoa_phu.code},
    )
    assert response.status_code == 404
    assert UnitGroup.objects.get(pk=group.pk).name == "Nhóm ĐL"


def test_commune_officer_cannot_reach_group_management(
    signed_in: Callable[..., Client], officer_hp: User
) -> None:
    assert signed_in(officer_hp).get("/tai-khoan/nhom-don-vi/").status_code == 404


def test_admin_edits_members(
    signed_in: Callable[..., Client], admin_dl: User, hoa_phu: Unit, krong_nang: Unit
) -> None:
    group = do_save_group(slug="nhom-sua", name="Nhóm", description="",
                          province=hoa_phu.province, members=[hoa_phu], actor=None)  # fmt: skip
    client = signed_in(admin_dl)
    page = client.get(f"/tai-khoan/nhom-don-vi/{group.slug}/sua/").content.decode()
    assert hoa_phu.code in page
    client.post(
        f"/tai-khoan/nhom-don-vi/{group.slug}/sua/",
        {"name": "Nhóm", "description": "", "province": hoa_phu.province_id,
         "member_codes": krong_nang.code},
    )  # fmt: skip
    assert list(group.members.all()) == [krong_nang]


def test_action_refuses_a_user_without_the_role(hoa_phu: Unit) -> None:
    from django.core.exceptions import PermissionDenied

    officer = make_user(role="commune_officer", units=[hoa_phu])
    with pytest.raises(PermissionDenied):
        do_save_group(slug="x", name="x", description="", province=hoa_phu.province,
                      members=[hoa_phu], actor=officer)  # fmt: skip
