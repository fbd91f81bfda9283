"""Officers' pages for cases: the queue with deadlines, a case with its actions, counter
entry, CSV import of historic cases, and the chairman's figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from xaso.accounts.models import User
from xaso.accounts.queries import access_or_404, may_in_unit
from xaso.accounts.security import official_view
from xaso.citizens import actions, queries
from xaso.citizens.intake import IntakeError, from_counter
from xaso.citizens.models import Attachment, Case, LegalClass, State
from xaso.citizens.views.common import as_int, messages_of, signed_in

STATE_FILTERS = [("open", "Đang mở"), ("", "Tất cả"), *State.choices]


def _commune(request: HttpRequest, code: str, action: str = "list") -> Any:
    unit = queries.current_commune(code)
    if not may_in_unit(request.user, action, unit.pk, family=queries.FAMILY_CASES):
        raise Http404("Không tìm thấy.")
    return unit


@official_view
def home(request: HttpRequest) -> HttpResponse:
    units = queries.officer_units(request.user)
    if len(units) == 1:
        return redirect("citizens:queue", code=units[0].code)
    return render(request, "citizens/officer_home.html", {"units": units})


@official_view
def queue(request: HttpRequest, code: str) -> HttpResponse:
    """Hàng đợi: open cases soonest deadline first, filters, counts by state."""
    unit = _commune(request, code)
    now = timezone.now()
    f = queries.QueueFilter(
        state=request.GET.get("trang_thai", "open"),
        legal_class=request.GET.get("loai", ""),
        category=as_int(request.GET.get("linh_vuc")),
        assigned_to_me=request.GET.get("cua_toi") == "1",
        overdue=request.GET.get("qua_han") == "1",
        query=request.GET.get("q", "")[:100],
    )
    page = Paginator(queries.queue(request.user, unit.pk, f, now), queries.QUEUE_PAGE)
    return render(
        request,
        "citizens/queue.html",
        {
            "unit": unit,
            "page": page.get_page(request.GET.get("trang")),
            "f": f,
            "now": now,
            "counts": queries.state_counts(request.user, unit.pk, now),
            "states": STATE_FILTERS,
            "classes": LegalClass.choices,
            "categories": queries.categories_for(unit),
        },
    )


def _ops(request: HttpRequest, case: Case) -> dict[str, Callable[[], Any]]:
    user = signed_in(request)
    post = request.POST

    def officer() -> User:
        found = queries.officers_of(case.unit_id).filter(pk=as_int(post.get("officer"), 0)).first()
        if found is None:
            raise ValidationError("Hãy chọn cán bộ của xã.")
        return found

    def merge() -> Case:
        code = post.get("into", "").strip().upper()
        target = queries.cases_for(user, action="edit").filter(code=code).first()
        if target is None:
            raise ValidationError(f"Không có phản ánh mã {code} trong xã.")
        return actions.do_merge_case(case=case, into=target, actor=user)

    def category() -> Case:
        pk = as_int(post.get("category"))
        chosen = queries.categories_for(case.unit).filter(pk=pk).first() if pk else None
        return actions.do_set_category(case=case, category=chosen, actor=user)

    def attach() -> Any:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError("Hãy chọn tệp.")
        return actions.do_add_attachment(
            case=case, name=upload.name or "", content=upload.read(), actor=user
        )

    return {
        "accept": lambda: actions.do_accept_case(
            case=case, actor=user, complex_case=post.get("complex") == "on"
        ),
        "assign": lambda: actions.do_assign_case(case=case, officer=officer(), actor=user),
        "start": lambda: actions.do_start_case(case=case, actor=user),
        "forward": lambda: actions.do_forward_case(
            case=case, agency=post.get("agency", ""), note=post.get("note", ""), actor=user
        ),
        "answer": lambda: actions.do_answer_case(
            case=case, answer=post.get("answer", ""), actor=user
        ),
        "close": lambda: actions.do_close_case(case=case, actor=user),
        "reject": lambda: actions.do_reject_case(
            case=case, reason=post.get("reason", ""), actor=user
        ),
        "merge": merge,
        "note": lambda: actions.do_add_note(case=case, text=post.get("text", ""), actor=user),
        "extend": lambda: actions.do_extend_deadline(
            case=case, reason=post.get("reason", ""), actor=user
        ),
        "category": category,
        "public": lambda: actions.do_set_public(
            case=case, public=post.get("public") == "on", actor=user
        ),
        "attach": attach,
        "reopen": lambda: actions.do_reopen_case(
            case=case, reason=post.get("reason", ""), actor=user
        ),
    }


@official_view
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Một phản ánh: facts, deadlines, timeline, duplicates, and every action."""
    case = queries.access_case_or_404(request.user, pk)
    revealed = None
    errors: list[str] = []
    if request.method == "POST":
        case = queries.access_case_or_404(request.user, pk, action="edit")
        op = request.POST.get("op", "")
        try:
            if op == "reveal":
                revealed = actions.do_reveal_reporter(case=case, actor=signed_in(request))
            else:
                run = _ops(request, case).get(op)
                if run is None:
                    raise ValidationError("Thao tác không hợp lệ.")
                run()
                messages.success(request, "Đã lưu.")
                return redirect("citizens:case", pk=case.pk)
        except ValidationError as exc:
            errors = messages_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc) or "Bạn không có quyền làm việc này."]
        case = queries.access_case_or_404(request.user, pk)
    now = timezone.now()
    return render(
        request,
        "citizens/case.html",
        {
            "case": case,
            "now": now,
            "errors": errors,
            "reporter": revealed or queries.reporter_for(request.user, case),
            "events": queries.timeline(case),
            "attachments": case.attachments.all(),
            "duplicates": queries.duplicates_of_case(request.user, case, now),
            "officers": queries.officers_of(case.unit_id),
            "categories": queries.categories_for(case.unit),
            "may_edit": may_in_unit(
                request.user, "edit", case.unit_id, family=queries.FAMILY_CASES
            ),
            "merged": Case.objects.filter(duplicate_of=case).only("code"),
        },
        status=400 if errors else 200,
    )


@official_view
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    case = queries.access_case_or_404(request.user, pk, action="download")
    found = access_or_404(
        request.user, Attachment.objects.filter(case=case), attachment_id, action="download"
    )
    return FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=True,
        filename=found.name,
    )


@official_view
@require_http_methods(["GET", "POST"])
def counter_entry(request: HttpRequest, code: str) -> HttpResponse:
    """Tiếp nhận tại quầy / qua điện thoại, on the resident's behalf."""
    unit = _commune(request, code, "edit")
    errors: list[str] = []
    if request.method == "POST":
        try:
            record = from_counter(request.POST, unit.pk)
            receipt = actions.do_receive_case(record, actor=signed_in(request))
            messages.success(request, f"Đã tiếp nhận, mã tra cứu {receipt.case.code}.")
            return redirect("citizens:case", pk=receipt.case.pk)
        except IntakeError as exc:
            errors = [exc.message]
        except PermissionDenied:
            raise Http404("Không tìm thấy.") from None
    return render(
        request,
        "citizens/counter.html",
        {
            "unit": unit,
            "errors": errors,
            "data": request.POST,
            "categories": queries.categories_for(unit),
            "villages": queries.villages_of(unit.pk),
            "classes": LegalClass.choices,
        },
        status=400 if errors else 200,
    )


@official_view
@require_http_methods(["GET", "POST"])
def import_cases(request: HttpRequest, code: str) -> HttpResponse:
    unit = _commune(request, code, "edit")
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        content = upload.read() if upload else b""
        result = actions.do_import_cases(content=content, unit=unit, actor=signed_in(request))
        if not result.errors:
            messages.success(
                request, f"Đã nhập {result.created} phản ánh ({result.skipped} đã có)."
            )
            return redirect("citizens:queue", code=unit.code)
    return render(
        request,
        "citizens/import_cases.html",
        {"unit": unit, "result": result},
        status=400 if result and result.errors else 200,
    )


@official_view
def statistics(request: HttpRequest, code: str) -> HttpResponse:
    """Chairman's view: on-time rate, average days, satisfaction, the overdue list."""
    unit = _commune(request, code)
    now = timezone.now()
    year = as_int(request.GET.get("nam"), now.year) or now.year
    month = as_int(request.GET.get("thang"), now.month) or now.month
    if not 1 <= month <= 12:
        month = now.month
    if not 2000 <= year <= 2100:  # ?nam=99999 overflowed the datetime (a 500)
        year = now.year
    start, end = queries.month_bounds(year, month)
    return render(
        request,
        "citizens/statistics.html",
        {
            "unit": unit,
            "year": year,
            "month": month,
            "stats": queries.case_statistics(unit, start, end),
            "announcements": queries.announcement_statistics(unit, start, end),
            "overdue": queries.overdue_cases(request.user, unit.pk, now)[:100],
        },
    )
