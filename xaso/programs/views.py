"""Pages of the programs app: programme overview with map and traffic lights, commune
plan, sponsor's view, department report and documents, plan workbook, scale-out list,
community teams and notifications. Thin: parse the form, call one action or query,
render."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xaso.accounts.models import Role, User
from xaso.accounts.queries import UnitCodeError, current_unit_by_code, may_in_unit
from xaso.accounts.security import official_view
from xaso.programs import actions, charts, documents, forms, queries, spreadsheets
from xaso.programs.frameworks import READINESS_FRAMEWORK, framework
from xaso.programs.measured import kpi_sources
from xaso.programs.models import (
    PROGRAMME_FAMILY,
    TEAM_FAMILY,
    ActivityKind,
    FundingSource,
    KpiSource,
    Participant,
    Programme,
    SponsorOrganisation,
)
from xaso.units.models import Generation, Level, Unit

ADMIN = [Role.PROVINCE_ADMIN]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _report(form: Any, exc: ValidationError) -> None:
    """Puts an action's Vietnamese messages on the fields they name."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _flash(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text)


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;/]+", text or "") if c]


# --- programmes --------------------------------------------------------------------------


@official_view
def programme_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "programs/programme_list.html",
        {
            "programmes": queries.programmes_for(user),
            "may_create": bool(_admin_provinces(user)),
            "sponsoring": queries.sponsored_participants(user).exists(),
            "my_teams": queries.my_teams(user),
        },
    )


def _admin_provinces(user: User) -> list[Unit]:
    qs = Unit.objects.filter(generation=Generation.CURRENT, level=Level.PROVINCE)
    return [
        p
        for p in qs.filter(role_assignments__user=user, role_assignments__role=Role.PROVINCE_ADMIN)
        .distinct()
        .order_by("name")
        if may_in_unit(user, "edit", p.pk, family=PROGRAMME_FAMILY)
    ]


@official_view(roles=ADMIN)
def programme_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    provinces = _admin_provinces(user)
    if not provinces:
        raise Http404("Không tìm thấy.")
    form = forms.ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = actions.do_create_programme(
                province=provinces[0], actor=user, **form.cleaned_data
            )
        except ValidationError as exc:
            _report(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Đã tạo chương trình; hãy chọn các xã tham gia.")
            return redirect("programs:overview", programme.pk)
    return render(
        request, "programs/programme_create.html", {"form": form, "province": provinces[0]}
    )


@official_view
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    rows = queries.programme_overview(user, programme)
    dots = charts.map_dots(
        [
            (
                r.participant.unit.latitude,
                r.participant.unit.longitude,
                r.light,
                r.participant.label,
                reverse("programs:commune", args=[r.participant.pk]),
            )
            for r in rows
        ]
    )
    manage = queries.may_manage_programme(user, programme)
    return render(
        request,
        "programs/overview.html",
        {
            "programme": programme,
            "rows": rows,
            "dots": dots,
            "manage": manage,
            "milestones": queries.milestones_of(programme),
            "participants_form": forms.UnitCodesForm(),
            "sponsor_form": forms.SponsorForm(),
            "milestone_form": forms.MilestoneForm(),
            "status_form": forms.ProgrammeStatusForm(
                initial={"status": programme.status, "lessons": programme.lessons}
            ),
            "lights": _light_counts([r.light for r in rows]),
        },
    )


def _light_counts(lights: list[str]) -> dict[str, int]:
    return {k: lights.count(k) for k in ("green", "amber", "red", "grey")}


def _managed(request: HttpRequest, pk: int) -> Programme:
    return queries.access_programme_or_404(_user(request), pk, action="edit")


@require_POST
@official_view(roles=ADMIN)
def add_participants(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _managed(request, pk)
    form = forms.UnitCodesForm(request.POST)
    if form.is_valid():
        units = []
        for code in _codes(form.cleaned_data["codes"]):
            unit = Unit.objects.filter(level=Level.COMMUNE, code=code).order_by("generation")
            found = unit.filter(generation=Generation.CURRENT).first() or unit.first()
            if found is None:
                messages.error(request, f"Không có xã nào mang mã {code}.")
                return redirect("programs:overview", pk)
            units.append(found)
        try:
            added = actions.do_add_participants(programme, units=units, actor=_user(request))
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"Đã thêm {len(added)} xã.")
    else:
        messages.error(request, "Chưa nhập mã xã.")
    return redirect("programs:overview", pk)


@require_POST
@official_view(roles=ADMIN)
def assign_sponsor(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _managed(request, pk)
    form = forms.SponsorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Chưa nhập tên đơn vị phụ trách.")
        return redirect("programs:overview", pk)
    data = form.cleaned_data
    participant = programme.participants.filter(pk=data["participant"]).first()
    if participant is None:
        raise Http404("Không tìm thấy.")
    user = _user(request)
    try:
        org = actions.do_save_sponsor_organisation(
            province=programme.province, name=data["name"], kind=data["kind"], actor=user
        )
        actions.do_assign_sponsor(
            participant, organisation=org, decision=data["decision"], actor=user
        )
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, f"Đã phân công {org.name} phụ trách {participant.unit.name}.")
    return redirect("programs:overview", pk)


@require_POST
@official_view(roles=ADMIN)
def add_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _managed(request, pk)
    form = forms.MilestoneForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_milestone(programme, actor=_user(request), **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
    else:
        messages.error(request, "Mốc cần tên và ngày.")
    return redirect("programs:overview", pk)


@require_POST
@official_view(roles=ADMIN)
def update_programme(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _managed(request, pk)
    form = forms.ProgrammeStatusForm(request.POST)
    if form.is_valid():
        try:
            actions.do_update_programme(programme, actor=_user(request), **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, "Đã lưu.")
    return redirect("programs:overview", pk)


# --- commune plan ------------------------------------------------------------------------


def _plan_context(request: HttpRequest, participant: Participant, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    plan = queries.commune_plan(participant)
    programme = participant.programme
    bars, now, ticks = charts.timeline(
        [
            (r.task.starts_on, r.task.due_on, r.task.progress, r.light, r.task.title)
            for r in plan.tasks
        ],
        start=programme.starts_on,
        end=programme.ends_on,
        today=plan.on,
    )
    sparks = [
        (
            k,
            charts.sparkline(
                k.series, target=k.kpi.target, start=k.kpi.baseline_on, end=k.kpi.target_on
            ),
        )
        for k in plan.kpis
    ]
    may_plan = queries.may_plan(user, participant.unit_id)
    orgs = SponsorOrganisation.objects.filter(assignments__participant=participant)
    context = {
        "participant": participant,
        "programme": programme,
        "plan": plan,
        "bars": bars,
        "now_x": now,
        "ticks": ticks,
        "timeline_height": len(bars) * 22 + 24,
        "sparks": sparks,
        "may_plan": may_plan,
        "task_form": forms.TaskForm(organisations=orgs),
        "kpi_form": forms.KpiForm(sources=[(s.key, s.label) for s in kpi_sources()]),
        "templates_form": forms.TemplatesForm(initial={"starts_on": programme.starts_on}),
        "measurement_form": forms.MeasurementForm(),
        "milestones": queries.milestones_of(programme),
        "budget_labels": dict(FundingSource.choices),
    }
    return {**context, **extra}


@official_view
def commune(request: HttpRequest, pid: int) -> HttpResponse:
    participant = queries.access_participant_or_404(_user(request), pid)
    return render(request, "programs/commune.html", _plan_context(request, participant))


def _planned(request: HttpRequest, pid: int) -> Participant:
    return queries.access_participant_or_404(_user(request), pid, action="edit")


@require_POST
@official_view
def apply_templates(request: HttpRequest, pid: int) -> HttpResponse:
    participant = _planned(request, pid)
    form = forms.TemplatesForm(request.POST)
    if form.is_valid():
        try:
            created = actions.do_apply_templates(
                participant, actor=_user(request), **form.cleaned_data
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"Đã thêm {len(created)} nhiệm vụ từ thư viện mẫu.")
    else:
        messages.error(request, "Chọn ít nhất một nhiệm vụ mẫu và ngày bắt đầu.")
    return redirect("programs:commune", pid)


@official_view
def add_task(request: HttpRequest, pid: int) -> HttpResponse:
    participant = _planned(request, pid)
    orgs = SponsorOrganisation.objects.filter(assignments__participant=participant)
    form = forms.TaskForm(request.POST or None, organisations=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        budget = {
            FundingSource.STATE: data.pop("budget_state") or 0,
            FundingSource.SOCIALISED: data.pop("budget_socialised") or 0,
        }
        try:
            actions.do_add_task(participant, budget=budget, actor=_user(request), **data)
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, "Đã thêm nhiệm vụ.")
            return redirect("programs:commune", pid)
    return render(
        request,
        "programs/commune.html",
        _plan_context(request, participant, task_form=form),
        status=400 if form.errors else 200,
    )


@official_view
def add_kpi(request: HttpRequest, pid: int) -> HttpResponse:
    participant = _planned(request, pid)
    form = forms.KpiForm(request.POST or None, sources=[(s.key, s.label) for s in kpi_sources()])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source = KpiSource.MEASURED if data["measured_key"] else KpiSource.MANUAL
        try:
            actions.do_add_kpi(participant, source=source, actor=_user(request), **data)
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, "Đã thêm chỉ tiêu.")
            return redirect("programs:commune", pid)
    return render(
        request,
        "programs/commune.html",
        _plan_context(request, participant, kpi_form=form),
        status=400 if form.errors else 200,
    )


@official_view
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _user(request)
    task = queries.access_task_or_404(user, task_id)
    may_update = queries.may_update_task(user, task)
    lines = {b.source: b for b in task.budget_lines.all()}
    initial = {
        "version": task.version,
        "status": task.status,
        "progress": task.progress,
        "spent_state": getattr(lines.get(FundingSource.STATE), "spent", None),
        "spent_socialised": getattr(lines.get(FundingSource.SOCIALISED), "spent", None),
    }
    form = forms.TaskUpdateForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if not may_update:
            raise Http404("Không tìm thấy.")
        if form.is_valid():
            data = form.cleaned_data
            spent = {}
            if data["spent_state"] is not None:
                spent[FundingSource.STATE] = data["spent_state"]
            if data["spent_socialised"] is not None:
                spent[FundingSource.SOCIALISED] = data["spent_socialised"]
            try:
                actions.do_update_task(
                    task,
                    status=data["status"],
                    progress=data["progress"],
                    note=data["note"],
                    evidence=data["evidence"],
                    evidence_url=data["evidence_url"],
                    spent=spent,
                    expected_version=data["version"],
                    actor=user,
                )
            except ValidationError as exc:
                _report(form, exc)
            else:
                messages.success(request, "Đã cập nhật tiến độ.")
                return redirect("programs:commune", task.participant_id)
    return render(
        request,
        "programs/task.html",
        {
            "task": task,
            "form": form,
            "may_update": may_update,
            "updates": task.updates.select_related("author")[:20],
            "lines": task.budget_lines.all(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@official_view
def record_measurement(request: HttpRequest, kpi_id: int) -> HttpResponse:
    kpi = queries.access_kpi_or_404(_user(request), kpi_id, action="edit")
    form = forms.MeasurementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.do_record_measurement(kpi, actor=_user(request), **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"Đã ghi số đo cho “{kpi.name}”.")
    else:
        messages.error(request, "Số đo cần giá trị, ngày đo và nguồn số liệu.")
    return redirect("programs:commune", kpi.participant_id)


@official_view
def sponsor_view(request: HttpRequest) -> HttpResponse:
    """Đơn vị phụ trách: only the communes assigned to the person's organisations."""
    user = _user(request)
    rows = []
    for p in queries.sponsored_participants(user):
        plan = queries.commune_plan(p)
        mine = [
            r
            for r in plan.tasks
            if r.task.owner_organisation_id
            and r.task.owner_organisation is not None
            and r.task.owner_organisation.accounts.filter(pk=user.pk).exists()
        ]
        rows.append((p, plan, mine))
    return render(request, "programs/sponsor.html", {"rows": rows})


# --- reports -----------------------------------------------------------------------------


@official_view
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Báo cáo tiến độ của sở — every commune of the programme side by side."""
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    ev = queries.evaluation(user, programme)
    manage = queries.may_manage_programme(user, programme)
    form = forms.ReportForm(request.POST or None, initial={"issued_on": ev.on, "as_of": ev.on})
    if request.method == "POST":
        if not manage:
            raise Http404("Không tìm thấy.")
        if form.is_valid():
            try:
                made = actions.do_create_report(programme, actor=user, **form.cleaned_data)
            except ValidationError as exc:
                _report(form, exc)
            else:
                messages.success(request, f"Đã lập báo cáo số {made.number}.")
                return redirect("programs:report", pk)
    return render(
        request,
        "programs/report.html",
        {
            "programme": programme,
            "ev": ev,
            "manage": manage,
            "form": form,
            "reports": queries.reports_for(user, programme),
            "budget_labels": dict(FundingSource.choices),
        },
        status=400 if form.errors else 200,
    )


def _document(ev: queries.Evaluation, fmt: str, stem: str) -> HttpResponse:
    doc = documents.build(ev)
    if fmt == "docx":
        response = HttpResponse(documents.to_docx(doc), content_type=DOCX)
    elif fmt == "pdf":
        response = HttpResponse(documents.to_pdf(doc), content_type="application/pdf")
    else:
        raise Http404("Không có định dạng này.")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@official_view
def report_document(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    user = _user(request)
    saved = queries.access_report_or_404(user, report_id)
    ev = queries.evaluation(user, saved.programme, report=saved)
    stem = re.sub(r"[^A-Za-z0-9-]+", "-", saved.number).strip("-") or f"bao-cao-{saved.pk}"
    return _document(ev, fmt, stem)


@official_view
def evaluation_draft(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Dự thảo báo cáo đánh giá as of today, before it is numbered."""
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    return _document(queries.evaluation(user, programme), fmt, f"du-thao-danh-gia-{programme.pk}")


# --- plan workbook -----------------------------------------------------------------------


@official_view
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    participants = queries.participants_for(user, programme, action="export").prefetch_related(
        "tasks__budget_lines", "tasks__owner_organisation", "kpis"
    )
    response = HttpResponse(spreadsheets.plan_workbook(participants), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ke-hoach-{programme.pk}.xlsx"'
    return response


@official_view(roles=ADMIN)
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _managed(request, pk)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            form.add_error("file", "Tệp quá lớn (tối đa 10 MB).")
        else:
            result = actions.do_import_plan(
                programme, content=upload.read(), filename=upload.name, actor=_user(request)
            )
    return render(
        request,
        "programs/plan_import.html",
        {"programme": programme, "form": form, "result": result},
        status=400 if (result is not None and not result.ok) or form.errors else 200,
    )


# --- scale-out readiness -----------------------------------------------------------------


def _readiness_fields() -> list[dict[str, Any]]:
    fw = framework(READINESS_FRAMEWORK)
    out = []
    for leaf in fw.leaves:
        assert leaf.input is not None and leaf.rule is not None
        options = [(code, queries.OPTION_LABELS.get(code, code)) for code, _ in leaf.rule.options]
        out.append(
            {
                "code": leaf.code,
                "name": leaf.name_vi,
                "kind": leaf.input.kind.value,
                "options": options,
                "max": leaf.max_points,
                "unit": leaf.input.unit or "",
            }
        )
    return out


@official_view
def readiness(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    fields = _readiness_fields()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            unit = current_unit_by_code(request.POST.get("unit_code", ""))
        except UnitCodeError as exc:
            errors["unit_code"] = [exc.message]
        else:
            values: dict[str, Any] = {}
            for f in fields:
                if f["kind"] == "ratio":
                    num = request.POST.get(f"{f['code']}.num", "").strip()
                    den = request.POST.get(f"{f['code']}.den", "").strip()
                    if num or den:
                        values[f"{f['code']}.num"], values[f"{f['code']}.den"] = num, den
                else:
                    values[f["code"]] = request.POST.get(f["code"], "").strip()
            try:
                actions.do_declare_readiness(
                    programme,
                    unit=unit,
                    values=values,
                    declared_on=queries.today(),
                    note=request.POST.get("note", ""),
                    actor=user,
                )
            except ValidationError as exc:
                errors = exc.message_dict
            except PermissionDenied as exc:
                errors["__all__"] = [str(exc)]
            else:
                messages.success(request, f"Đã lưu khai báo của {unit.name}.")
                return redirect("programs:readiness", pk)
    return render(
        request,
        "programs/readiness.html",
        {
            "programme": programme,
            "ranking": queries.readiness_ranking(user, programme),
            "fields": fields,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


# --- community digital-technology teams --------------------------------------------------


@official_view
def team_coverage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    provinces = queries.provinces_with_teams(user)
    chosen = request.GET.get("tinh", "")
    province = next((p for p in provinces if p.code == chosen), provinces[0] if provinces else None)
    coverage = queries.province_team_coverage(user, province) if province else None
    return render(
        request,
        "programs/team_coverage.html",
        {
            "provinces": provinces,
            "province": province,
            "coverage": coverage,
            "kinds": ActivityKind.choices,
        },
    )


@official_view
def team_register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = current_unit_by_code(data.pop("unit_code"))
            team = actions.do_register_team(unit=unit, actor=user, **data)
        except UnitCodeError as exc:
            form.add_error("unit_code", exc.message)
        except ValidationError as exc:
            _report(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Đã đăng ký tổ; hãy khai báo thôn và thành viên.")
            return redirect("programs:team", team.pk)
    return render(request, "programs/team_register.html", {"form": form})


def _team_context(request: HttpRequest, team: Any, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    villages = queries.villages_of(team.unit)
    coverage = queries.team_coverage(team.unit)
    context = {
        "team": team,
        "coverage": coverage,
        "members": queries.members_for(user, team),
        "villages": villages,
        "activities": queries.activities_for(user, team),
        "manage": may_in_unit(user, "edit", team.unit_id, family=TEAM_FAMILY),
        "may_log": queries.may_log_activity(user, team),
        "member_form": forms.MemberForm(villages=villages),
        "villages_form": forms.VillagesForm(),
        "kinds": ActivityKind.choices,
    }
    return {**context, **extra}


@official_view
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    team = queries.access_team_or_404(_user(request), team_id)
    return render(request, "programs/team.html", _team_context(request, team))


@official_view
def team_add_member(request: HttpRequest, team_id: int) -> HttpResponse:
    user = _user(request)
    team = queries.access_team_or_404(user, team_id, action="edit")
    form = forms.MemberForm(request.POST or None, villages=queries.villages_of(team.unit))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_team_member(team, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, "Đã thêm thành viên.")
            return redirect("programs:team", team.pk)
    return render(
        request,
        "programs/team.html",
        _team_context(request, team, member_form=form),
        status=400 if form.errors else 200,
    )


@require_POST
@official_view
def team_add_villages(request: HttpRequest, team_id: int) -> HttpResponse:
    user = _user(request)
    team = queries.access_team_or_404(user, team_id, action="edit")
    form = forms.VillagesForm(request.POST)
    if form.is_valid():
        try:
            made = actions.do_add_villages(
                unit=team.unit,
                names=form.cleaned_data["names"].splitlines(),
                kind=form.cleaned_data["kind"],
                actor=user,
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash(request, exc)
        else:
            messages.success(request, f"Đã thêm {len(made)} thôn, tổ dân phố.")
    return redirect("programs:team", team.pk)


@official_view
def team_log(request: HttpRequest, team_id: int) -> HttpResponse:
    """Ghi nhận nhanh — the one-screen form a team member fills in on a phone."""
    user = _user(request)
    # Members often hold no official role: their own team is reachable through membership.
    mine = {t.pk: t for t in queries.my_teams(user)}
    team = mine.get(team_id) or queries.access_team_or_404(user, team_id)
    if not queries.may_log_activity(user, team):
        raise Http404("Không tìm thấy.")
    villages = queries.villages_of(team.unit)
    member = queries.team_of_member_user(user, team)
    initial = {"happened_on": queries.today(), "village": member.village_id if member else None}
    form = forms.ActivityForm(request.POST or None, villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = actions.do_log_activity(team, member=member, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _report(form, exc)
        else:
            messages.success(request, f"Đã ghi: {activity.get_kind_display()} — {activity.count}.")
            return HttpResponseRedirect(reverse("programs:team_log", args=[team.pk]))
    return render(
        request,
        "programs/team_log.html",
        {"team": team, "form": form, "member": member},
        status=400 if form.errors else 200,
    )


# --- notifications -----------------------------------------------------------------------


@official_view
def notifications(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programs/notifications.html",
        {"items": queries.notifications_for(_user(request))[:100]},
    )


@require_POST
@official_view
def notification_read(request: HttpRequest, nid: int) -> HttpResponse:
    user = _user(request)
    item = queries.access_notification_or_404(user, nid)
    actions.do_mark_notification_read(item, actor=user)
    if item.link.startswith("/"):
        return HttpResponseRedirect(item.link)
    return redirect("programs:notifications")
