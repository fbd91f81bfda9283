"""Pages of the connectors app: measured values of a period beside the self-reported ones,
the drill-down from a value to its records (and their export), the import log, sources
and their push tokens, the trust store, and the signature verdicts of a submission's
evidence. Thin: parse, call one query or action, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xaso.accounts.models import Role, User
from xaso.accounts.security import official_view
from xaso.assessments import queries as assessment_queries
from xaso.assessments.cells import display
from xaso.connectors import actions, exports, measures, queries
from xaso.connectors.models import Verdict
from xaso.units.models import Unit

ADMIN = [Role.PROVINCE_ADMIN]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT = 200_000


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _date(text: str | None, fallback: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return fallback


@official_view
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(request, "connectors/home.html", {
        "periods": queries.periods_with_measures(user),
        "batches": queries.batches_for(user)[:10],
        "provinces": queries.administered_provinces(user),
        "measures": measures.MEASURES.values(),
        "mapping": sorted(
            (fw, code, measures.MEASURES[key]) for fw, rows in measures.FRAMEWORK_MEASURES.items()
            for code, key in rows.items()
        ),
    })  # fmt: skip


@official_view
def period(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = assessment_queries.period_or_404(user, pk)
    framework = assessment_queries.framework_of(found)
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    rows = []
    for row in queries.period_table(user, found):
        cells = []
        for cell in row.cells:
            leaf = leaves.get(cell.code)
            unit_label = (leaf.input.unit if leaf and leaf.input else None) or ""
            kind = leaf.input.kind if leaf and leaf.input else None
            measured = queries.leaf_cell(kind, unit_label, cell.result)
            cells.append({
                "code": cell.code, "key": cell.key, "result": cell.result,
                "measured": display(leaf, measured) if leaf else "—",
                "self": display(leaf, cell.self_value) if leaf else "—",
                "differs": bool(cell.self_value) and measured is not None
                and cell.self_value != measured,
            })  # fmt: skip
        rows.append({"row": row, "cells": cells})
    mapping = sorted(measures.measures_for(found.framework.code).items())
    return render(request, "connectors/period.html", {
        "period": found, "rows": rows,
        "columns": [(code, leaves[code].name_vi if code in leaves else code, key)
                    for code, key in mapping],
    })  # fmt: skip


@official_view
def drill(request: HttpRequest, unit_pk: int, key: str) -> HttpResponse:
    user = _user(request)
    unit = queries.unit_or_404(user, unit_pk)
    try:
        measure = measures.measure(key)
    except LookupError:
        raise Http404("Không có chỉ số này.") from None
    today = dt.date.today()
    start = _date(request.GET.get("tu"), dt.date(today.year, 1, 1))
    end = _date(request.GET.get("den"), today)
    part = request.GET.get("chi", measure.denominator)
    if part not in (measure.numerator, measure.denominator):
        part = measure.denominator
    result = queries.measured(key, unit, start, end)
    records = queries.records_for(user, measure.kind, unit, start, end, counter=part)
    fmt = request.GET.get("xuat")
    if fmt in ("csv", "xlsx"):
        records = queries.records_for(user, measure.kind, unit, start, end, counter=part,
                                      action="export")[:MAX_EXPORT]  # fmt: skip
        name = f"{key}-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
        if fmt == "csv":
            response = HttpResponse(exports.to_csv(measure.kind, records),
                                    content_type="text/csv; charset=utf-8")  # fmt: skip
        else:
            response = HttpResponse(exports.to_xlsx(measure.kind, records, unit.name),
                                    content_type=XLSX)  # fmt: skip
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    page = Paginator(records, 100).get_page(request.GET.get("trang"))
    return render(request, "connectors/drill.html", {
        "unit": unit, "measure": measure, "result": result, "page": page, "part": part,
        "start": start, "end": end,
        "numerator_label": measures.counter_label(measure.kind, measure.numerator),
        "denominator_label": measures.counter_label(measure.kind, measure.denominator),
        "predecessors": Unit.objects.filter(pk__in=queries.counted_unit_ids(unit)[1:])
        .order_by("name"),
    })  # fmt: skip


@official_view
def batches(request: HttpRequest) -> HttpResponse:
    page = Paginator(queries.batches_for(_user(request)), 50).get_page(request.GET.get("trang"))
    return render(request, "connectors/batches.html", {"page": page})


@official_view
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request, "connectors/batch.html", {"batch": queries.batch_or_404(_user(request), pk)}
    )


@official_view(roles=ADMIN)
def sources(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    provinces = queries.administered_provinces(user)
    token = ""
    if request.method == "POST":
        province = next((p for p in provinces if str(p.pk) == request.POST.get("province")), None)
        if province is None:
            raise Http404("Không tìm thấy.")
        try:
            source, token = actions.do_create_source(
                province=province, code=request.POST.get("code", ""),
                name=request.POST.get("name", ""), actor=user,
            )  # fmt: skip
            messages.success(request, f"Đã tạo nguồn “{source.name}”.")
        except actions.ConnectorError as exc:
            messages.error(request, exc.message)
    return render(request, "connectors/sources.html", {
        "sources": queries.sources_for(user), "provinces": provinces, "token": token,
    })  # fmt: skip


@official_view(roles=ADMIN)
@require_POST
def source_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    source = queries.source_or_404(user, pk, action="edit")
    token = ""
    try:
        if request.POST.get("do") == "token":
            token = actions.do_rotate_source_token(source=source, actor=user)
            messages.success(request, "Đã cấp mã truy cập mới; mã cũ hết hiệu lực.")
        else:
            actions.do_set_source_active(source=source, active=request.POST.get("do") == "on",
                                         actor=user)  # fmt: skip
    except PermissionDenied as exc:
        raise Http404("Không tìm thấy.") from exc
    if token:
        return render(request, "connectors/sources.html", {
            "sources": queries.sources_for(user),
            "provinces": queries.administered_provinces(user), "token": token,
        })  # fmt: skip
    return HttpResponseRedirect(reverse("connectors:sources"))


@official_view(roles=ADMIN)
def trust_roots(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    provinces = queries.administered_provinces(user)
    if request.method == "POST":
        province = next((p for p in provinces if str(p.pk) == request.POST.get("province")), None)
        upload = request.FILES.get("certificate")
        if province is None:
            raise Http404("Không tìm thấy.")
        if upload is None or upload.size is None or upload.size > 256 * 1024:
            messages.error(request, "Hãy chọn tệp chứng thư (.pem, .cer, .crt; tối đa 256 KB).")
        else:
            try:
                added = actions.do_add_trust_root(
                    province=province, data=upload.read(), name=request.POST.get("name", ""),
                    actor=user,
                )  # fmt: skip
                messages.success(request, f"Đã thêm {len(added)} chứng thư gốc tin cậy.")
                return HttpResponseRedirect(reverse("connectors:trust_roots"))
            except actions.ConnectorError as exc:
                messages.error(request, exc.message)
    return render(request, "connectors/trust_roots.html", {
        "roots": queries.trust_roots_for(user), "provinces": provinces,
    })  # fmt: skip


@official_view(roles=ADMIN)
@require_POST
def trust_root_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    root = queries.trust_root_or_404(user, pk)
    actions.do_set_trust_root_active(root=root, active=request.POST.get("do") == "on", actor=user)
    return HttpResponseRedirect(reverse("connectors:trust_roots"))


@official_view
def signatures(request: HttpRequest, submission_pk: int) -> HttpResponse:
    user = _user(request)
    submission = assessment_queries.submission_or_404(user, submission_pk)
    may_check = queries.may_check_signatures(user, submission.unit_id)
    evidence = list(queries.pdf_evidence(submission))
    if request.method == "POST":
        if not may_check:
            raise Http404("Không tìm thấy.")
        checked = actions.do_check_signatures(evidence=evidence, actor=user,
                                              force=request.POST.get("force") == "1")  # fmt: skip
        messages.success(request, f"Đã kiểm tra chữ ký số của {len(checked)} tệp PDF.")
        return HttpResponseRedirect(request.path)
    checks = queries.checks_by_evidence(e.pk for e in evidence)
    items: list[dict[str, Any]] = [{"evidence": e, "check": checks.get(e.pk)} for e in evidence]
    return render(request, "connectors/signatures.html", {
        "submission": submission, "items": items, "may_check": may_check,
        "valid": sum(1 for c in checks.values() if c.verdict == Verdict.VALID),
    })  # fmt: skip


@official_view
def signature(request: HttpRequest, pk: int) -> HttpResponse:
    check = queries.signature_check_or_404(_user(request), pk)
    return render(request, "connectors/signature.html", {"check": check})
