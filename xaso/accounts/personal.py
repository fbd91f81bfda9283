"""Personal data held by accounts and by the sign-in machinery (sessions, lockouts, second
factor, Django's admin log), registered in ``xaso.core.personal_data``.

Residents' accounts are erased on request: the row stays (the audit log and case
timelines point at it) but nothing in it names the person any more, it cannot sign in,
and its sessions, devices and sign-in records go. Officials' accounts are kept: they
are the record of who did what in public office; the request's report says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts.models import OFFICIAL_ROLES, RoleAssignment, User
from xaso.core.personal_data import (
    DataSubject,
    Erasure,
    redact_audit_targets,
    register_not_personal,
    register_personal_data,
    register_subject_resolver,
)

RESIDENT = "Người dân có tài khoản; cán bộ, công chức sử dụng hệ thống"
SIGN_IN_TITLES = {
    AccessAttempt: "Lần đăng nhập sai đang tính (chống dò mật khẩu)",
    AccessLog: "Nhật ký đăng nhập",
    AccessFailureLog: "Nhật ký đăng nhập sai",
}


# --- who: accounts with the person's phone, and what else they tell about them ------------


def resolve(subject: DataSubject) -> DataSubject:
    if not (subject.phones or subject.user_ids):
        return subject
    qs = User.objects.filter(Q(phone__in=sorted(subject.phones)) | Q(pk__in=subject.user_ids))
    found = list(subject.in_provinces(qs).prefetch_related("role_assignments"))
    kept = [u for u in found if is_official(u)]
    return subject.merge(
        user_ids=[u.pk for u in found],
        phones=[u.phone for u in found],
        emails=[u.email for u in found],
        usernames=[u.username for u in found],
        names=[u.full_name for u in found],
        kept_user_ids=[u.pk for u in kept],
        kept_usernames=[u.username for u in kept],
    )


# --- users ------------------------------------------------------------------------------------


def _users(subject: DataSubject) -> QuerySet[User]:
    return User.objects.filter(pk__in=subject.user_ids).order_by("pk")


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "organisation": user.organisation,
        "province": user.province.name if user.province_id and user.province else "",
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "roles": [
            f"{a.get_role_display()} — {a.unit.name}"
            for a in user.role_assignments.select_related("unit").order_by("role")
        ],
    }


def is_official(user: User) -> bool:
    roles = {a.role for a in user.role_assignments.all()}
    return user.is_superuser or user.is_staff or bool(roles & OFFICIAL_ROLES)


def _erase_users(rows: QuerySet[User], erasure: Erasure) -> int:
    if not erasure.on_request:
        return 0
    count = 0
    for user in rows:
        if is_official(user):
            erasure.keep(
                f"Tài khoản #{user.pk} là tài khoản cán bộ: giữ lại để truy vết thao tác công vụ "
                "(khoá hoặc sửa qua trang Người dùng nếu người này đã nghỉ việc)."
            )
            continue
        assignments = list(RoleAssignment.objects.filter(user=user).values_list("pk", flat=True))
        redact_audit_targets(
            "accounts.roleassignment", assignments, marker=erasure.marker,
            target_label=erasure.marker,
        )  # fmt: skip
        RoleAssignment.objects.filter(pk__in=assignments).delete()
        user.username = f"da-xoa-{user.pk}"
        user.full_name = user.first_name = user.last_name = ""
        user.email = user.phone = user.organisation = user.search_text = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        count += 1
    return count


# --- sessions, second-factor devices, sign-in records, the admin log --------------------------


def _sessions(subject: DataSubject) -> QuerySet[Session]:
    ids = {str(i) for i in subject.user_ids}
    if not ids:
        return Session.objects.none()
    keys = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if s.get_decoded().get(SESSION_KEY) in ids
    ]
    return Session.objects.filter(session_key__in=keys)


def _delete(rows: QuerySet[Any], erasure: Erasure) -> int:
    return int(rows.delete()[0])


def _devices(subject: DataSubject) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user_id__in=subject.user_ids)


def _sign_ins(model: Any) -> Any:
    def select(subject: DataSubject) -> QuerySet[Any]:
        names = sorted(subject.usernames | subject.phones)
        return model.objects.filter(username__in=names).order_by("attempt_time")  # type: ignore[no-any-return]

    return select


def _sign_in_row(row: Any) -> dict[str, Any]:
    return {
        "at": row.attempt_time,
        "username": row.username,
        "ip_address": row.ip_address,
        "user_agent": row.user_agent,
        "path": row.path_info,
    }


def _expire_sign_ins(model: Any) -> Any:
    def expire(cutoff: dt.datetime) -> QuerySet[Any]:
        return model.objects.filter(attempt_time__lt=cutoff)  # type: ignore[no-any-return]

    return expire


def _admin_log(subject: DataSubject) -> QuerySet[LogEntry]:
    user_type = ContentType.objects.get_for_model(User)
    return LogEntry.objects.filter(
        content_type=user_type, object_id__in=[str(i) for i in subject.user_ids]
    )


def _erase_admin_log(rows: QuerySet[LogEntry], erasure: Erasure) -> int:
    return rows.update(object_repr=erasure.marker, change_message="")


def register() -> None:
    register_subject_resolver("accounts", resolve)
    register_personal_data(
        User,
        title="Tài khoản",
        fields={
            "username": "online_id",
            "first_name": "name",
            "last_name": "name",
            "full_name": "name",
            "email": "email",
            "phone": "phone",
            "search_text": "name",
        },
        subject=RESIDENT,
        purpose="Đăng nhập, phân quyền, liên hệ công việc",
        retention="account",
        basis="Sự đồng ý khi tạo tài khoản; nhiệm vụ công vụ đối với cán bộ",
        note="Tài khoản cán bộ không bị xoá theo yêu cầu: chỉ khoá; tài khoản người dân "
        "được ẩn danh hoá (giữ dòng để nhật ký vẫn trỏ đúng chỗ).",
        labels={"search_text": "chuỗi tìm kiếm (không dấu)"},
        select=_users,
        export_row=_user_row,
        erase_rows=_erase_users,
    )
    register_personal_data(
        TOTPDevice,
        title="Thiết bị xác thực hai lớp",
        fields={"name": "online_id"},
        subject=RESIDENT,
        purpose="Xác thực hai lớp",
        retention="account",
        labels={"name": "tên thiết bị"},
        select=_devices,
        export_row=lambda d: {"name": d.name, "created_at": d.created_at},
        erase_rows=_delete,
    )
    register_personal_data(
        Session,
        title="Phiên đăng nhập",
        fields={"session_data": "online_id"},
        subject=RESIDENT,
        purpose="Giữ phiên đăng nhập",
        retention="account",
        note="Phiên hết hạn được xoá bằng `xaso manage clearsessions`.",
        labels={"session_data": "dữ liệu phiên (mã người dùng)"},
        select=_sessions,
        export_row=lambda s: {"expire_date": s.expire_date},
        erase_rows=_delete,
    )
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        fields = {"username": "online_id", "ip_address": "network", "user_agent": "network"}
        if model is AccessAttempt:
            fields |= {"get_data": "network", "post_data": "network"}
        register_personal_data(
            model,
            title=SIGN_IN_TITLES[model],
            fields=fields,
            subject="Người đăng nhập (kể cả người gõ số điện thoại làm tên đăng nhập)",
            purpose="Chống dò mật khẩu: khoá tạm sau nhiều lần sai",
            retention="login_records",
            labels={
                "username": "tên đăng nhập đã gõ",
                "ip_address": "địa chỉ IP",
                "user_agent": "trình duyệt",
                "get_data": "dữ liệu GET",
                "post_data": "dữ liệu POST (không có mật khẩu)",
            },
            select=_sign_ins(model),
            export_row=_sign_in_row,
            erase_rows=_delete,
            expire=_expire_sign_ins(model),
        )
    register_personal_data(
        LogEntry,
        title="Nhật ký trang quản trị Django",
        fields={"object_repr": "name", "change_message": "free_text"},
        subject=RESIDENT,
        purpose="Nhật ký của trang quản trị Django",
        retention="audit",
        labels={"object_repr": "tên đối tượng", "change_message": "nội dung thay đổi"},
        select=_admin_log,
        export_row=lambda e: {"at": e.action_time, "object": e.object_repr},
        erase_rows=_erase_admin_log,
    )
    register_not_personal(Permission, {"name": "tên quyền của Django"})
    register_not_personal(Group, {"name": "tên nhóm quyền"})
