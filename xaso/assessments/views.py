"""Pages of assessments: periods, the form (autosave and live points through HTMX, plain
POST without JavaScript), evidence, Excel round trip, the verifier's queue, publication
and appeals. Thin: read the request, call one action or query, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from xaso.accounts.models import User
from xaso.accounts.queries import administered_provinces
from xaso.accounts.security import official_view
from xaso.assessments import actions, excel, queries, sheet, tasks
from xaso.assessments.cells import CellError, parse
from xaso.assessments.engine import main_index_of, score_one
from xaso.assessments.models import (
    AppealStatus,
    ImportKind,
    ImportState,
    Period,
    ScopeKind,
    Status,
    Submission,
)
from xaso.units.models import Unit, UnitGroup, UnitType

# Workbooks bigger than this are checked by the worker, with a progress bar; smaller ones
# while the person waits.
INLINE_IMPORT_BYTES = 512 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _refused(request: HttpRequest, exc: actions.AssessmentError) -> None:
    messages.error(request, exc.message)
    for text in list(exc.errors.values())[:40]:
        messages.error(request, text)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _back(submission: Submission) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("assessments:submission", args=[submission.pk]))


# --- periods -------------------------------------------------------------------------


@official_view
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "assessments/home.html",
        {
            "periods": queries.periods_for(user),
            "mine": queries.my_submissions(user)[:50],
            "reminders": queries.reminders_for(user)[:10],
            "may_create": bool(_administered(user)),
        },
    )


def _administered(user: User) -> list[Unit]:
    return administered_provinces(user)


@official_view
def period_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    provinces = _administered(user)
    if not provinces:
        raise Http404("Không tìm thấy.")
    groups = UnitGroup.objects.filter(province__in=provinces).order_by("name")
    frameworks = queries.frameworks()
    data = request.POST if request.method == "POST" else None
    errors: dict[str, str] = {}
    if data is not None:
        try:
            province = next(p for p in provinces if str(p.pk) == data.get("province"))
            framework = frameworks.filter(pk=data.get("framework") or 0).first()
            if framework is None:
                raise actions.AssessmentError(
                    "Chưa chọn bộ chỉ số.", errors={"framework": "Chưa chọn bộ chỉ số."}
                )
            opens_at = parse_datetime(data.get("opens_at", ""))
            closes_at = parse_datetime(data.get("closes_at", ""))
            if opens_at is None or closes_at is None:
                raise ValueError("Ngày giờ mở và hạn nộp phải theo dạng 2025-06-01T08:00.")
            group = groups.filter(pk=data.get("scope_group") or 0).first()
            previous = queries.periods_for(user).filter(pk=data.get("previous") or 0).first()
            period = actions.do_create_period(
                framework=framework,
                province=province,
                name=data.get("name", ""),
                year=int(data.get("year", "0")),
                starts_on=dt.date.fromisoformat(data.get("starts_on", "")),
                ends_on=dt.date.fromisoformat(data.get("ends_on", "")),
                opens_at=timezone.make_aware(opens_at) if timezone.is_naive(opens_at) else opens_at,
                closes_at=timezone.make_aware(closes_at)
                if timezone.is_naive(closes_at)
                else closes_at,
                scope_kind=data.get("scope_kind", ScopeKind.PROVINCE),
                scope_group=group,
                scope_unit_type=data.get("scope_unit_type", ""),
                reminder_days=data.get("reminder_days", "7,3,1"),
                appeal_days=int(data.get("appeal_days", "15") or 15),
                previous=previous,
                actor=user,
            )
        except actions.AssessmentError as exc:
            errors = exc.errors or {"__all__": exc.message}
        except StopIteration:
            errors = {"province": "Chưa chọn tỉnh."}
        except (ValueError, TypeError) as exc:
            errors = {"__all__": f"Dữ liệu chưa hợp lệ: {exc}"}
        else:
            tasks.schedule_reminders(period)
            messages.success(request, f"Đã mở “{period.name}”.")
            return HttpResponseRedirect(reverse("assessments:period", args=[period.pk]))
    return render(
        request,
        "assessments/period_form.html",
        {
            "provinces": provinces,
            "groups": groups,
            "frameworks": frameworks,
            "unit_types": [
                (t.value, t.label) for t in UnitType if t in ("xa", "phuong", "dac_khu")
            ],
            "previous_periods": queries.periods_for(user),
            "scope_kinds": ScopeKind.choices,
            "data": data or {},
            "errors": errors,
        },
    )


@official_view
def period_detail(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = queries.period_or_404(user, period_id)
    subs = queries.submissions_of(user, period)
    manage = queries.may_manage_period(user, period)
    if not subs.exists() and not manage:
        raise Http404("Không tìm thấy.")
    return render(
        request,
        "assessments/period_detail.html",
        {
            "period": period,
            "submissions": subs,
            "counts": [(s.label, n) for s, n in queries.status_counts(period).items()]
            if manage
            else None,
            "manage": manage,
            "queue_size": queries.verifier_queue(user, period).count(),
            "snapshots": queries.snapshots_of(period),
            "appeals": queries.appeals_of(user, period),
            "imports": queries.imports_of(user, period)[:10],
            "locks": queries.lock_exceptions(period) if manage else [],
            "open": period.is_open(),
            "now": timezone.now(),
        },
    )


@official_view
@require_POST
def lock_exception(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = queries.period_or_404(user, period_id)
    unit = period.submissions.filter(unit__code=request.POST.get("unit", "")).first()
    until = parse_datetime(request.POST.get("until", ""))
    try:
        if unit is None:
            raise actions.AssessmentError("Chưa chọn đơn vị thuộc kỳ đánh giá.")
        if until is None:
            raise actions.AssessmentError("Thời hạn mở khoá phải theo dạng 2025-06-01T17:00.")
        actions.do_grant_lock_exception(
            period=period, unit=unit.unit,
            until=timezone.make_aware(until) if timezone.is_naive(until) else until,
            reason=request.POST.get("reason", ""), actor=user,
        )  # fmt: skip
        messages.success(request, f"Đã mở khoá cho {unit.unit.name}.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(reverse("assessments:period", args=[period.pk]))


@official_view
@require_POST
def publish(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = queries.period_or_404(user, period_id)
    try:
        snapshot = actions.do_publish_period(
            period=period, reason=request.POST.get("reason", ""), actor=user
        )
    except actions.AssessmentError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(reverse("assessments:period", args=[period.pk]))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("assessments:period", args=[period.pk]))
    messages.success(request, f"Đã công bố phiên bản {snapshot.version}.")
    return HttpResponseRedirect(reverse("assessments:snapshot", args=[period.pk, snapshot.version]))


@official_view
def snapshot_detail(request: HttpRequest, period_id: int, version: int) -> HttpResponse:
    period = queries.period_or_404(request.user, period_id)
    snapshot = queries.published_snapshot(period, version)
    if snapshot is None:
        raise Http404("Không tìm thấy.")
    framework = queries.framework_of(period)
    return render(
        request,
        "assessments/snapshot.html",
        {
            "period": period,
            "snapshot": snapshot,
            "rows": queries.snapshot_results(snapshot),
            "mains": framework.main_indices,
            "versions": queries.snapshots_of(period),
        },
    )


@official_view
def queue(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = queries.period_or_404(user, period_id)
    items = queries.verifier_queue(user, period)
    drawn: list[Submission] = []
    if request.method == "POST":
        try:
            drawn = actions.do_draw_spot_check(
                period=period, size=int(request.POST.get("size", "0") or 0), actor=user
            )
            messages.success(request, f"Đã chọn ngẫu nhiên {len(drawn)} hồ sơ để kiểm tra.")
        except actions.AssessmentError as exc:
            _refused(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("assessments:queue", args=[period.pk]))
    return render(request, "assessments/queue.html", {"period": period, "items": items})


# --- the form ------------------------------------------------------------------------


def _row_values(request: HttpRequest, codes: list[str]) -> dict[str, tuple[str, str]]:
    source = request.POST if request.method == "POST" else request.GET
    return {
        code: (source.get(f"v_{code}", ""), source.get(f"d_{code}", ""))
        for code in codes
        if f"v_{code}" in source
    }


@official_view
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id)
    groups, check = sheet.build(sub, viewer=user, peers=True)
    done, total, percent = sheet.progress(groups)
    published = queries.latest_published_row(sub)
    return render(
        request,
        "assessments/submission.html",
        {
            "sub": sub,
            "period": sub.period,
            "groups": groups,
            "check": check,
            "done": done,
            "total": total,
            "percent": percent,
            "may_fill": queries.may_fill(user, sub) and sub.is_editable,
            "may_verify": queries.may_verify(user, sub) and sub.status == Status.SUBMITTED,
            "may_approve": queries.may_approve(user, sub) and sub.status == Status.VERIFIED,
            "open": queries.accepting_input(sub.period, sub.unit_id) or sub.status == "returned",
            "published": published,
            "may_appeal": published is not None
            and queries.may_fill(user, sub)
            and queries.appeal_open(published[0]),
            "appeals": sub.appeals.select_related("snapshot").order_by("-filed_at"),
            "appeal_statuses": AppealStatus,
            "codes": [r.code for g in groups for r in g.rows],
        },
    )


@official_view
@require_POST
def save(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Autosave of one criterion (HTMX, answers with the row) or the whole form."""
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id, action="edit")
    framework = queries.framework_of(sub.period)
    only = request.POST.get("ma") or None
    codes = [only] if only else [leaf.code for leaf in framework.leaves]
    values = _row_values(request, codes)
    revisions = {
        code: int(request.POST[f"r_{code}"])
        for code in codes
        if request.POST.get(f"r_{code}", "").isdigit()
    }
    comments = {code: request.POST[f"c_{code}"] for code in codes if f"c_{code}" in request.POST}
    errors: dict[str, str] = {}
    conflicts: dict[str, str] = {}
    try:
        sub = actions.do_save_values(
            submission=sub, values=values, revisions=revisions, comments=comments, actor=user
        ).submission
    except actions.Conflict as exc:
        conflicts = {
            i.code: f"{i.by} vừa lưu “{i.theirs}”; bạn nhập “{i.yours}”." for i in exc.items
        }
        if not _htmx(request):
            _refused(request, exc)
    except actions.AssessmentError as exc:
        errors = exc.errors or {code: exc.message for code in codes}
        if not _htmx(request):
            _refused(request, exc)
    except PermissionDenied as exc:
        if _htmx(request):
            return HttpResponse(str(exc), status=403)
        messages.error(request, str(exc))
    else:
        if not _htmx(request):
            messages.success(request, "Đã lưu.")
    if not _htmx(request):
        return _back(sub)
    sub = queries.submission_or_404(user, sub.pk)
    groups, _ = sheet.build(
        sub, viewer=user, only=only, typed=values if errors or conflicts else None,
        errors=errors, conflicts=conflicts,
    )  # fmt: skip
    # The progress bar needs only which criteria are filled: not a second whole sheet.
    done, total, percent = sheet.progress_of(sub)
    row = groups[0].rows[0]
    return render(
        request,
        "assessments/submission.html#row",
        {"sub": sub, "row": row, "may_fill": True, "open": True, "oob_progress": True,
         "done": done, "total": total, "percent": percent},
    )  # fmt: skip


@official_view
@require_GET
def points(request: HttpRequest, submission_id: int, code: str) -> HttpResponse:
    """Live points for a value being typed, computed by the engine (nothing saved)."""
    sub = queries.submission_or_404(request.user, submission_id)
    framework = queries.framework_of(sub.period)
    leaf = next((x for x in framework.leaves if x.code == code), None)
    if leaf is None:
        raise Http404("Không tìm thấy.")
    raw, den = _row_values(request, [code]).get(code, ("", ""))
    cells = dict(sub.self_values)
    error = ""
    try:
        cell = parse(leaf, raw, den)
    except CellError as exc:
        error = exc.message
    else:
        if cell is None:
            cells.pop(code, None)
        else:
            cells[code] = cell
    scored = score_one(framework, cells)
    return render(
        request,
        "assessments/submission.html#points",
        {
            "pts_code": code,
            "pts_text": sheet.points_text(scored.leaf_points.get(code), leaf),
            "pts_error": error,
        },
    )


def _workflow(request: HttpRequest, submission_id: int, step: str) -> HttpResponse:
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id)
    version = _version(request)
    framework = queries.framework_of(sub.period)
    codes = [leaf.code for leaf in framework.leaves]
    try:
        if step == "submit":
            actions.do_submit_submission(submission=sub, version=version, actor=user)
            messages.success(request, "Đã nộp hồ sơ; hồ sơ đã khoá để chờ thẩm định.")
        elif step == "return":
            comments = {c: request.POST.get(f"n_{c}", "") for c in codes}
            actions.do_return_submission(
                submission=sub, comments=comments, note=request.POST.get("note", ""),
                version=version, actor=user,
            )  # fmt: skip
            messages.success(request, "Đã trả lại hồ sơ cho đơn vị.")
        elif step == "verify":
            corrections = {
                c: (request.POST.get(f"vv_{c}", ""), request.POST.get(f"vd_{c}", ""),
                    request.POST.get(f"vr_{c}", ""))
                for c in codes
                if request.POST.get(f"vv_{c}", "").strip()
            }  # fmt: skip
            actions.do_verify_submission(
                submission=sub, corrections=corrections, version=version, actor=user
            )
            messages.success(request, "Đã thẩm định hồ sơ.")
        elif step == "approve":
            actions.do_approve_submission(submission=sub, version=version, actor=user)
            messages.success(request, "Đã phê duyệt hồ sơ.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _back(sub)


@official_view
@require_POST
def submit(request: HttpRequest, submission_id: int) -> HttpResponse:
    return _workflow(request, submission_id, "submit")


@official_view
@require_POST
def return_form(request: HttpRequest, submission_id: int) -> HttpResponse:
    return _workflow(request, submission_id, "return")


@official_view
@require_POST
def verify(request: HttpRequest, submission_id: int) -> HttpResponse:
    return _workflow(request, submission_id, "verify")


@official_view
@require_POST
def approve(request: HttpRequest, submission_id: int) -> HttpResponse:
    return _workflow(request, submission_id, "approve")


# --- evidence ------------------------------------------------------------------------


@official_view
@require_POST
def evidence_upload(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id, action="edit")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise actions.AssessmentError("Chưa chọn tệp minh chứng.")
        actions.do_upload_evidence(
            submission=sub, criterion=request.POST.get("ma", ""), name=upload.name or "",
            data=upload.read(), doc_number=request.POST.get("doc_number", ""),
            doc_date=request.POST.get("doc_date", ""),
            doc_issuer=request.POST.get("doc_issuer", ""),
            doc_summary=request.POST.get("doc_summary", ""), actor=user,
        )  # fmt: skip
        messages.success(request, f"Đã đính kèm “{upload.name}”.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(
        reverse("assessments:submission", args=[sub.pk]) + f"#ma-{request.POST.get('ma', '')}"
    )


@official_view
@require_POST
def evidence_remove(request: HttpRequest, evidence_id: int) -> HttpResponse:
    user = _user(request)
    evidence = queries.evidence_or_404(user, evidence_id, action="edit")
    try:
        actions.do_remove_evidence(evidence=evidence, actor=user)
        messages.success(request, f"Đã gỡ “{evidence.original_name}”.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _back(evidence.submission)


@official_view
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> HttpResponse:
    evidence = queries.evidence_or_404(request.user, evidence_id, action="download")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Excel ---------------------------------------------------------------------------


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@official_view
@require_GET
def unit_template(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = queries.submission_or_404(request.user, submission_id, action="export")
    period = sub.period
    framework = queries.framework_of(period)
    data = excel.unit_template(
        meta=queries.expected_meta(period, sub.unit, ImportKind.UNIT),
        title=f"Phiếu tự đánh giá — {period.name} — {sub.unit.name}",
        framework=framework,
        main_of=main_index_of(framework),
        current=sub.self_values,
        comments=sub.comments,
        previous=queries.previous_cells(sub),
    )
    return _xlsx(data, f"phieu-{period.pk}-{sub.unit.code}.xlsx")


@official_view
@require_GET
def province_template(request: HttpRequest, period_id: int) -> HttpResponse:
    user = _user(request)
    period = queries.period_or_404(user, period_id)
    if not queries.may_manage_period(user, period):
        raise Http404("Không tìm thấy.")
    data = excel.province_template(**queries.province_workbook_parts(period))
    return _xlsx(data, f"so-lieu-toan-tinh-{period.pk}.xlsx")


def _start_import(
    request: HttpRequest, period: Period, unit: Unit, kind: str, back: str
) -> HttpResponse:
    user = _user(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise actions.AssessmentError("Chưa chọn tệp Excel.")
        job = actions.do_start_import(
            period=period, unit=unit, kind=kind, name=upload.name or "", data=upload.read(),
            actor=user,
        )  # fmt: skip
    except actions.AssessmentError as exc:
        _refused(request, exc)
        return HttpResponseRedirect(back)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    if (upload.size or 0) <= INLINE_IMPORT_BYTES:
        actions.do_run_import(job=job, actor=user)
    else:
        tasks.run_import.enqueue(job.pk)
    return HttpResponseRedirect(reverse("assessments:import_job", args=[job.pk]))


@official_view
@require_POST
def unit_upload(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = queries.submission_or_404(request.user, submission_id, action="edit")
    back = reverse("assessments:submission", args=[sub.pk])
    return _start_import(request, sub.period, sub.unit, ImportKind.UNIT, back)


@official_view
@require_POST
def province_upload(request: HttpRequest, period_id: int) -> HttpResponse:
    period = queries.period_or_404(request.user, period_id)
    back = reverse("assessments:period", args=[period.pk])
    return _start_import(request, period, period.province, ImportKind.PROVINCE, back)


@official_view
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = queries.import_job_or_404(request.user, job_id)
    context: dict[str, Any] = {
        "job": job,
        "running": job.state in (ImportState.QUEUED, ImportState.RUNNING),
    }
    if job.kind == ImportKind.UNIT:
        context["submission"] = job.period.submissions.filter(unit=job.unit).first()
    template = "assessments/import_job.html#progress" if _htmx(request) else None
    return render(request, template or "assessments/import_job.html", context)


# --- appeals -------------------------------------------------------------------------


@official_view
@require_POST
def appeal_new(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id)
    upload = request.FILES.get("file")
    try:
        actions.do_file_appeal(
            submission=sub, criterion=request.POST.get("ma", ""),
            value=(request.POST.get("value", ""), request.POST.get("den", "")),
            reason=request.POST.get("reason", ""),
            file=(upload.name or "", upload.read()) if upload is not None else None,
            doc_number=request.POST.get("doc_number", ""), actor=user,
        )  # fmt: skip
        messages.success(request, "Đã gửi đề nghị phúc khảo.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return _back(sub)


@official_view
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    user = _user(request)
    appeal = queries.appeal_or_404(user, appeal_id)
    try:
        actions.do_decide_appeal(
            appeal=appeal, accept=request.POST.get("accept") == "1",
            reason=request.POST.get("reason", ""), actor=user,
        )  # fmt: skip
        messages.success(request, "Đã ghi quyết định phúc khảo.")
    except actions.AssessmentError as exc:
        _refused(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(
        reverse("assessments:period", args=[appeal.snapshot.period_id]) + "#phuc-khao"
    )
