"""Pages of the accounts app: sign-in with a second factor, one's own account, user
management and the audit log for province administrators. Thin: parse the form, call
one action or query, render."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts import actions, exports, forms, queries
from xaso.accounts.middleware import IDLE_FLAG
from xaso.accounts.models import Role, User
from xaso.accounts.security import (
    needs_second_factor,
    official_view,
    second_factor_redirect,
    second_factor_url,
)
from xaso.units import queries as unit_queries
from xaso.units.actions import do_save_group

logger = logging.getLogger(__name__)
ADMIN_ROLES = [Role.PROVINCE_ADMIN]


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _report(form: Any, exc: ValidationError) -> None:
    """Puts an action's Vietnamese messages on the form fields they name."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class XasoLoginView(LoginView):
    """Password first; a privileged person then goes on to the second factor."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_logout"] = bool(self.request.session.pop(IDLE_FLAG, False))
        return context

    def get_success_url(self) -> str:
        target = super().get_success_url()
        if needs_second_factor(self.request):
            return second_factor_url(self.request, target)
        return target


def _query(target: str) -> str:
    return urlencode({"next": target})


def otp_setup(request: HttpRequest) -> HttpResponse:
    """Đăng ký xác thực hai lớp: scan the QR code, type the first code."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{_query(request.get_full_path())}")
    user = _user(request)
    next_url = _safe_next(request, reverse("accounts:me"))
    if user_has_device(user):
        if needs_second_factor(request):
            return second_factor_redirect(request)
        return render(request, "accounts/otp_setup.html", {"enrolled": True, "next": next_url})
    device = actions.do_start_totp(user=user, actor=user)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if actions.do_confirm_totp(
            user=user, device=device, token=form.cleaned_data["token"], actor=user
        ):
            otp_login(request, device)
            messages.success(request, "Đã bật xác thực hai lớp.")
            return HttpResponseRedirect(next_url)
        form.add_error("token", "Mã không đúng hoặc đã hết hạn; hãy nhập mã đang hiện.")
    context = {
        "form": form,
        "next": next_url,
        "qr": _qr_data_uri(device.config_url),
        "secret": _base32(device),
        "enrolled": False,
    }
    return render(request, "accounts/otp_setup.html", context)


def _qr_data_uri(text: str) -> str:
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(re.findall(".{1,4}", raw))


def otp_verify(request: HttpRequest) -> HttpResponse:
    """Nhập mã xác thực hai lớp after the password."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{_query(request.get_full_path())}")
    user = _user(request)
    next_url = _safe_next(request, reverse("accounts:me"))
    if not user_has_device(user):
        return redirect(f"{reverse('accounts:otp_setup')}?{_query(next_url)}")
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = actions.do_verify_totp(user=user, token=form.cleaned_data["token"], actor=user)
        if verified is not None:
            otp_login(request, verified)
            return HttpResponseRedirect(next_url)
        form.add_error("token", "Mã không đúng hoặc đã hết hạn. Sai nhiều lần sẽ phải chờ lâu hơn.")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@official_view
def me(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assignments = user.role_assignments.select_related("unit").order_by("role", "unit__name")
    return render(
        request,
        "accounts/me.html",
        {
            "person": user,
            "assignments": assignments,
            "has_device": user_has_device(user),
            "require_2fa": settings.XASO_REQUIRE_2FA,
        },
    )


@official_view
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.do_change_password(
            user=user, new_password=form.cleaned_data["new_password1"], actor=user
        )
        update_session_auth_hash(request, user)
        messages.success(request, "Đã đổi mật khẩu.")
        return redirect("accounts:me")
    return render(request, "accounts/password_change.html", {"form": form})


# --- user management (province administrators) ------------------------------------------


@official_view(roles=ADMIN_ROLES)
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(queries.users_for(request.user, query=query), 50).get_page(
        request.GET.get("trang")
    )
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "query": query, "provinces": queries.administered_provinces(request.user)},
    )


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;/]+", text or "") if c]


def _units_or_error(form: Any, codes: list[str], *, field: str = "unit_codes") -> list[Any]:
    units = []
    for code in codes:
        try:
            units.append(queries.current_unit_by_code(code))
        except queries.UnitCodeError as exc:
            form.add_error(field, exc.message)
    return units


@official_view(roles=ADMIN_ROLES)
def user_create(request: HttpRequest) -> HttpResponse:
    provinces = queries.administered_provinces(request.user)
    form = forms.UserCreateForm(request.POST or None, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        units = _units_or_error(form, _codes(data["unit_codes"]))
        if not form.errors:
            try:
                account = actions.do_create_user(
                    username=data["username"], full_name=data["full_name"], phone=data["phone"],
                    email=data["email"], organisation=data["organisation"],
                    province=data["province"], role=data["role"], units=units,
                    actor=_user(request),
                )  # fmt: skip
            except ValidationError as exc:
                _report(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                return render(
                    request,
                    "accounts/password_shown.html",
                    {"person": account.user, "password": account.password, "created": True},
                )
    return render(request, "accounts/user_create.html", {"form": form})


@official_view(roles=ADMIN_ROLES)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id)
    edit_form = forms.ProfileForm(
        initial={
            "full_name": person.full_name, "phone": person.phone, "email": person.email,
            "organisation": person.organisation,
        }
    )  # fmt: skip
    return _detail(request, person, edit_form=edit_form, role_form=forms.RoleForm())


def _detail(request: HttpRequest, person: User, **forms_: Any) -> HttpResponse:
    assignments = person.role_assignments.select_related("unit").order_by("role", "unit__name")
    context = {
        "person": person,
        "assignments": assignments,
        "has_device": user_has_device(person, confirmed=True),
        "disable_form": forms.DisableForm(),
        **forms_,
    }
    status = 400 if any(getattr(f, "errors", None) for f in forms_.values()) else 200
    return render(request, "accounts/user_detail.html", context, status=status)


@official_view(roles=ADMIN_ROLES)
@require_POST
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    form = forms.ProfileForm(request.POST)
    if form.is_valid():
        try:
            actions.do_update_user(user=person, actor=_user(request), **form.cleaned_data)
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, "Đã lưu thông tin tài khoản.")
            return redirect("accounts:user", user_id=person.pk)
    return _detail(request, person, edit_form=form, role_form=forms.RoleForm())


@official_view(roles=ADMIN_ROLES)
@require_POST
def role_add(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    form = forms.RoleForm(request.POST)
    if form.is_valid():
        units = _units_or_error(form, _codes(form.cleaned_data["unit_codes"]))
        if not form.errors:
            try:
                actions.do_assign_roles(
                    user=person, role=form.cleaned_data["role"], units=units,
                    actor=_user(request),
                )  # fmt: skip
            except ValidationError as exc:
                _report(form, exc)
            except PermissionDenied as exc:
                form.add_error("unit_codes", str(exc))
            else:
                messages.success(request, "Đã gán vai trò.")
                return redirect("accounts:user", user_id=person.pk)
    edit_form = forms.ProfileForm(
        initial={"full_name": person.full_name, "phone": person.phone, "email": person.email,
                 "organisation": person.organisation}
    )  # fmt: skip
    return _detail(request, person, edit_form=edit_form, role_form=form)


@official_view(roles=ADMIN_ROLES)
@require_POST
def role_remove(request: HttpRequest, user_id: int, assignment_id: int) -> HttpResponse:
    assignment = queries.access_assignment_or_404(request.user, assignment_id)
    if assignment.user_id != user_id:
        raise Http404("Không tìm thấy.")
    actions.do_remove_role(assignment=assignment, actor=_user(request))
    messages.success(request, "Đã bỏ vai trò.")
    return redirect("accounts:user", user_id=user_id)


@official_view(roles=ADMIN_ROLES)
@require_POST
def user_disable(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    form = forms.DisableForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        ended = actions.do_disable_user(user=person, actor=_user(request), reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã khoá tài khoản và kết thúc {ended} phiên đăng nhập.")
    return redirect("accounts:user", user_id=person.pk)


@official_view(roles=ADMIN_ROLES)
@require_POST
def user_enable(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    actions.do_enable_user(user=person, actor=_user(request))
    messages.success(request, "Đã mở khoá tài khoản.")
    return redirect("accounts:user", user_id=person.pk)


@official_view(roles=ADMIN_ROLES)
@require_POST
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    password = actions.do_reset_password(user=person, actor=_user(request))
    # Rendered, never redirected: the password must not sit in a URL, a message or a log.
    return render(
        request, "accounts/password_shown.html",
        {"person": person, "password": password, "created": False},
    )  # fmt: skip


@official_view(roles=ADMIN_ROLES)
@require_POST
def user_reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    person = queries.access_user_or_404(request.user, user_id, action="edit")
    actions.do_reset_two_factor(user=person, actor=_user(request))
    messages.success(request, "Đã xoá thiết bị xác thực hai lớp; người dùng sẽ đăng ký lại.")
    return redirect("accounts:user", user_id=person.pk)


@official_view(roles=ADMIN_ROLES)
def user_import(request: HttpRequest) -> HttpResponse:
    provinces = queries.administered_provinces(request.user)
    form = forms.ImportForm(request.POST or None, request.FILES or None, provinces=provinces)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = actions.do_import_officers(
            content=upload.read(), filename=upload.name, province=form.cleaned_data["province"],
            actor=_user(request),
        )  # fmt: skip
    status = 400 if result is not None and not result.ok else 200
    return render(
        request, "accounts/user_import.html", {"form": form, "result": result}, status=status
    )


@official_view(roles=ADMIN_ROLES)
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.officers_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-can-bo.csv"'
    return response


# --- audit log --------------------------------------------------------------------------


def _audit_search(request: HttpRequest) -> tuple[forms.AuditSearchForm, queries.AuditFilter]:
    form = forms.AuditSearchForm(request.GET or None, actions=queries.audit_actions(request.user))
    filters = queries.AuditFilter()
    if form.is_bound and form.is_valid():
        filters = queries.AuditFilter(**form.cleaned_data)
    return form, filters


@official_view(roles=ADMIN_ROLES)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_search(request)
    entries = queries.audit_entries_for(request.user, filters)
    page = Paginator(entries, 50).get_page(request.GET.get("trang"))
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request, "accounts/audit_list.html",
        {"form": form, "page": page, "params": params.urlencode()},
    )  # fmt: skip


@official_view(roles=ADMIN_ROLES)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _form, filters = _audit_search(request)
    entries = queries.audit_entries_for(request.user, filters, action="export").iterator()
    if fmt == "csv":
        body, ctype = exports.audit_csv(entries), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = exports.audit_xlsx(entries)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404("Không có định dạng này.")
    logger.info("Xuất nhật ký (%s) bởi %s", fmt, request.user.get_username())
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="nhat-ky.{fmt}"'
    return response


@official_view(roles=ADMIN_ROLES)
def group_list(request: HttpRequest) -> HttpResponse:
    provinces = queries.administered_provinces(request.user)
    groups = [g for p in provinces for g in unit_queries.groups(p) if g.province_id == p.pk]
    return render(request, "accounts/group_list.html", {"groups": groups})


@official_view(roles=ADMIN_ROLES)
def group_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Create or edit a named set of units of the administrator's province."""
    provinces = queries.administered_provinces(request.user)
    group = None
    if slug is not None:
        group = (
            queries.scope(unit_queries.groups(), request.user, action="edit")
            .filter(slug=slug)
            .first()
        )
        if group is None:
            raise Http404("Không tìm thấy.")
    initial = {}
    if group is not None:
        codes = group.members.order_by("code").values_list("code", flat=True)
        initial = {
            "name": group.name, "description": group.description, "province": group.province,
            "member_codes": ", ".join(codes),
        }  # fmt: skip
    form = forms.UnitGroupForm(request.POST or None, initial=initial, provinces=provinces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        members = _units_or_error(form, _codes(data["member_codes"]), field="member_codes")
        outside = [u.name for u in members if u.province_id != data["province"].pk]
        if outside:
            form.add_error(
                "member_codes", f"Không thuộc {data['province'].name}: {', '.join(outside)}."
            )
        if not form.errors:
            try:
                saved = do_save_group(
                    slug=group.slug if group else _new_slug(data["name"]),
                    name=data["name"], description=data["description"],
                    province=data["province"], members=members, actor=_user(request),
                )  # fmt: skip
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Đã lưu nhóm “{saved.name}” ({len(members)} đơn vị).")
                return redirect("units:group", saved.slug)
    return render(request, "accounts/group_edit.html", {"form": form, "group": group})


def _new_slug(name: str) -> str:
    from django.utils.crypto import get_random_string

    from xaso.core.text import fold

    base = fold(name).replace(" ", "-")[:100] or "nhom"
    # A short random tail keeps slugs unique without a read-then-write race.
    return f"{base}-{get_random_string(5, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
