"""Officers' pages for announcements: write (from a template), preview SMS segments,
Zalo text and the loudspeaker audio, submit / approve, delivery per channel and
village, coverage, the printable not-reached list; and the contact book."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from xaso.accounts.queries import may_in_unit
from xaso.accounts.security import official_view
from xaso.citizens import actions, queries, speech
from xaso.citizens.channels import sms_segments
from xaso.citizens.models import AnnouncementTemplate, Urgency
from xaso.citizens.views.common import as_int, messages_of, parse_local, signed_in
from xaso.units.models import Unit


def _commune(
    request: HttpRequest, code: str, action: str = "list", family: str = queries.FAMILY_CASES
) -> Unit:
    unit = queries.current_commune(code)
    if not may_in_unit(request.user, action, unit.pk, family=family):
        raise Http404("Không tìm thấy.")
    return unit


def _templates(unit: Unit) -> Any:
    return AnnouncementTemplate.objects.filter(unit_id__in=[unit.pk, unit.province_id]).order_by(
        "name"
    )


@official_view
@require_http_methods(["GET", "POST"])
def announcement_list(request: HttpRequest, code: str) -> HttpResponse:
    unit = _commune(request, code)
    errors: list[str] = []
    data: Any = request.POST if request.method == "POST" else {}
    template = None
    if request.GET.get("mau"):
        template = _templates(unit).filter(pk=as_int(request.GET["mau"], 0)).first()
        if template is not None:
            data = {
                "title": template.title,
                "body": template.body,
                "urgency": template.urgency,
                "channels": [c for c in template.channels.split(",") if c],
            }
    if request.method == "POST":
        try:
            audience = queries.Audience(
                villages=tuple(int(v) for v in request.POST.getlist("villages") if v.isdigit()),
                groups=tuple(
                    g.strip() for g in request.POST.get("groups", "").split(",") if g.strip()
                ),
                topics=tuple(
                    t.strip() for t in request.POST.get("topics", "").split(",") if t.strip()
                ),
            )
            item = actions.do_create_announcement(
                unit=unit,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
                urgency=request.POST.get("urgency", "normal"),
                channels=request.POST.getlist("channels"),
                audience=audience,
                sms_text=request.POST.get("sms_text", ""),
                category=request.POST.get("category", ""),
                scheduled_at=parse_local(request.POST.get("scheduled_at", "")),
                actor=signed_in(request),
            )
            return redirect("citizens:announcement_detail", pk=item.pk)
        except ValidationError as exc:
            errors = messages_of(exc)
    page = Paginator(queries.announcements_for(request.user, unit.pk), 20)
    return render(
        request,
        "citizens/announcement_list.html",
        {
            "unit": unit,
            "page": page.get_page(request.GET.get("trang")),
            "errors": errors,
            "data": data,
            "villages": queries.villages_of(unit.pk),
            "templates": _templates(unit),
            "urgencies": Urgency.choices,
            "channels": actions.CHANNELS,
        },
        status=400 if errors else 200,
    )


@official_view
@require_http_methods(["GET", "POST"])
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.access_announcement_or_404(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        item = queries.access_announcement_or_404(request.user, pk, action="edit")
        op = request.POST.get("op")
        user = signed_in(request)
        try:
            if op == "submit":
                actions.do_submit_announcement(announcement=item, actor=user)
            elif op == "approve":
                actions.do_approve_announcement(announcement=item, actor=user)
            elif op == "cancel":
                actions.do_cancel_announcement(announcement=item, actor=user)
            elif op == "audio":
                actions.do_synthesise_audio(announcement=item, actor=user)
            else:
                raise ValidationError("Thao tác không hợp lệ.")
            messages.success(request, "Đã thực hiện.")
            return redirect("citizens:announcement_detail", pk=item.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
        except speech.SpeechUnavailable as exc:
            errors = [str(exc)]
    segments, encoding = sms_segments(item.sms_text)
    return render(
        request,
        "citizens/announcement_detail.html",
        {
            "item": item,
            "errors": errors,
            "segments": segments,
            "encoding": encoding,
            "spoken": speech.normalise(
                speech.bulletin_text(item.unit.name, item.title, item.body),
                queries.lexicon_for(item.unit_id),
            ),
            "deliveries": queries.delivery_table(item),
            "coverage": queries.coverage(item),
            "clips": queries.clips_of(item),
            "recipients": queries.audience_contacts(
                item.unit_id, queries.Audience.from_json(item.audience)
            ).count(),
            "is_chairman": queries.settings_for(item.unit_id).chairman_id == request.user.pk,
        },
        status=400 if errors else 200,
    )


@official_view
def not_reached(request: HttpRequest, pk: int) -> HttpResponse:
    """Danh sách chưa nhận được tin — printable, for the village head to go door to door."""
    item = queries.access_announcement_or_404(request.user, pk)
    people = queries.not_reached(request.user, item)
    village = as_int(request.GET.get("thon"))
    if village:
        people = people.filter(village_id=village)
    return render(
        request,
        "citizens/not_reached.html",
        {
            "item": item,
            "people": people[:5000],
            "villages": queries.villages_of(item.unit_id),
        },
    )


@official_view
@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest, code: str) -> HttpResponse:
    unit = _commune(request, code, family=queries.FAMILY_CONTACTS)
    result = None
    if request.method == "POST":
        if not may_in_unit(request.user, "edit", unit.pk, family=queries.FAMILY_CONTACTS):
            raise Http404("Không tìm thấy.")
        upload = request.FILES.get("file")
        result = actions.do_import_contacts(
            content=upload.read() if upload else b"",
            filename=upload.name if upload else "",
            unit=unit,
            actor=signed_in(request),
        )
        if not result.errors:
            messages.success(request, f"Đã nhập: {result.created} mới, {result.updated} cập nhật.")
            return redirect("citizens:contacts", code=unit.code)
    page = Paginator(
        queries.contacts_for(request.user, unit.pk, query=request.GET.get("q", "")), 50
    )
    return render(
        request,
        "citizens/contacts.html",
        {
            "unit": unit,
            "page": page.get_page(request.GET.get("trang")),
            "result": result,
            "query": request.GET.get("q", ""),
        },
        status=400 if result and result.errors else 200,
    )
