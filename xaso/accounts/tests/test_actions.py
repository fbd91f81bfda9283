"""Every account action: permission, validation, one audit row, its side effects."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts import actions
from xaso.accounts.models import RoleAssignment, User
from xaso.accounts.tests.factories import confirmed_device, current_token, make_user
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def audit_rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def open_session(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_create_user_makes_a_one_time_password_and_one_audit_row(
    admin_dl: User, dak_lak: Unit, hoa_phu: Unit
) -> None:
    account = actions.do_create_user(
        full_name="Nguyễn Văn An",
        phone="+84 912 345 678",
        email="AN@Example.vn",
        province=dak_lak,
        role="commune_officer",
        units=[hoa_phu],
        actor=admin_dl,
    )
    user = account.user
    assert user.username == "annv"
    assert user.phone == "0912345678" and user.email == "an@example.vn"
    assert account.password and user.check_password(account.password)
    assert user.must_change_password
    assert RoleAssignment.objects.get(user=user).unit == hoa_phu
    row = AuditEntry.objects.filter(action="accounts.create_user", actor=admin_dl).get()
    assert row.actor == admin_dl and row.province == dak_lak
    assert row.changes["phone"] == "09x xxx x678"  # the raw number lives only on the user
    assert row.changes["units"] == ["24175"]


def test_province_admin_cannot_create_or_manage_in_another_province(
    admin_dl: User, thai_nguyen: Unit, bac_kan_ward: Unit
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_create_user(full_name="Người Khác", province=thai_nguyen, actor=admin_dl)
    stranger = make_user(role="commune_officer", units=[bac_kan_ward])
    for call in (
        lambda: actions.do_disable_user(user=stranger, actor=admin_dl),
        lambda: actions.do_reset_password(user=stranger, actor=admin_dl),
        lambda: actions.do_reset_two_factor(user=stranger, actor=admin_dl),
        lambda: actions.do_update_user(
            user=stranger, full_name="X", phone="", email="", organisation="", actor=admin_dl
        ),
        lambda: actions.do_remove_role(
            assignment=RoleAssignment.objects.get(user=stranger), actor=admin_dl
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not AuditEntry.objects.filter(actor=admin_dl).exists()


def test_non_admins_cannot_manage_accounts(officer_hp: User, dak_lak: Unit) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_create_user(full_name="Ai Đó", province=dak_lak, actor=officer_hp)


def test_create_user_reports_each_bad_field_in_vietnamese(admin_dl: User, dak_lak: Unit) -> None:
    with pytest.raises(ValidationError) as err:
        actions.do_create_user(
            full_name=" ", phone="12345", email="khong-phai-email", province=dak_lak, actor=admin_dl
        )
    assert set(err.value.message_dict) == {"full_name", "phone", "email"}
    with pytest.raises(ValidationError, match="đã có người dùng"):
        actions.do_create_user(
            full_name="A B", username="ADMIN.DL", province=dak_lak, actor=admin_dl
        )
    with pytest.raises(ValidationError, match="số điện thoại"):
        actions.do_create_user(
            full_name="A B", username="0912345678", province=dak_lak, actor=admin_dl
        )


def test_assign_role_checks_the_unit_level_generation_and_province(
    admin_dl: User, dak_lak: Unit, hoa_phu: Unit, hoa_phu_legacy: Unit, bac_kan_ward: Unit
) -> None:
    person = make_user(province=dak_lak)
    with pytest.raises(ValidationError, match="trước 01/7/2025"):
        actions.do_assign_role(
            user=person, role="commune_officer", unit=hoa_phu_legacy, actor=admin_dl
        )
    with pytest.raises(ValidationError, match="gán cho xã/phường"):
        actions.do_assign_role(user=person, role="commune_officer", unit=dak_lak, actor=admin_dl)
    with pytest.raises(ValidationError, match="gán cho tỉnh"):
        actions.do_assign_role(user=person, role="leader", unit=hoa_phu, actor=admin_dl)
    with pytest.raises(ValidationError, match="cơ quan"):
        actions.do_assign_role(user=person, role="sponsor", unit=hoa_phu, actor=admin_dl)
    with pytest.raises(PermissionDenied):
        actions.do_assign_role(
            user=person, role="commune_officer", unit=bac_kan_ward, actor=admin_dl
        )
    assignment = actions.do_assign_role(
        user=person, role="commune_officer", unit=hoa_phu, actor=admin_dl
    )
    assert assignment.province == dak_lak
    with pytest.raises(ValidationError, match="đã có vai trò"):
        actions.do_assign_role(user=person, role="commune_officer", unit=hoa_phu, actor=admin_dl)
    row = AuditEntry.objects.filter(action="accounts.assign_role", actor=admin_dl).get()
    assert row.actor == admin_dl and row.changes == {
        "user": person.username,
        "role": "commune_officer",
        "unit": "24175",
    }


def test_assigning_several_units_is_all_or_nothing(
    admin_dl: User, dak_lak: Unit, hoa_phu: Unit, bac_kan_ward: Unit
) -> None:
    person = make_user(province=dak_lak)
    with pytest.raises(PermissionDenied):
        actions.do_assign_roles(
            user=person, role="commune_officer", units=[hoa_phu, bac_kan_ward], actor=admin_dl
        )
    assert not RoleAssignment.objects.filter(user=person).exists()


def test_remove_role_is_audited(admin_dl: User, officer_hp: User) -> None:
    assignment = RoleAssignment.objects.get(user=officer_hp)
    pk = assignment.pk
    actions.do_remove_role(assignment=assignment, actor=admin_dl)
    assert not RoleAssignment.objects.filter(user=officer_hp).exists()
    [row] = audit_rows("accounts.remove_role")
    assert row.target_id == str(pk) and row.changes["unit"] == "24175"


def test_disabling_ends_every_session_of_that_user_only(admin_dl: User, officer_hp: User) -> None:
    theirs = [open_session(officer_hp), open_session(officer_hp)]
    mine = open_session(admin_dl)
    ended = actions.do_disable_user(user=officer_hp, actor=admin_dl, reason="nghỉ việc")
    assert ended == 2
    assert not Session.objects.filter(session_key__in=theirs).exists()
    assert Session.objects.filter(session_key=mine).exists()
    officer_hp.refresh_from_db()
    assert not officer_hp.is_active
    [row] = audit_rows("accounts.disable_user")
    assert row.changes["sessions_ended"] == 2 and row.changes["reason"] == "nghỉ việc"
    actions.do_enable_user(user=officer_hp, actor=admin_dl)
    officer_hp.refresh_from_db()
    assert officer_hp.is_active and len(audit_rows("accounts.enable_user")) == 1


def test_an_admin_cannot_disable_themself(admin_dl: User) -> None:
    with pytest.raises(ValidationError):
        actions.do_disable_user(user=admin_dl, actor=admin_dl)


def test_reset_password_returns_a_one_time_password_and_ends_sessions(
    admin_dl: User, officer_hp: User
) -> None:
    session = open_session(officer_hp)
    password = actions.do_reset_password(user=officer_hp, actor=admin_dl)
    officer_hp.refresh_from_db()
    assert officer_hp.check_password(password) and officer_hp.must_change_password
    assert not Session.objects.filter(session_key=session).exists()
    [row] = audit_rows("accounts.reset_password")
    assert password not in str(row.changes)


def test_change_password_by_the_owner_only(admin_dl: User, officer_hp: User) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_change_password(user=officer_hp, new_password="x" * 12, actor=admin_dl)
    with pytest.raises(ValidationError):
        actions.do_change_password(user=officer_hp, new_password="12345678", actor=officer_hp)
    actions.do_change_password(
        user=officer_hp, new_password="mot-cau-rat-dai-2025", actor=officer_hp
    )
    officer_hp.refresh_from_db()
    assert officer_hp.check_password("mot-cau-rat-dai-2025") and not officer_hp.must_change_password
    assert len(audit_rows("accounts.change_password")) == 1


def test_totp_enrolment_and_verification(admin_dl: User) -> None:
    device = actions.do_start_totp(user=admin_dl, actor=admin_dl)
    assert actions.do_start_totp(user=admin_dl, actor=admin_dl) == device  # same pending one
    assert actions.do_confirm_totp(
        user=admin_dl, device=device, token=current_token(device), actor=admin_dl
    )
    assert actions.do_verify_totp(user=admin_dl, token="000000", actor=admin_dl) is None
    # After a failure the device is throttled: even the right code waits (django-otp).
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert [e.action for e in AuditEntry.objects.filter(actor=admin_dl).order_by("pk")] == [
        "accounts.totp_start",
        "accounts.totp_confirm",
        "accounts.totp_failed",
    ]


def test_reset_two_factor_removes_devices(admin_dl: User, officer_hp: User) -> None:
    confirmed_device(officer_hp)
    assert actions.do_reset_two_factor(user=officer_hp, actor=admin_dl) == 1
    assert not TOTPDevice.objects.filter(user=officer_hp).exists()
    assert len(audit_rows("accounts.reset_two_factor")) == 1


def test_update_user_audits_only_what_changed(admin_dl: User, officer_hp: User) -> None:
    old_name = officer_hp.full_name
    actions.do_update_user(
        user=officer_hp,
        full_name="Tên Mới",
        phone="0987 654 321",
        email="",
        organisation="",
        actor=admin_dl,
    )
    [row] = audit_rows("accounts.update_user")
    assert row.changes == {"full_name": [old_name, "Tên Mới"], "phone": ["", "09x xxx x321"]}
    assert "tên mới" not in officer_hp.search_text and "ten moi" in officer_hp.search_text
