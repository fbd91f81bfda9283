"""REST API of the residents' channel (under /api/citizens/): officers' scoped reads of
cases and deliveries, and the public statistics the index and dashboards read."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from xaso.accounts.security import OfficialSession
from xaso.citizens import queries
from xaso.citizens.models import Case

router = Router(tags=["citizens"])


class CaseOut(Schema):
    code: str
    unit: str
    legal_class: str
    category: str | None
    state: str
    title: str
    channel: str
    received_at: dt.datetime
    accept_due: dt.datetime | None
    resolve_due: dt.datetime | None
    answered_at: dt.datetime | None
    answered_on_time: bool | None


class StatsOut(Schema):
    unit: str
    year: int
    month: int
    received: int
    answered: int
    answered_on_time: int
    on_time_rate: float | None
    average_days: float | None
    satisfaction: float | None
    announcements_sent: int
    reach_rate: float | None
    subscribers_per_1000: float | None


class DeliveryOut(Schema):
    channel: str
    village: str
    queued: int
    sending: int
    sent: int
    delivered: int
    failed: int
    expired: int


def _case(c: Case) -> CaseOut:
    return CaseOut(
        code=c.code,
        unit=c.unit.code,
        legal_class=c.legal_class,
        category=c.category.code if c.category else None,
        state=c.state,
        title=c.title,
        channel=c.channel,
        received_at=c.received_at,
        accept_due=c.accept_due,
        resolve_due=c.resolve_due,
        answered_at=c.answered_at,
        answered_on_time=c.answered_on_time,
    )


@router.get("/cases", response=list[CaseOut], auth=OfficialSession())
def list_cases(
    request: HttpRequest, unit: str, state: str = "open", limit: int = 100
) -> list[CaseOut]:
    """Hàng đợi phản ánh của một xã (chỉ xã bạn được giao)."""
    commune = queries.current_commune(unit)
    f = queries.QueueFilter(state=state)
    rows = queries.queue(request.user, commune.pk, f, timezone.now()).select_related("unit")
    return [_case(c) for c in rows[: max(1, min(limit, 500))]]


@router.get("/cases/{code}", response=CaseOut, auth=OfficialSession())
def case_detail(request: HttpRequest, code: str) -> CaseOut:
    found = queries.cases_for(request.user, action="view").filter(code=code).first()
    if found is None:
        from django.http import Http404

        raise Http404("Không tìm thấy.")
    return _case(queries.access_case_or_404(request.user, found.pk))


@router.get("/statistics/{unit}", response=StatsOut)
def statistics(request: HttpRequest, unit: str, year: int, month: int) -> StatsOut:
    """Chỉ số đo được của kênh người dân cho một xã hoặc tỉnh trong một tháng."""
    place = queries.current_unit(unit)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        from ninja.errors import HttpError

        raise HttpError(400, "Tháng từ 1 đến 12, năm từ 2000 đến 2100.")
    start, end = queries.month_bounds(year, month)
    cases = queries.case_statistics(place, start, end)
    news = queries.announcement_statistics(place, start, end)
    return StatsOut(
        unit=place.code,
        year=year,
        month=month,
        received=cases.received,
        answered=cases.answered,
        answered_on_time=cases.answered_on_time,
        on_time_rate=cases.on_time_rate,
        average_days=cases.average_days,
        satisfaction=cases.satisfaction,
        announcements_sent=news.sent,
        reach_rate=news.reach_rate,
        subscribers_per_1000=news.subscribers_per_1000,
    )


@router.get("/announcements/{pk}/deliveries", response=list[DeliveryOut], auth=OfficialSession())
def deliveries(request: HttpRequest, pk: int) -> list[DeliveryOut]:
    item = queries.access_announcement_or_404(request.user, pk)
    return [DeliveryOut(**row) for row in queries.delivery_table(item)]
