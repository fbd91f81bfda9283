"""Residents' requests: export holds everything about them and nothing about others;
erasure removes every registered field everywhere (files too), keeps audit rows with a
pseudonym only, is all-or-nothing and idempotent, and only province administrators may
ask for either."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts.models import User
from xaso.accounts.tests.factories import confirmed_device, make_user
from xaso.citizens.models import Attachment, Case, CaseEvent, Contact, OutboxMessage
from xaso.core import personal_data
from xaso.core.models import AuditEntry
from xaso.core.personal_data import ERASED_ON_REQUEST, pseudonym, registered
from xaso.privacy import actions
from xaso.privacy.tests.conftest import (
    ADDRESS,
    EMAIL,
    NAME,
    OTHER_PHONE,
    PHONE,
    ZALO,
    Resident,
    receive,
)
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

# Every way the resident could still be recognised in a stored value.
NEEDLES = (PHONE, "912345678", "912 345 678", NAME, EMAIL, ZALO, ADDRESS, "Ổ gà sâu",
           "lại bị vỡ", "vá ẩu", "nha-toi", "dan.hp")  # fmt: skip


def stored_values() -> list[tuple[str, Any, str, str]]:
    """(model, pk, field, value) for every registered field of every stored row."""
    found = []
    for entry in registered():
        fields = [f for f in entry.fields if f != "session_data"]  # encoded, checked apart
        for row in entry.model._default_manager.all().values("pk", *fields):
            found += [(entry.label, row["pk"], f, str(row[f])) for f in fields]
    return found


def leaks(values: list[tuple[str, Any, str, str]] | None = None) -> list[str]:
    values = stored_values() if values is None else values
    return sorted(
        f"{label}#{pk}.{name}: {value[:80]}"
        for label, pk, name, value in values
        if any(n.lower() in value.lower() for n in NEEDLES)
    )


def test_the_export_holds_everything_about_the_resident_and_nothing_else(
    resident: Resident, dak_lak: Unit, admin_dl: User
) -> None:
    bundle = actions.do_export_personal_data(
        phone="0912 345 678", province=dak_lak, reason="Đơn ngày 14/06/2026", actor=admin_dl
    )
    data = json.loads(bundle.as_json())
    sections = {s["model"]: s["records"] for s in data["sections"]}
    codes = {r["code"] for r in sections["citizens.case"]}
    assert codes == {resident.case_hp.code, resident.case_kn.code}  # two communes
    assert {r["commune"] for r in sections["citizens.case"]} == {"Xã Hòa Phú", "Xã Krông Năng"}
    assert resident.other_case.code not in json.dumps(data)
    assert [r["phone"] for r in sections["citizens.contact"]] == [PHONE]
    assert {r["address"] for r in sections["citizens.outboxmessage"]} == {PHONE, ZALO}
    assert [r["username"] for r in sections["accounts.user"]] == ["dan.hp"]
    assert any("vá ẩu" in r["text"] for r in sections["citizens.caseevent"])
    assert data["subject"]["zalo_ids"] == [ZALO] and EMAIL in data["subject"]["emails"]

    archive = zipfile.ZipFile(BytesIO(bundle.as_zip()))
    names = archive.namelist()
    assert {"du-lieu.json", "du-lieu.txt"} <= set(names)
    photo = sections["citizens.attachment"][0]["file"]
    assert photo in names and archive.read(photo)[:2] == b"\xff\xd8"  # the JPEG itself
    text = archive.read("du-lieu.txt").decode()
    assert "DỮ LIỆU CÁ NHÂN XASO ĐANG LƯU VỀ BẠN" in text and "Mã tra cứu" in text
    assert resident.case_hp.code in text

    row = AuditEntry.objects.get(action="privacy.export_personal_data")
    assert row.changes["subject"] == pseudonym(PHONE) and row.actor == admin_dl
    assert row.province == dak_lak and PHONE not in json.dumps(row.changes)


def test_erasure_removes_every_registered_field_everywhere(
    resident: Resident,
    dak_lak: Unit,
    admin_dl: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    AccessLog.objects.create(username="dan.hp", ip_address="203.0.113.9", user_agent="Zalo")
    photo = Attachment.objects.get(case=resident.case_hp)
    path = Path(settings.MEDIA_ROOT) / str(photo.file.name)
    assert path.exists() and leaks(), "the set-up must hold the resident's data"

    with django_capture_on_commit_callbacks(execute=True):
        report = actions.do_erase_personal_data(
            phone=PHONE, province=dak_lak, actor=admin_dl,
            reason=f"Đơn ngày 14/06/2026 của người dân, số {PHONE}",
        )  # fmt: skip

    assert leaks() == []
    assert not path.exists() and not Attachment.objects.filter(case=resident.case_hp).exists()
    assert report.counts["citizens.case"] == 2 and report.counts["citizens.contact"] == 1
    assert report.counts["axes.accesslog"] == 1 and report.counts["accounts.user"] == 1
    # The cases stay, public as they were, naming nobody.
    case = Case.objects.get(pk=resident.case_hp.pk)
    assert case.is_public and case.body == ERASED_ON_REQUEST and case.reporter_phone == ""
    assert (case.latitude, case.longitude) == (12.69, 108.05)
    assert ERASED_ON_REQUEST in case.answer and "xã đã vá ổ gà" in case.answer
    rating = CaseEvent.objects.get(case=case, kind="rating")
    assert rating.text == f"2/5 {ERASED_ON_REQUEST}"
    assert not Contact.objects.filter(pk=resident.contact.pk).exists()
    assert not OutboxMessage.objects.filter(address__in=[PHONE, ZALO]).exists()
    account = User.objects.get(pk=resident.account.pk)
    assert not account.is_active and not account.has_usable_password()
    assert not account.role_assignments.exists()
    # Someone else's case in the same commune is untouched.
    other = Case.objects.get(pk=resident.other_case.pk)
    assert other.reporter_phone == OTHER_PHONE and "Cống thoát nước" in other.body
    # The audit log keeps who did what, with a pseudonym instead of the person.
    row = AuditEntry.objects.get(action="privacy.erase_personal_data")
    assert row.changes["subject"] == pseudonym(PHONE) and row.actor == admin_dl
    assert PHONE not in json.dumps(row.changes, ensure_ascii=False)
    assert AuditEntry.objects.filter(
        action="citizens.receive_case", target_id=str(case.pk), target_label__startswith=case.code
    ).exists()


def test_erasure_is_idempotent_and_recognises_a_repeat_request(
    resident: Resident, dak_lak: Unit, admin_dl: User
) -> None:
    first = actions.do_erase_personal_data(
        phone=PHONE, province=dak_lak, reason="Đơn yêu cầu xoá", actor=admin_dl
    )
    after_first = stored_values()
    second = actions.do_erase_personal_data(
        phone=PHONE, province=dak_lak, reason="Đơn yêu cầu xoá lần hai", actor=admin_dl
    )
    assert first.total > 0 and not first.repeat
    assert second.total == 0 and second.counts == {} and second.repeat
    existing = {(label, pk) for label, pk, _f, _v in after_first}
    assert [v for v in stored_values() if (v[0], v[1]) in existing] == after_first
    rows = AuditEntry.objects.filter(action="privacy.erase_personal_data").order_by("pk")
    assert [r.changes["subject"] for r in rows] == [pseudonym(PHONE)] * 2


def test_erasure_is_all_or_nothing(
    resident: Resident, dak_lak: Unit, admin_dl: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = personal_data.entry_for(Contact)
    assert entry is not None

    def boom(rows: Any, erasure: Any) -> int:
        raise RuntimeError("ổ đĩa đầy")

    # Contacts are erased after cases: the cases' erasure must be rolled back with it.
    monkeypatch.setitem(personal_data._register, entry.label, replace(entry, erase_rows=boom))
    before = stored_values()
    with pytest.raises(RuntimeError):
        actions.do_erase_personal_data(
            phone=PHONE, province=dak_lak, reason="Đơn yêu cầu xoá", actor=admin_dl
        )
    assert stored_values() == before
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE
    assert not AuditEntry.objects.filter(action="privacy.erase_personal_data").exists()


def test_a_province_administrator_reaches_only_their_province(
    resident: Resident, dak_lak: Unit, bac_kan_ward: Unit, admin_dl: User
) -> None:
    elsewhere = receive(bac_kan_ward, "Rác thải đổ trộm bên đường tổ 7", phone=PHONE)
    actions.do_erase_personal_data(
        phone=PHONE, province=dak_lak, reason="Đơn yêu cầu xoá", actor=admin_dl
    )
    assert Case.objects.get(pk=elsewhere.pk).reporter_phone == PHONE
    # The command line (no province) reaches every province.
    actions.do_erase_personal_data(phone=PHONE, province=None, reason="Đơn yêu cầu", actor=None)
    assert Case.objects.get(pk=elsewhere.pk).reporter_phone == ""


@pytest.mark.parametrize("who", ["commune_officer", "citizen", "other_admin", "leader"])
def test_only_the_province_administrator_may_export_or_erase(
    who: str, resident: Resident, dak_lak: Unit, hoa_phu: Unit, thai_nguyen: Unit
) -> None:
    actor = {
        "commune_officer": lambda: make_user(role="commune_officer", units=[hoa_phu]),
        "citizen": lambda: resident.account,
        "other_admin": lambda: make_user(role="province_admin", units=[thai_nguyen]),
        "leader": lambda: make_user(role="leader", units=[dak_lak]),
    }[who]()
    with pytest.raises(PermissionDenied):
        actions.do_erase_personal_data(
            phone=PHONE, province=dak_lak, reason="Đơn yêu cầu xoá", actor=actor
        )
    with pytest.raises(PermissionDenied):
        actions.do_export_personal_data(phone=PHONE, province=dak_lak, actor=actor)
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE


def test_every_province_at_once_is_for_superusers_only(
    resident: Resident, admin_dl: User, dak_lak: Unit
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_export_personal_data(phone=PHONE, province=None, actor=admin_dl)
    root = make_user(superuser=True, username="root")
    assert actions.do_export_personal_data(phone=PHONE, province=None, actor=root).total > 0


def test_an_official_account_is_kept_and_the_report_says_why(
    dak_lak: Unit, hoa_phu: Unit, admin_dl: User
) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu], phone=OTHER_PHONE)
    device = confirmed_device(officer)
    as_resident = receive(hoa_phu, "Cống thoát nước tắc trước nhà tôi", phone=OTHER_PHONE)
    report = actions.do_erase_personal_data(
        phone=OTHER_PHONE, province=dak_lak, reason="Đơn yêu cầu xoá", actor=admin_dl
    )
    officer.refresh_from_db()
    assert officer.is_active and officer.phone == OTHER_PHONE
    assert any("tài khoản cán bộ" in note for note in report.kept)
    # Nothing hanging on the official account goes; what they sent as a resident does.
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    created = AuditEntry.objects.get(action="accounts.create_user", target_id=str(officer.pk))
    assert created.target_label == str(officer) and created.changes["phone"]
    assert Case.objects.get(pk=as_resident.pk).reporter_phone == ""


def test_requests_need_a_valid_identifier_and_erasure_a_reason(
    resident: Resident, dak_lak: Unit, admin_dl: User
) -> None:
    with pytest.raises(ValidationError) as bad_phone:
        actions.do_export_personal_data(phone="12345", province=dak_lak, actor=admin_dl)
    assert "phone" in bad_phone.value.message_dict
    with pytest.raises(ValidationError) as nobody:
        actions.do_export_personal_data(province=dak_lak, actor=admin_dl)
    assert "phone" in nobody.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        actions.do_erase_personal_data(phone=PHONE, province=dak_lak, reason=" ", actor=admin_dl)
    assert "reason" in no_reason.value.message_dict
    # By account name alone: the account's phone finds the rest.
    bundle = actions.do_export_personal_data(username="DAN.HP", province=dak_lak, actor=admin_dl)
    assert bundle.counts["citizens.case"] == 2
