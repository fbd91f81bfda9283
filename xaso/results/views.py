"""Pages of results: the public portal (rankings, scorecards, method, downloads — published
data only, no sign-in), the officials' dashboard and the official report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from xaso.accounts.security import official_view
from xaso.assessments.models import Period, Snapshot
from xaso.programs.queries import kpi_progress_for
from xaso.results import charts, exports, queries
from xaso.results.actions import do_analyse_snapshot, do_request_analysis
from xaso.results.models import AnalysisState
from xaso.results.tasks import analyse_snapshot
from xaso.units.models import Generation, Level, Unit
from xaso.units.queries import UnitLookupError

# Who reads the province-wide dashboard and issues the official report.
PROVINCE_ROLES = ("province_admin", "leader", "verifier")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _published(period_id: int, request: HttpRequest) -> tuple[Period, Snapshot]:
    found = queries.published_or_none(period_id, request.GET.get("phien-ban"))
    if found is None:
        # Unpublished periods do not exist for the public, whatever their state.
        raise Http404("Kỳ đánh giá này chưa công bố kết quả.")
    return found


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _ensure_analysis(snapshot: Snapshot) -> None:
    """Small snapshots are analysed while the reader waits; large ones go to the worker."""
    found = queries.analysis_of(snapshot)
    if found is not None and found.state != AnalysisState.QUEUED:
        return
    if snapshot.unit_count <= queries.SYNC_ANALYSIS_LIMIT:
        do_analyse_snapshot(snapshot=snapshot, actor=None)
        return
    _, created = do_request_analysis(snapshot=snapshot, actor=None)
    if created:
        analyse_snapshot.enqueue(snapshot.pk)


# --- public portal -------------------------------------------------------------------


@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    periods = queries.published_periods()
    by_province: dict[str, list[tuple[Period, Snapshot]]] = {}
    for period, snap in periods:
        by_province.setdefault(period.province.name, []).append((period, snap))
    return render(request, "results/portal.html", {"by_province": sorted(by_province.items())})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    found: list[queries.Found] = []
    error = ""
    if query:
        try:
            found = queries.find_published(query)
        except UnitLookupError as exc:
            error = exc.message
    template = "results/_found.html" if request.headers.get("HX-Request") else "results/search.html"
    return render(request, template, {"query": query, "found": found, "error": error})


@require_GET
def ranking(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    filters = queries.filters_from(request.GET)
    table = queries.ranking(period, snapshot, filters)
    query = request.GET.copy()
    query.pop("trang", None)
    context: dict[str, Any] = {
        "r": table,
        "period": period,
        "snapshot": snapshot,
        "sorts": queries.SORTS,
        "query": query.urlencode(),
        "meters": {line.row.unit_id: charts.meter(line.value) for line in table.shown},
    }
    if request.headers.get("HX-Request"):
        return render(request, "results/ranking.html#table", context)
    return render(request, "results/ranking.html", context)


@require_GET
def ranking_csv(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    table = queries.ranking(period, snapshot, queries.filters_from(request.GET))
    name = f"xep-hang-{period.pk}-{table.measure.code}.csv"
    return _download(exports.ranking_csv(table), "text/csv; charset=utf-8", name)


@require_GET
def ranking_xlsx(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    table = queries.ranking(period, snapshot, queries.filters_from(request.GET))
    return _download(
        exports.ranking_xlsx(table), XLSX, f"xep-hang-{period.pk}-{table.measure.code}.xlsx"
    )


@require_GET
def scores_xlsx(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    return _download(exports.scores_xlsx(period, snapshot), XLSX, f"bang-diem-{period.pk}.xlsx")


@require_GET
def method(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    context = {"period": period, "snapshot": snapshot, **queries.method_of(snapshot)}
    return render(request, "results/method.html", context)


def _unit(snapshot: Snapshot, code: str) -> Unit:
    unit = queries.unit_in(snapshot, code)
    if unit is None:
        raise Http404("Đơn vị này không có trong kết quả đã công bố.")
    return unit


def _scorecard_context(request: HttpRequest, period_id: int, code: str) -> dict[str, Any]:
    period, snapshot = _published(period_id, request)
    unit = _unit(snapshot, code)
    _ensure_analysis(snapshot)
    card = queries.scorecard(period, snapshot, unit)
    if card is None:
        raise Http404("Đơn vị này không có trong kết quả đã công bố.")
    band = None
    if card.band is not None and card.total.rank is not None:
        band = charts.rank_band(card.total.rank, card.band.p05, card.band.p95, card.total.of)
    history = charts.trend([(h.year, h.value) for h in card.history])
    kpis = []
    if request.user.is_authenticated:
        kpis = [
            k
            for k in kpi_progress_for(request.user, unit_id=unit.pk)
            if k.kpi.framework_code == snapshot.framework.code
        ]
    return {
        "card": card,
        "period": period,
        "snapshot": snapshot,
        "unit": unit,
        "band_chart": band,
        "history_chart": history,
        "meters": {m.measure.code: charts.meter(m.value) for m in [card.total, *card.measures]},
        "kpis": kpis,
        "generated": timezone.localtime(),
    }


@require_GET
def scorecard(request: HttpRequest, period_id: int, code: str) -> HttpResponse:
    return render(request, "results/scorecard.html", _scorecard_context(request, period_id, code))


@require_GET
def scorecard_pdf(request: HttpRequest, period_id: int, code: str) -> HttpResponse:
    context = _scorecard_context(request, period_id, code)
    body = exports.scorecard_pdf(context)
    return _download(body, "application/pdf", f"phieu-diem-{period_id}-{code}.pdf")


@require_GET
def unit_latest(request: HttpRequest, code: str) -> HttpResponse:
    """A commune's latest published scorecard, from its code alone."""
    unit = Unit.objects.filter(
        generation=Generation.CURRENT, level=Level.COMMUNE, code=code
    ).first()
    history = queries.history_of(unit) if unit is not None else []
    if unit is None or not history:
        raise Http404("Đơn vị này chưa có kết quả công bố.")
    return redirect("results:scorecard", period_id=history[-1].period_id, code=code)


# --- officials -----------------------------------------------------------------------


@official_view(roles=PROVINCE_ROLES)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    provinces = queries.dashboard_provinces(request.user)
    chosen = next((p for p in provinces if str(p.pk) == request.GET.get("tinh")), None)
    province = chosen or (provinces[0] if provinces else None)
    periods = queries.published_periods(province) if province is not None else []
    picked = next((ps for ps in periods if str(ps[0].pk) == request.GET.get("ky")), None)
    current = picked or (periods[0] if periods else None)
    context: dict[str, Any] = {"provinces": provinces, "province": province, "periods": periods}
    if province is not None and current is not None:
        board = queries.dashboard(request.user, province, current[0], current[1])
        context |= {
            "board": board,
            "histogram": charts.histogram(board.histogram),
            "trend": charts.trend([(year, mean) for year, _, mean, _, _ in board.trend]),
            "meters": {m.code: charts.meter(v) for m, v in board.by_measure},
        }
    return render(request, "results/dashboard.html", context)


def _report_options(request: HttpRequest, period: Period) -> exports.ReportOptions:
    today = timezone.localdate()
    province = period.province.short_name or period.province.name
    lines = [ln.strip() for ln in request.GET.get("noi-nhan", "").splitlines() if ln.strip()]
    return exports.ReportOptions(
        authority=request.GET.get("co-quan-chu-quan", "").strip()[:120]
        or f"UBND {period.province.name.upper()}",
        issuer=request.GET.get("co-quan", "").strip()[:120] or "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        number=request.GET.get("so", "").strip()[:20],
        symbol=request.GET.get("ky-hieu", "").strip()[:30] or "BC-SKHCN",
        place=request.GET.get("dia-danh", "").strip()[:60] or province,
        day=today if not request.GET.get("ngay") else _date(request.GET["ngay"], today),
        signer=request.GET.get("nguoi-ky", "").strip()[:80],
        signer_title=request.GET.get("chuc-vu", "").strip()[:80] or "GIÁM ĐỐC",
        recipients=lines or exports.DEFAULT_RECIPIENTS,
    )


def _date(text: str, default: dt.date) -> dt.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return default


@official_view(roles=PROVINCE_ROLES)
@require_GET
def report(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    options = _report_options(request, period)
    return render(
        request,
        "results/report.html",
        {
            "period": period,
            "snapshot": snapshot,
            "options": options,
            "recipients": "\n".join(options.recipients),
            "docx": reverse("results:report_docx", args=[period.pk]),
            "pdf": reverse("results:report_pdf", args=[period.pk]),
        },
    )


@official_view(roles=PROVINCE_ROLES)
@require_GET
def report_docx(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    data = exports.report_data(period, snapshot, queries.filters_from(request.GET))
    body = exports.report_docx(data, _report_options(request, period))
    return _download(body, DOCX, f"bao-cao-ket-qua-{period.pk}.docx")


@official_view(roles=PROVINCE_ROLES)
@require_GET
def report_pdf(request: HttpRequest, period_id: int) -> HttpResponse:
    period, snapshot = _published(period_id, request)
    data = exports.report_data(period, snapshot, queries.filters_from(request.GET))
    body = exports.report_pdf(data, _report_options(request, period))
    return _download(body, "application/pdf", f"bao-cao-ket-qua-{period.pk}.pdf")
