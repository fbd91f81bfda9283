"""Residents' pages: send a report, follow it (rate, reopen), the public board with its
feeds and monthly report, announcements with their feed, subscription and audio."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_http_methods

from xaso.citizens import actions, queries
from xaso.citizens.intake import IntakeError, Upload, check_honeypot, form_stamp, from_web_form
from xaso.citizens.models import Announcement, LegalClass
from xaso.citizens.views.common import as_int, client_ip, messages_of
from xaso.units.models import Unit

PUBLIC_CLASSES = [(c.value, c.label) for c in LegalClass]


def _form_context(
    unit: Unit, data: Any = None, errors: list[str] | None = None, field: str | None = None
) -> dict[str, Any]:
    return {
        "unit": unit,
        "data": data or {},
        "errors": errors or [],
        "error_field": field,
        "categories": queries.categories_for(unit),
        "villages": queries.villages_of(unit.pk),
        "classes": PUBLIC_CLASSES,
        "stamp": form_stamp(timezone.now()),
    }


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest, code: str) -> HttpResponse:
    """Gửi phản ánh: text, photos, location (map or village), a phone to hear back."""
    unit = queries.current_commune(code)
    if request.method != "POST":
        return render(request, "citizens/report_form.html", _form_context(unit))
    try:
        check_honeypot(request.POST, timezone.now())
        record = from_web_form(request.POST, unit.pk, client_ip(request))
        record.uploads = [Upload(f.name or "", f.read()) for f in request.FILES.getlist("files")]
        receipt = actions.do_receive_case(record, actor=None)
    except IntakeError as exc:
        status = 429 if exc.code == "throttled" else 400
        context = _form_context(unit, request.POST, [exc.message], exc.field)
        return render(request, "citizens/report_form.html", context, status=status)
    return redirect("citizens:track", token=receipt.case.token)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    """Theo dõi phản ánh: status, answer, rating and reopening for the reporter."""
    case = queries.case_by_token(token)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("op") == "rate":
                actions.do_rate_case(
                    case=case,
                    rating=as_int(request.POST.get("rating"), 0) or 0,
                    comment=request.POST.get("comment", ""),
                    actor=None,
                )
            elif request.POST.get("op") == "reopen":
                actions.do_reopen_case(case=case, reason=request.POST.get("reason", ""), actor=None)
            return redirect("citizens:track", token=token)
        except ValidationError as exc:
            errors, status = messages_of(exc), 400
        except IntakeError as exc:
            errors, status = [exc.message], 429 if exc.code == "throttled" else 400
    events = [e for e in queries.timeline(case) if not e.internal]
    return render(
        request,
        "citizens/track.html",
        {
            "case": case,
            "public": queries.public_view(case),
            "events": events,
            "errors": errors,
        },
        status=status,
    )


def lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu by code: what anyone may know of a case (state, dates, a public answer)."""
    code = (request.GET.get("ma") or "").strip().upper()
    found = None
    if code:
        try:
            case = queries.case_by_code(code)
            found = queries.public_view(case)
            if not case.is_public or case.is_denunciation:
                found = queries.PublicCase(
                    code=found.code,
                    title="(nội dung không công khai)",
                    body="",
                    answer="",
                    category="",
                    village="",
                    commune=found.commune,
                    received_at=found.received_at,
                    answered_at=found.answered_at,
                    on_time=found.on_time,
                    state=found.state,
                    state_label=found.state_label,
                    rating=None,
                )
        except Http404:
            found = None
    return render(request, "citizens/lookup.html", {"code": code, "found": found})


def board(request: HttpRequest, code: str) -> HttpResponse:
    """Bảng công khai: answered public cases of a commune or a province, masked."""
    unit = queries.current_unit(code)
    page = Paginator(queries.public_cases(unit), 20).get_page(request.GET.get("trang"))
    items = [queries.public_view(c) for c in page]
    now = timezone.now()
    start, end = queries.month_bounds(now.year, now.month)
    return render(
        request,
        "citizens/board.html",
        {
            "unit": unit,
            "page": page,
            "items": items,
            "stats": queries.case_statistics(unit, start - dt.timedelta(days=365), end),
            "year": now.year,
            "month": now.month,
        },
    )


class BoardFeed(Feed):  # type: ignore[type-arg]
    """RSS 2.0 of a board (Atom in the subclass below)."""

    def get_object(self, request: HttpRequest, code: str) -> Unit:  # type: ignore[override]
        return queries.current_unit(code)

    def title(self, unit: Unit) -> str:
        return f"Phản ánh, kiến nghị đã trả lời — {unit.name}"

    def link(self, unit: Unit) -> str:
        return reverse("citizens:board", args=[unit.code])

    def description(self, unit: Unit) -> str:
        return f"Các phản ánh công khai và trả lời của {unit.name} (thông tin cá nhân đã ẩn)."

    def items(self, unit: Unit) -> list[queries.PublicCase]:
        return [queries.public_view(c) for c in queries.public_cases(unit)[:30]]

    def item_title(self, item: queries.PublicCase) -> str:
        return f"[{item.code}] {item.title}"

    def item_description(self, item: queries.PublicCase) -> str:
        return f"{item.body}\n\nTrả lời: {item.answer}"

    def item_link(self, item: queries.PublicCase) -> str:
        return reverse("citizens:lookup") + f"?ma={item.code}"

    def item_pubdate(self, item: queries.PublicCase) -> dt.datetime | None:
        return item.answered_at


class BoardAtom(BoardFeed):
    feed_type = Atom1Feed
    subtitle = BoardFeed.description


def monthly_report(
    request: HttpRequest, code: str, year: int, month: int, fmt: str = "html"
) -> HttpResponse:
    """Báo cáo công khai tháng: counts by class, on-time rate, satisfaction."""
    unit = queries.current_unit(code)
    if not 1 <= month <= 12 or not 2020 <= year <= 2100:
        raise Http404("Không có kỳ báo cáo này.")
    start, end = queries.month_bounds(year, month)
    stats = queries.case_statistics(unit, start, end)
    labels = dict(LegalClass.choices)
    context = {
        "unit": unit,
        "year": year,
        "month": month,
        "stats": stats,
        "by_class": [(labels.get(k, k), v) for k, v in sorted(stats.by_class.items())],
        "answered": [
            queries.public_view(c)
            for c in queries.public_cases(unit).filter(answered_at__gte=start, answered_at__lt=end)[
                :50
            ]
        ],
    }
    if fmt == "pdf":
        from weasyprint import HTML

        html = render_to_string("citizens/report_pdf.html", context, request=request)
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="bao-cao-phan-anh-{unit.code}-{year}-{month:02d}.pdf"'
        )
        return response
    return render(request, "citizens/report.html", context)


# --- announcements -------------------------------------------------------------------------


def announcements(request: HttpRequest, code: str) -> HttpResponse:
    unit = queries.current_unit(code)
    page = Paginator(queries.public_announcements(unit), 20).get_page(request.GET.get("trang"))
    return render(
        request,
        "citizens/announcements_public.html",
        {
            "unit": unit,
            "page": page,
            "villages": queries.villages_of(unit.pk),
            "stamp": form_stamp(timezone.now()),
        },
    )


def announcement(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.public_announcement(pk)
    return render(
        request,
        "citizens/announcement_public.html",
        {
            "item": item,
            "clips": queries.clips_of(item),
        },
    )


@require_http_methods(["POST"])
def subscribe(request: HttpRequest, code: str) -> HttpResponse:
    unit = queries.current_commune(code)
    errors: list[str] = []
    status = 400
    if request.POST.get("consent") != "on":
        errors.append("Hãy đánh dấu đồng ý nhận tin để đăng ký.")
    else:
        try:
            check_honeypot(request.POST, timezone.now())
            village = (
                queries.villages_of(unit.pk)
                .filter(pk=as_int(request.POST.get("village"), 0))
                .first()
            )
            actions.do_subscribe_web(
                unit=unit,
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                village=village,
                topics=request.POST.get("topics", ""),
                ip=client_ip(request),
            )
        except IntakeError as exc:
            errors.append(exc.message)
            status = 429 if exc.code == "throttled" else 400
        except ValidationError as exc:
            errors += messages_of(exc)
    return render(
        request,
        "citizens/subscribed.html",
        {"unit": unit, "errors": errors},
        status=status if errors else 200,
    )


class AnnouncementFeed(Feed):  # type: ignore[type-arg]
    def get_object(self, request: HttpRequest, code: str) -> Unit:  # type: ignore[override]
        return queries.current_unit(code)

    def title(self, unit: Unit) -> str:
        return f"Thông báo — {unit.name}"

    def link(self, unit: Unit) -> str:
        return reverse("citizens:announcements", args=[unit.code])

    def description(self, unit: Unit) -> str:
        return f"Thông báo của {unit.name} tới người dân."

    def items(self, unit: Unit) -> list[Announcement]:
        return list(queries.public_announcements(unit)[:30])

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        return item.body

    def item_link(self, item: Announcement) -> str:
        return reverse("citizens:announcement", args=[item.pk])

    def item_pubdate(self, item: Announcement) -> dt.datetime | None:
        return item.published_at


def clip(request: HttpRequest, pk: int, fmt: str) -> FileResponse:
    """The bulletin's audio for a cluster, for the browser and the radio vendor."""
    announcement_clip = queries.public_clip(pk)
    file = announcement_clip.ogg if fmt == "ogg" else announcement_clip.mp3
    if not file:
        raise Http404("Chưa có tệp âm thanh.")
    content_type = "audio/ogg" if fmt == "ogg" else "audio/mpeg"
    name = f"thong-bao-{announcement_clip.announcement_id}-{announcement_clip.cluster_id}.{fmt}"
    return FileResponse(
        file.open("rb"),
        content_type=content_type,
        as_attachment=request.GET.get("tai") == "1",
        filename=name,
    )
