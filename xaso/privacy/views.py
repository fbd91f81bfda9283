"""Pages for province administrators: the register of personal data, and requests from
residents (find by phone → what is held → export / erase with a reason).

Phone numbers travel only in POST bodies, never in a URL (URLs reach access logs)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xaso.accounts.models import Role, User
from xaso.accounts.security import official_view
from xaso.core.personal import mask_phone
from xaso.core.personal_data import RETENTIONS, registered
from xaso.privacy import actions, forms, queries

ADMIN_ROLES = [Role.PROVINCE_ADMIN]
FORMS: dict[str, type[forms.FindForm]] = {
    "find": forms.FindForm,
    "export": forms.ExportForm,
    "erase": forms.EraseForm,
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@official_view(roles=ADMIN_ROLES)
def register(request: HttpRequest) -> HttpResponse:
    """Sổ đăng ký dữ liệu cá nhân: every field, why it is kept, for how long."""
    rows = queries.register_rows()
    retentions = [(r, r.days) for r in RETENTIONS.values()]
    return render(request, "privacy/register.html", {"rows": rows, "retentions": retentions})


def _add_errors(form: forms.FindForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return render(request, "privacy/requests.html", context)


@official_view(roles=ADMIN_ROLES)
def requests(request: HttpRequest) -> HttpResponse:
    """Yêu cầu của chủ thể dữ liệu: find the person, see what is held, export or erase."""
    provinces = queries.provinces_for(request.user)
    if not provinces:
        raise Http404("Không tìm thấy.")
    if request.method != "POST":
        return _page(request, {"form": forms.FindForm(provinces=provinces)})
    op = request.POST.get("op", "find")
    if op not in FORMS:
        raise Http404("Không có thao tác này.")
    form = FORMS[op](request.POST, provinces=provinces)
    form_ok = form.is_valid()
    find = forms.FindForm(request.POST, provinces=provinces)
    context: dict[str, Any] = {"form": find}
    if not find.is_valid():
        return _page(request, context)
    who = find.cleaned_data
    province = who["province"]
    try:
        subject = queries.find_subject(
            phone=who["phone"], username=who["username"], province=province
        )
    except ValidationError as exc:
        _add_errors(find, exc)
        return _page(request, context)
    identity = {"province": province, "phone": who["phone"], "username": who["username"]}
    if form_ok and op != "find":
        try:
            if op == "export":
                bundle = actions.do_export_personal_data(
                    actor=_user(request), reason=form.cleaned_data["reason"], **identity
                )
                response = HttpResponse(bundle.as_zip(), content_type="application/zip")
                response["Content-Disposition"] = f'attachment; filename="{bundle.filename}"'
                return response
            context["erased"] = actions.do_erase_personal_data(
                actor=_user(request), reason=form.cleaned_data["reason"], **identity
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            form_ok = False
        else:
            titles = {e.label: e.title for e in registered()}
            context["erased_rows"] = [
                (titles.get(label, label), label, n)
                for label, n in context["erased"].counts.items()
            ]
            try:
                subject = queries.find_subject(
                    phone=who["phone"], username=who["username"], province=province
                )
            except ValidationError:  # the account itself was erased: nothing more to show
                return _page(request, context)
    initial = identity | {"province": province.pk}
    export_form = form if op == "export" else forms.ExportForm(initial=initial, provinces=provinces)
    erase_form = (
        form if op == "erase" and not form_ok
        else forms.EraseForm(initial=initial, provinces=provinces)
    )  # fmt: skip
    context |= {
        "subject": subject,
        "masked_phones": [mask_phone(p) for p in sorted(subject.phones)],
        "held": [h for h in queries.held(subject) if h.count],
        "earlier": list(queries.earlier_requests(subject)[:20]),
        "export_form": export_form,
        "erase_form": erase_form,
    }
    return _page(request, context)
