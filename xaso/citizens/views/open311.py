"""Open311 GeoReport v2 under /open311/v2/: discovery, services, service definitions,
requests (GET and POST), one request, tokens — in JSON and XML, with the spec's error
format. ``jurisdiction_id`` is a commune's code (or a province's for reads); the
``service_request_id`` is the case's tracking code; ``expected_datetime`` is the legal
clock's answer deadline. Only public cases are listed, with personal data masked.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from xaso.citizens import actions, queries
from xaso.citizens.intake import IntakeError, from_open311
from xaso.citizens.models import DONE_STATES, Attachment, Case, Category, LegalClass, State
from xaso.citizens.textual import mask_text
from xaso.citizens.views.common import client_ip
from xaso.units.models import Level, Unit

MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        _fill(element, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _fill(element: ET.Element, row: dict[str, Any]) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            singular = {
                "attributes": "attribute",
                "values": "value",
                "endpoints": "endpoint",
                "formats": "format",
                "keywords": "keyword",
            }.get(key, "item")
            for entry in value:
                sub = ET.SubElement(child, singular)
                if isinstance(entry, dict):
                    _fill(sub, entry)
                else:
                    sub.text = str(entry)
        elif isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _respond(fmt: str, root: str, item: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        rows = data if isinstance(data, list) else [data]
        if root == "":
            body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(
                _single(item, data), encoding="utf-8"
            )
        else:
            body = _xml(root, item, rows)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _single(tag: str, data: dict[str, Any]) -> ET.Element:
    element = ET.Element(tag)
    _fill(element, data)
    return element


def _error(fmt: str, code: int, description: str) -> HttpResponse:
    return _respond(
        fmt, "errors", "error", [{"code": code, "description": description}], status=code
    )


def _guard(view: Any) -> Any:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs.get("fmt", "json")
        try:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        except Open311Error as exc:
            return _error(fmt, exc.code, exc.description)
        except Http404 as exc:
            return _error(fmt, 404, str(exc) or "Không tìm thấy.")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _jurisdiction(request: HttpRequest, *, required: bool) -> Unit | None:
    code = (request.POST.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    if not code:
        if required:
            raise Open311Error(400, "jurisdiction_id là bắt buộc (mã xã, ví dụ 24175).")
        return None
    try:
        return queries.current_unit(code)
    except Http404:
        raise Open311Error(404, f"jurisdiction_id {code} không tồn tại.") from None


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": True,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def _categories(unit: Unit | None) -> list[Category]:
    if unit is None:
        return list(Category.objects.filter(active=True).order_by("code"))
    if unit.level == Level.PROVINCE:
        return list(Category.objects.filter(active=True, unit=unit).order_by("code"))
    return list(queries.categories_for(unit).order_by("code"))


@_guard
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:services", args=["json"]))
    root = base.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": "2026-11-01T00:00:00+07:00",
        "contact": "Liên hệ Sở Khoa học và Công nghệ của tỉnh để được cấp khoá API.",
        "key_service": "Khoá API do quản trị cấp tỉnh hoặc cán bộ xã tạo trong xaso.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": root,
                "changeset": "2026-11-01T00:00:00+07:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, "", "discovery", data)


@_guard
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    unit = _jurisdiction(request, required=False)
    rows = [_service(c) for c in _categories(unit)]
    return _respond(fmt, "services", "service", rows)


@_guard
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    unit = _jurisdiction(request, required=False)
    found = [c for c in _categories(unit) if c.code == code]
    if not found:
        raise Open311Error(404, f"Không có service_code {code}.")
    villages: list[dict[str, str]] = []
    if unit is not None and unit.level == Level.COMMUNE:
        villages = [{"key": v.name, "name": v.name} for v in queries.villages_of(unit.pk)]
    attributes = [
        {
            "variable": True,
            "code": "legal_class",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "Loại: phản ánh/khiếu nại/tố cáo",
            "order": 1,
            "description": "Loại đơn (mặc định theo lĩnh vực)",
            "values": [{"key": k, "name": str(v)} for k, v in LegalClass.choices],
        },
        {
            "variable": True,
            "code": "village",
            "datatype": "singlevaluelist" if villages else "string",
            "required": False,
            "datatype_description": "Tên thôn/buôn/tổ dân phố",
            "order": 2,
            "description": "Thôn nơi xảy ra sự việc",
            "values": villages,
        },
    ]
    return _respond(fmt, "", "service_definition", {"service_code": code, "attributes": attributes})


def _status(case: Case) -> str:
    return "closed" if case.state in (*DONE_STATES, State.REJECTED, State.DUPLICATE) else "open"


def _request_row(case: Case, request: HttpRequest) -> dict[str, Any]:
    notes = ""
    if case.state == State.REJECTED:
        notes = mask_text(case.reject_reason)
    elif case.state == State.DUPLICATE and case.duplicate_of is not None:
        notes = f"Trùng với {case.duplicate_of.code}"
    elif case.answer:
        notes = mask_text(case.answer)
    photos = getattr(case, "photos", None)  # prefetched by _public_requests()
    if photos is None:
        photos = list(case.attachments.filter(content_type__startswith="image/").order_by("pk"))
    photo = photos[0] if photos else None
    return {
        "service_request_id": case.code,
        "status": _status(case),
        "status_notes": notes,
        "service_name": case.category.name if case.category else "",
        "service_code": case.category.code if case.category else "",
        "description": mask_text(case.body),
        "agency_responsible": case.forwarded_to or case.unit.name,
        "service_notice": f"Hạn trả lời theo quy định: {_iso(case.resolve_due)}",
        "requested_datetime": _iso(case.received_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.resolve_due),
        "address": case.village.name if case.village else mask_text(case.address),
        "address_id": "",
        "zipcode": "",
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": request.build_absolute_uri(photo.file.url) if photo else "",
    }


_PHOTOS = Attachment.objects.filter(content_type__startswith="image/").order_by("pk")


def _public_requests() -> Any:
    return (
        Case.objects.filter(is_public=True)
        .exclude(legal_class=LegalClass.DENUNCIATION)
        .select_related("unit", "category", "village", "duplicate_of")
        # One query for every listed case's photo, not one per case (up to 1,000 rows).
        .prefetch_related(Prefetch("attachments", queryset=_PHOTOS, to_attr="photos"))
    )


def _parse_w3(value: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name} không đúng định dạng W3C (ví dụ 2026-01-01T00:00:00Z)."
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    qs = _public_requests()
    unit = _jurisdiction(request, required=False)
    if unit is not None:
        qs = qs.filter(province=unit) if unit.level == Level.PROVINCE else qs.filter(unit=unit)
    ids = request.GET.get("service_request_id", "")
    if ids:
        qs = qs.filter(code__in=[i.strip() for i in ids.split(",") if i.strip()])
    else:
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        if codes:
            qs = qs.filter(category__code__in=codes)
        end = (
            _parse_w3(request.GET["end_date"], "end_date")
            if request.GET.get("end_date")
            else timezone.now()
        )
        start = (
            _parse_w3(request.GET["start_date"], "start_date")
            if request.GET.get("start_date")
            else end - MAX_SPAN
        )
        if end - start > MAX_SPAN:
            raise Open311Error(400, "Khoảng thời gian không được quá 90 ngày.")
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        statuses = {s for s in request.GET.get("status", "").split(",") if s}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status chỉ nhận open hoặc closed.")
        done = [*DONE_STATES, State.REJECTED, State.DUPLICATE]
        if statuses == {"open"}:
            qs = qs.exclude(state__in=done)
        elif statuses == {"closed"}:
            qs = qs.filter(state__in=done)
    rows = [_request_row(c, request) for c in qs.order_by("-received_at")[:MAX_RESULTS]]
    return _respond(fmt, "service_requests", "request", rows)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = queries.api_key_unit(request.POST.get("api_key", ""))
    if key is None:
        raise Open311Error(403, "api_key thiếu hoặc không hợp lệ.")
    unit = _jurisdiction(request, required=True)
    assert unit is not None
    if unit.level != Level.COMMUNE:
        raise Open311Error(400, "jurisdiction_id phải là mã một xã/phường.")
    if key.unit_id not in (unit.pk, unit.province_id):
        raise Open311Error(403, "Khoá API không dùng được cho xã này.")
    service_code = request.POST.get("service_code", "").strip()
    if not service_code:
        raise Open311Error(400, "service_code là bắt buộc.")
    if queries.category_by_code(unit, service_code) is None:
        raise Open311Error(404, f"Không có service_code {service_code}.")
    has_place = (
        (request.POST.get("lat") and request.POST.get("long"))
        or request.POST.get("address_string")
        or request.POST.get("address_id")
    )
    if not has_place:
        raise Open311Error(400, "Cần lat và long, hoặc address_string, hoặc address_id.")
    try:
        record = from_open311(request.POST.dict(), unit.pk, service_code)
        record.ip = client_ip(request)
        receipt = actions.do_receive_case(record, actor=None)
    except IntakeError as exc:
        raise Open311Error(429 if exc.code == "throttled" else 400, exc.message) from None
    case = receipt.case
    row = {
        "service_request_id": case.code,
        "token": case.token[:12],
        "service_notice": f"Hạn trả lời: {_iso(case.resolve_due)}",
        "account_id": "",
    }
    return _respond(fmt, "service_requests", "request", [row], status=201)


@_guard
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    case = _public_requests().filter(code=request_id).first()
    if case is None:
        raise Open311Error(404, f"Không có service_request_id {request_id}.")
    return _respond(fmt, "service_requests", "request", [_request_row(case, request)])


@_guard
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    case = (
        Case.objects.filter(token__startswith=token).only("code").first()
        if len(token) >= 12
        else None
    )
    if case is None:
        raise Open311Error(404, "Không có token này.")
    return _respond(
        fmt, "service_requests", "request", [{"service_request_id": case.code, "token": token}]
    )
