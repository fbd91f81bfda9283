"""The administrators' page: find a resident by phone, see what is held, download the
export, erase with a reason and a confirmation — and nobody else reaches it."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.citizens.models import Case
from xaso.core.models import AuditEntry
from xaso.core.personal_data import ERASED_ON_REQUEST
from xaso.privacy.tests.conftest import ADDRESS, EMAIL, NAME, PHONE, Resident
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
URL = reverse("privacy:requests")


def test_find_export_and_erase_through_the_page(
    resident: Resident, admin_dl: User, officer_hp: User, dak_lak: Unit
) -> None:
    client = sign_in(Client(), admin_dl)
    assert "Tìm" in client.get(URL).content.decode()
    who = {"province": dak_lak.pk, "phone": "0912 345 678", "username": ""}

    found = client.post(URL, {"op": "find", **who}).content.decode()
    assert "09x xxx x678" in found and "Nguyễn Văn Dân" in found
    assert "Phản ánh" in found and "citizens.case" in found  # counts per kind of record

    download = client.post(URL, {"op": "export", **who, "reason": "Đơn ngày 14/06/2026"})
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment;" in download["Content-Disposition"]
    archive = zipfile.ZipFile(BytesIO(download.content))
    data = json.loads(archive.read("du-lieu.json"))
    assert PHONE in data["subject"]["phones"]
    assert any(name.startswith("tep/") for name in archive.namelist())

    unconfirmed = client.post(URL, {"op": "erase", **who, "reason": "Đơn yêu cầu xoá"})
    assert unconfirmed.status_code == 200 and 'class="error"' in unconfirmed.content.decode()
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE  # nothing erased

    erased = client.post(
        URL, {"op": "erase", **who, "reason": "Đơn yêu cầu xoá ngày 14/06", "confirm": "on"}
    ).content.decode()
    assert "Đã xoá dữ liệu cá nhân." in erased
    assert "Không có dữ liệu nào về người này trong tỉnh." in erased
    case = Case.objects.get(pk=resident.case_hp.pk)
    assert case.reporter_phone == "" and case.body == ERASED_ON_REQUEST
    actions = list(
        AuditEntry.objects.filter(action__startswith="privacy.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["privacy.erase_personal_data", "privacy.export_personal_data"]

    again = client.post(URL, {"op": "find", **who}).content.decode()
    assert "Các yêu cầu trước" in again
    # The case is still there, on the resident's tracking page and the officer's, bare.
    track = Client().get(reverse("citizens:track", args=[case.token]))
    desk = sign_in(Client(), officer_hp).get(reverse("citizens:case", args=[case.pk]))
    for page in (track, desk):
        html = page.content.decode()
        assert page.status_code == 200 and case.code in html
        assert not [n for n in (PHONE, "912 345 678", NAME, ADDRESS, EMAIL) if n in html]


def test_a_bad_phone_is_named_on_the_form(admin_dl: User, dak_lak: Unit) -> None:
    client = sign_in(Client(), admin_dl)
    page = client.post(URL, {"op": "find", "province": dak_lak.pk, "phone": "12345"})
    assert "Số điện thoại không hợp lệ" in page.content.decode()


def test_the_page_is_for_province_administrators_only(
    resident: Resident, officer_hp: User, dak_lak: Unit
) -> None:
    for person in (officer_hp, resident.account):
        client = sign_in(Client(), person)
        assert client.get(URL).status_code == 404
        post = client.post(
            URL, {"op": "erase", "province": dak_lak.pk, "phone": PHONE, "reason": "xoá hết",
                  "confirm": "on"},
        )  # fmt: skip
        assert post.status_code == 404
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE


def test_another_province_cannot_be_chosen(
    resident: Resident, admin_dl: User, thai_nguyen: Unit
) -> None:
    client = sign_in(Client(), admin_dl)
    page = client.post(
        URL, {"op": "erase", "province": thai_nguyen.pk, "phone": PHONE, "reason": "xoá hết",
              "confirm": "on"},
    )  # fmt: skip
    assert page.status_code == 200 and "Đã xoá" not in page.content.decode()
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE
