"""Every change to accounts: one ``do_*`` function each, one transaction, permission
checked, one audit row. Views, the demo loader, commands and tests all call these.

``actor=None`` is the system itself (demo loader, management commands).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts import importing
from xaso.accounts.models import ROLE_UNIT_LEVELS, Role, RoleAssignment, User
from xaso.accounts.queries import (
    UnitCodeError,
    current_unit_by_code,
    forget_cached_scope,
    may_in_unit,
)
from xaso.core.audit import diff, record_audit
from xaso.core.personal import mask_phone, normalise_phone
from xaso.core.text import fold
from xaso.units.models import Generation, Level, Unit

logger = logging.getLogger(__name__)

FAMILY = "accounts"
# No 0/O, 1/l/I: one-time passwords are read aloud over the phone and typed by hand.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_username_validator = UnicodeUsernameValidator()


@dataclass(frozen=True)
class NewAccount:
    """A created account and its one-time password (None when the caller chose one)."""

    user: User
    password: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportResult:
    created: list[NewAccount] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _check(actor: User | None, action: str, unit_id: int | None, message: str) -> None:
    if actor is None:
        return
    if not may_in_unit(actor, action, unit_id, family=FAMILY):
        raise PermissionDenied(message)


def _check_manages(actor: User | None, user: User) -> None:
    if actor is None or actor.is_superuser:
        return
    _check(actor, "edit", user.province_id, "Tài khoản này không thuộc tỉnh bạn quản lý.")


def one_time_password() -> str:
    groups = ["".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def _search_text(user: User) -> str:
    return f" {fold(' '.join([user.full_name, user.username, user.email]))} "


def suggest_username(full_name: str, taken: set[str] | None = None) -> str:
    """Vietnamese office style: given name plus the initials of the others
    (“Nguyễn Văn An” → “annv”), numbered when taken."""
    words = fold(full_name).split() or ["canbo"]
    base = re.sub(r"[^a-z0-9]", "", words[-1] + "".join(w[0] for w in words[:-1])) or "canbo"
    taken = taken if taken is not None else set()
    candidate, n = base, 1
    while candidate in taken or User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _clean_profile(*, full_name: str, phone: str, email: str, organisation: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    full_name = " ".join(full_name.split())
    if not full_name:
        errors["full_name"] = "Chưa nhập họ tên."
    clean_phone = ""
    if phone.strip():
        try:
            clean_phone = normalise_phone(phone)
        except ValueError as exc:
            errors["phone"] = str(exc)
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Địa chỉ email không hợp lệ."
    if errors:
        raise ValidationError(errors)
    return {
        "full_name": full_name,
        "phone": clean_phone,
        "email": email,
        "organisation": " ".join(organisation.split()),
    }


def _clean_username(username: str) -> str:
    username = username.strip()
    try:
        _username_validator(username)
    except ValidationError:
        raise ValidationError(
            {"username": "Tên đăng nhập chỉ gồm chữ không dấu, số và các ký tự . @ + - _."}
        ) from None
    try:
        normalise_phone(username)
    except ValueError:
        pass
    else:
        # Usernames are written in logs and the audit log; phone numbers must never be.
        raise ValidationError({"username": "Không dùng số điện thoại làm tên đăng nhập."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"Tên đăng nhập “{username}” đã có người dùng."})
    return username


def _audit_profile(user: User) -> dict[str, Any]:
    # Stored masked: the raw number lives only on the user row.
    return {
        "username": user.username,
        "full_name": user.full_name,
        "phone": mask_phone(user.phone),
        "email": user.email,
        "organisation": user.organisation,
        "province": user.province.code if user.province else None,
        "is_active": user.is_active,
    }


def _create(
    *,
    username: str,
    profile: dict[str, str],
    province: Unit | None,
    password: str | None,
) -> NewAccount:
    user = User(username=username, province=province, **profile)
    one_time = None
    if password is None:
        one_time = one_time_password()
        user.set_password(one_time)
        user.must_change_password = True
    else:
        validate_password(password, user)
        user.set_password(password)
    user.search_text = _search_text(user)
    user.save()
    return NewAccount(user, one_time)


def _check_province(actor: User | None, province: Unit | None) -> None:
    if province is None:
        if actor is not None and not actor.is_superuser:
            raise PermissionDenied("Chỉ quản trị hệ thống được tạo tài khoản không thuộc tỉnh nào.")
        return
    if province.level != Level.PROVINCE or province.generation != Generation.CURRENT:
        raise ValidationError({"province": "Tỉnh quản lý phải là một tỉnh hiện nay."})
    _check(actor, "edit", province.pk, "Bạn chỉ được tạo tài khoản trong tỉnh mình quản lý.")


@transaction.atomic
def do_create_user(
    *,
    full_name: str,
    province: Unit | None,
    actor: User | None,
    username: str = "",
    phone: str = "",
    email: str = "",
    organisation: str = "",
    password: str | None = None,
    role: str = "",
    units: Sequence[Unit] = (),
) -> NewAccount:
    """Tạo tài khoản, optionally with one role over some units. Without ``password`` a
    one-time password is made, to be shown once and changed at first sign-in."""
    _check_province(actor, province)
    profile = _clean_profile(
        full_name=full_name, phone=phone, email=email, organisation=organisation
    )
    username = _clean_username(username) if username.strip() else suggest_username(full_name)
    account = _create(username=username, profile=profile, province=province, password=password)
    for unit in units:
        _check(actor, "edit", unit.province_id, "Bạn chỉ được gán vai trò trong tỉnh mình quản lý.")
        _assign(account.user, role, unit, actor)
    changes = _audit_profile(account.user)
    if units:
        changes |= {"role": role, "units": [u.code for u in units]}
    record_audit(
        actor=actor,
        action="accounts.create_user",
        target=account.user,
        changes=changes,
        province_id=province.pk if province else None,
    )
    logger.debug("Tạo tài khoản %s (id %s)", account.user.username, account.user.pk)
    return account


@transaction.atomic
def do_update_user(
    *,
    user: User,
    full_name: str,
    phone: str,
    email: str,
    organisation: str,
    actor: User | None,
) -> User:
    """Sửa thông tin tài khoản (not the username, roles or password)."""
    _check_manages(actor, user)
    before = _audit_profile(user)
    profile = _clean_profile(
        full_name=full_name, phone=phone, email=email, organisation=organisation
    )
    for name, value in profile.items():
        setattr(user, name, value)
    user.search_text = _search_text(user)
    user.save(update_fields=[*profile, "search_text"])
    changes = diff(before, _audit_profile(user))
    if changes:
        record_audit(actor=actor, action="accounts.update_user", target=user, changes=changes)
    return user


def _check_role_unit(user: User, role: str, unit: Unit) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Vai trò “{role}” không có."})
    label = Role(role).label
    if unit.generation != Generation.CURRENT:
        raise ValidationError(
            {"unit": f"{unit.name} là đơn vị trước 01/7/2025; hãy gán cho đơn vị hiện nay."}
        )
    levels = ROLE_UNIT_LEVELS[role]
    if unit.level not in levels:
        need = " hoặc ".join(
            "tỉnh" if lv == Level.PROVINCE else "xã/phường" for lv in sorted(levels)
        )
        raise ValidationError(
            {"unit": f"Vai trò “{label}” gán cho {need}, không gán cho {unit.name}."}
        )
    if user.province_id is not None and unit.province_id != user.province_id:
        raise ValidationError({"unit": f"{unit.name} không thuộc tỉnh quản lý tài khoản này."})
    if role == Role.SPONSOR and not user.organisation:
        raise ValidationError(
            {"role": "Đơn vị phụ trách cần ghi tên cơ quan (sở, ngành, doanh nghiệp) trước."}
        )


def _assign(user: User, role: str, unit: Unit, actor: User | None) -> RoleAssignment:
    _check_role_unit(user, role, unit)
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationError({"role": f"Tài khoản đã có vai trò này tại {unit.name}."})
    assert unit.province_id is not None  # every current unit carries its province
    assignment = RoleAssignment.objects.create(
        user=user, role=role, unit=unit, province_id=unit.province_id,
        created_by=actor if actor is not None else None,
    )  # fmt: skip
    forget_cached_scope(user)
    return assignment


@transaction.atomic
def do_assign_role(*, user: User, role: str, unit: Unit, actor: User | None) -> RoleAssignment:
    """Gán vai trò cho tài khoản tại một đơn vị (tỉnh hoặc xã)."""
    return do_assign_roles(user=user, role=role, units=[unit], actor=actor)[0]


@transaction.atomic
def do_assign_roles(
    *, user: User, role: str, units: Sequence[Unit], actor: User | None
) -> list[RoleAssignment]:
    """The same role over several units at once (a sponsor's communes): all or none,
    one audit row per unit."""
    _check_manages(actor, user)
    if user.province_id is None and actor is not None and not actor.is_superuser:
        raise PermissionDenied("Tài khoản này không thuộc tỉnh bạn quản lý.")
    if not units:
        raise ValidationError({"unit": "Chưa chọn đơn vị."})
    created = []
    for unit in units:
        _check(actor, "edit", unit.province_id, "Bạn chỉ được gán vai trò trong tỉnh mình quản lý.")
        assignment = _assign(user, role, unit, actor)
        record_audit(
            actor=actor,
            action="accounts.assign_role",
            target=assignment,
            changes={"user": user.username, "role": role, "unit": unit.code},
            province_id=unit.province_id,
        )
        logger.debug("Gán vai trò %s tại %s cho %s", role, unit.code, user.username)
        created.append(assignment)
    return created


@transaction.atomic
def do_remove_role(*, assignment: RoleAssignment, actor: User | None) -> None:
    """Bỏ một vai trò."""
    _check(actor, "delete", assignment.province_id, "Vai trò này không thuộc tỉnh bạn quản lý.")
    user = assignment.user
    record_audit(
        actor=actor,
        action="accounts.remove_role",
        target=assignment,
        changes={"user": user.username, "role": assignment.role, "unit": assignment.unit.code},
        province_id=assignment.province_id,
    )
    assignment.delete()
    forget_cached_scope(user)


def end_sessions(user: User) -> int:
    """Ends every signed-in session of this user (the database session store)."""
    keys = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


@transaction.atomic
def do_disable_user(*, user: User, actor: User | None, reason: str = "") -> int:
    """Khoá tài khoản: it can no longer sign in and every open session ends now.
    Returns the number of sessions ended."""
    _check_manages(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("Bạn không thể tự khoá tài khoản của mình.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = end_sessions(user)
    record_audit(
        actor=actor,
        action="accounts.disable_user",
        target=user,
        changes={"is_active": [True, False], "sessions_ended": ended, "reason": reason.strip()},
    )
    logger.info("Khoá tài khoản %s, kết thúc %s phiên", user.username, ended)
    return ended


@transaction.atomic
def do_enable_user(*, user: User, actor: User | None) -> None:
    """Mở khoá tài khoản."""
    _check_manages(actor, user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    record_audit(
        actor=actor, action="accounts.enable_user", target=user,
        changes={"is_active": [False, True]},
    )  # fmt: skip


@transaction.atomic
def do_reset_password(*, user: User, actor: User | None) -> str:
    """Đặt lại mật khẩu by an administrator: returns a one-time password, shown once;
    the user must choose their own at next sign-in. Open sessions end."""
    _check_manages(actor, user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ended = end_sessions(user)
    _reset_lockout(user.username)
    record_audit(
        actor=actor, action="accounts.reset_password", target=user,
        changes={"must_change_password": True, "sessions_ended": ended},
    )  # fmt: skip
    logger.info("Đặt lại mật khẩu cho %s", user.username)
    return password


def _reset_lockout(username: str) -> None:
    from axes.utils import reset

    reset(username=username)


@transaction.atomic
def do_change_password(*, user: User, new_password: str, actor: User | None) -> None:
    """Đổi mật khẩu — by the user themself (actor is the user)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("Chỉ chủ tài khoản được tự đổi mật khẩu.")
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record_audit(
        actor=actor, action="accounts.change_password", target=user,
        changes={"must_change_password": False},
    )  # fmt: skip


@transaction.atomic
def do_start_totp(*, user: User, actor: User | None) -> TOTPDevice:
    """Bắt đầu đăng ký xác thực hai lớp: an unconfirmed TOTP device whose key the user
    scans; the same pending device is returned until it is confirmed."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("Chỉ chủ tài khoản được đăng ký xác thực hai lớp.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)
        record_audit(
            actor=actor, action="accounts.totp_start", target=user, changes={"device": device.pk}
        )
    return device


@transaction.atomic
def do_confirm_totp(*, user: User, device: TOTPDevice, token: str, actor: User | None) -> bool:
    """Confirms enrolment when the first code from the app is right."""
    if device.user_id != user.pk or (actor is not None and actor.pk != user.pk):
        raise PermissionDenied("Thiết bị không thuộc tài khoản này.")
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    record_audit(
        actor=actor, action="accounts.totp_confirm", target=user, changes={"device": device.pk}
    )
    return True


def do_verify_totp(*, user: User, token: str, actor: User | None) -> TOTPDevice | None:
    """Checks a sign-in code against the user's confirmed device; the device itself slows
    down repeated failures (django-otp throttling), each failure is on record."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("Chỉ chủ tài khoản được nhập mã của mình.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return None
        ok = device.verify_token(token.strip().replace(" ", ""))
    # Outside the check's transaction: the throttle counter must persist on failure too.
    with transaction.atomic():
        record_audit(
            actor=actor, action="accounts.totp_verify" if ok else "accounts.totp_failed",
            target=user, changes={},
        )  # fmt: skip
    if not ok:
        logger.warning("Sai mã xác thực hai lớp của %s", user.username)
        return None
    return device


@transaction.atomic
def do_reset_two_factor(*, user: User, actor: User | None) -> int:
    """Xoá thiết bị xác thực hai lớp (a lost phone): the user enrols again at next sign-in."""
    _check_manages(actor, user)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    ended = end_sessions(user)
    record_audit(
        actor=actor, action="accounts.reset_two_factor", target=user,
        changes={"devices_removed": removed, "sessions_ended": ended},
    )  # fmt: skip
    return int(removed)


# --- bulk import -------------------------------------------------------------------------


@dataclass
class _PlannedRow:
    line: int
    username: str
    profile: dict[str, str]
    role: str
    units: list[Unit]


def _plan_row(
    row: importing.Row, province: Unit, usernames: set[str], phones: dict[str, int],
    emails: dict[str, int],
) -> tuple[_PlannedRow | None, list[str]]:  # fmt: skip
    reasons: list[str] = []
    try:
        profile = _clean_profile(
            full_name=row.get("full_name"), phone=row.get("phone"), email=row.get("email"),
            organisation=row.get("organisation"),
        )  # fmt: skip
    except ValidationError as exc:
        reasons += [m for msgs in exc.message_dict.values() for m in msgs]
        profile = {}
    if profile.get("phone"):
        first = phones.setdefault(profile["phone"], row.line)
        if first != row.line:
            reasons.append(f"Số điện thoại trùng với dòng {first}.")
        elif User.objects.filter(province=province, phone=profile["phone"]).exists():
            reasons.append("Số điện thoại đã thuộc một tài khoản khác trong tỉnh.")
    if profile.get("email"):
        first = emails.setdefault(profile["email"], row.line)
        if first != row.line:
            reasons.append(f"Email trùng với dòng {first}.")

    role = importing.parse_role(row.get("role"))
    if not row.get("role"):
        reasons.append("Chưa ghi vai trò.")
    elif role is None:
        reasons.append(
            f"Vai trò “{row.get('role')}” không rõ; dùng một trong: "
            + ", ".join(str(r.label) for r in Role if r != Role.CITIZEN) + "."
        )  # fmt: skip
    elif role == Role.CITIZEN:
        reasons.append("Danh sách cán bộ không nhập tài khoản người dân.")
    elif role == Role.SPONSOR and not profile.get("organisation"):
        reasons.append("Đơn vị phụ trách cần ghi tên cơ quan ở cột “cơ quan”.")

    units: list[Unit] = []
    codes = [c for c in re.split(r"[\s,;/]+", row.get("unit_codes")) if c]
    if not codes:
        reasons.append("Chưa ghi mã đơn vị.")
    for code in codes:
        try:
            unit = current_unit_by_code(code)
        except UnitCodeError as exc:
            reasons.append(exc.message)
            continue
        if unit.province_id != province.pk:
            reasons.append(f"{unit.name} ({code}) không thuộc {province.name}.")
        elif role and role != Role.CITIZEN and unit.level not in ROLE_UNIT_LEVELS[role]:
            reasons.append(f"Vai trò “{Role(role).label}” không gán cho {unit.name} ({code}).")
        elif unit in units:
            reasons.append(f"Mã đơn vị {code} ghi hai lần.")
        else:
            units.append(unit)

    username = row.get("username")
    if username:
        try:
            username = _clean_username(username)
        except ValidationError as exc:
            reasons += exc.message_dict["username"]
        if username.lower() in usernames:
            reasons.append(f"Tên đăng nhập “{username}” trùng với dòng khác.")
    elif profile.get("full_name"):
        username = suggest_username(profile["full_name"], usernames)
    usernames.add(username.lower())

    if reasons or role is None:
        return None, reasons
    return _PlannedRow(row.line, username, profile, role, units), []


@transaction.atomic
def do_import_officers(
    *, content: bytes, filename: str, province: Unit, actor: User | None
) -> ImportResult:
    """Nhập danh sách cán bộ (CSV/XLSX, one row per person: họ tên, điện thoại, email,
    vai trò, mã đơn vị[, cơ quan]). Every row is checked first; one bad row and nobody is
    created, and every bad row is reported with its line and reason."""
    _check_province(actor, province)
    result = ImportResult()
    try:
        rows = importing.read_officers(content, filename)
    except importing.FileError as exc:
        result.errors.append(RowError(0, exc.message))
        return result
    result.rows = len(rows)
    usernames: set[str] = set()
    phones: dict[str, int] = {}
    emails: dict[str, int] = {}
    planned: list[_PlannedRow] = []
    for row in rows:
        plan, reasons = _plan_row(row, province, usernames, phones, emails)
        result.errors += [RowError(row.line, reason) for reason in reasons]
        if plan is not None:
            planned.append(plan)
    if result.errors:
        logger.info("Nhập danh sách cán bộ %s: %s dòng lỗi, không tạo ai", filename, len(rows))
        return result

    for plan in planned:
        account = _create(
            username=plan.username, profile=plan.profile, province=province, password=None
        )
        for unit in plan.units:
            _assign(account.user, plan.role, unit, actor)
        record_audit(
            actor=actor,
            action="accounts.create_user",
            target=account.user,
            changes={
                **_audit_profile(account.user),
                "role": plan.role,
                "units": [u.code for u in plan.units],
                "via": f"import:{filename}:{plan.line}",
            },
            province_id=province.pk,
        )
        result.created.append(account)
    record_audit(
        actor=actor,
        action="accounts.import_officers",
        target=province,
        changes={"file": filename, "rows": len(rows), "created": len(result.created)},
        province_id=province.pk,
    )
    logger.info("Nhập danh sách cán bộ %s: tạo %s tài khoản", filename, len(result.created))
    return result
