"""The programs API: programmes and their communes, plans, KPI progress, readiness
ranking, team coverage; progress updates, measurements and team activities go through
the same actions as the pages. Signed-in sessions only (the scoping helper decides
what each person sees)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from xaso.accounts.models import User
from xaso.accounts.security import OfficialSession
from xaso.programs import actions, queries
from xaso.units.models import Generation, Level, Unit

router = Router(tags=["programs"], auth=OfficialSession())


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _fail(exc: ValidationError | PermissionDenied) -> HttpError:
    if isinstance(exc, PermissionDenied):
        return HttpError(403, str(exc) or "Không được phép.")
    return HttpError(422, "; ".join(exc.messages))


class ProgrammeOut(Schema):
    id: int
    name: str
    province: str
    plan_number: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    communes: int
    is_demo: bool


class KpiOut(Schema):
    id: int
    name: str
    measure_unit: str
    direction: str
    baseline: float
    baseline_on: dt.date
    target: float
    target_on: dt.date
    actual: float | None
    measured_on: dt.date | None
    progress_percent: float | None
    state: str
    state_label: str
    framework: str
    criterion: str


class TaskOut(Schema):
    id: int
    title: str
    owner_kind: str
    owner_organisation: str | None
    starts_on: dt.date
    due_on: dt.date
    status: str
    progress: int
    state: str
    budget_planned: int
    budget_spent: int
    version: int


class CommuneOut(Schema):
    participant_id: int
    unit_code: str
    unit_name: str
    former_name: str | None
    latitude: float | None
    longitude: float | None
    light: str
    tasks_total: int
    tasks_done: int
    overdue: int
    kpis: list[KpiOut]
    sponsors: list[str]


class ProgrammeDetailOut(ProgrammeOut):
    communes_detail: list[CommuneOut]


class PlanOut(Schema):
    participant_id: int
    unit_code: str
    unit_name: str
    light: str
    sponsors: list[str]
    tasks: list[TaskOut]
    kpis: list[KpiOut]


class ReasonOut(Schema):
    criterion: str
    name: str
    points: float
    max_points: float
    value: str


class ReadinessOut(Schema):
    rank: int
    unit_code: str
    unit_name: str
    points: float
    score: float
    strengths: list[ReasonOut]
    gaps: list[ReasonOut]


class CoverageRowOut(Schema):
    unit_code: str
    unit_name: str
    has_team: bool
    members: int
    villages: int
    villages_covered: int
    activity: dict[str, int]


class CoverageOut(Schema):
    province: str
    communes: int
    communes_with_team: int
    villages: int
    villages_covered: int
    rows: list[CoverageRowOut]


class TaskProgressIn(Schema):
    status: str
    progress: int
    note: str = ""
    version: int


class MeasurementIn(Schema):
    value: float
    measured_on: dt.date
    source: str
    evidence_url: str = ""


class ActivityIn(Schema):
    kind: str
    count: int
    happened_on: dt.date
    attendees: int | None = None
    note: str = ""


class ActivityOut(Schema):
    id: int
    kind: str
    count: int
    happened_on: dt.date


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read: bool


def _kpi(k: queries.KpiProgress) -> KpiOut:
    s, item = k.status, k.kpi
    return KpiOut(
        id=item.pk,
        name=item.name,
        measure_unit=item.measure_unit,
        direction=item.direction,
        baseline=item.baseline,
        baseline_on=item.baseline_on,
        target=item.target,
        target_on=item.target_on,
        actual=s.actual,
        measured_on=s.measured_on,
        progress_percent=None if s.percent is None else round(s.percent, 2),
        state=s.state.value,
        state_label=s.label,
        framework=item.framework_code,
        criterion=item.criterion_code,
    )


def _task(r: queries.TaskRow) -> TaskOut:
    t = r.task
    return TaskOut(
        id=t.pk,
        title=t.title,
        owner_kind=t.owner_kind,
        owner_organisation=t.owner_organisation.name if t.owner_organisation else None,
        starts_on=t.starts_on,
        due_on=t.due_on,
        status=t.status,
        progress=t.progress,
        state=r.state.value,
        budget_planned=r.planned,
        budget_spent=r.spent,
        version=t.version,
    )


def _programme(p: object, communes: int) -> dict[str, object]:
    from xaso.programs.models import Programme

    assert isinstance(p, Programme)
    return {
        "id": p.pk,
        "name": p.name,
        "province": p.province.name,
        "plan_number": p.plan_number,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "status": p.status,
        "communes": communes,
        "is_demo": p.is_demo,
    }


@router.get("", response=list[ProgrammeOut], summary="Các chương trình thí điểm được xem")
def list_programmes(request: HttpRequest) -> list[ProgrammeOut]:
    return [
        ProgrammeOut(**_programme(p, getattr(p, "n_communes", 0)))
        for p in queries.programmes_for(_user(request))
    ]


@router.get(
    "/{int:pk}", response=ProgrammeDetailOut, summary="Chương trình: các xã và đèn tín hiệu"
)
def programme_detail(request: HttpRequest, pk: int) -> ProgrammeDetailOut:
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)
    rows = queries.programme_overview(user, programme)
    communes = [
        CommuneOut(
            participant_id=r.participant.pk,
            unit_code=r.participant.unit.code,
            unit_name=r.participant.unit.name,
            former_name=r.participant.legacy_unit.name if r.participant.legacy_unit else None,
            latitude=r.participant.unit.latitude,
            longitude=r.participant.unit.longitude,
            light=r.light,
            tasks_total=r.tasks_total,
            tasks_done=r.tasks_done,
            overdue=r.overdue,
            kpis=[_kpi(k) for k in r.kpis],
            sponsors=r.sponsors,
        )
        for r in rows
    ]
    return ProgrammeDetailOut(**_programme(programme, len(rows)), communes_detail=communes)


@router.get("/communes/{int:pid}/plan", response=PlanOut, summary="Kế hoạch của một xã")
def commune_plan(request: HttpRequest, pid: int) -> PlanOut:
    participant = queries.access_participant_or_404(_user(request), pid)
    plan = queries.commune_plan(participant)
    return PlanOut(
        participant_id=participant.pk,
        unit_code=participant.unit.code,
        unit_name=participant.unit.name,
        light=plan.light,
        sponsors=[str(s.organisation) for s in plan.sponsors],
        tasks=[_task(r) for r in plan.tasks],
        kpis=[_kpi(k) for k in plan.kpis],
    )


@router.post("/tasks/{int:task_id}/progress", response=TaskOut, summary="Cập nhật tiến độ nhiệm vụ")
def update_task(request: HttpRequest, task_id: int, payload: TaskProgressIn) -> TaskOut:
    user = _user(request)
    task = queries.access_task_or_404(user, task_id)
    try:
        actions.do_update_task(
            task,
            status=payload.status,
            progress=payload.progress,
            note=payload.note,
            expected_version=payload.version,
            actor=user,
        )
    except (ValidationError, PermissionDenied) as exc:
        raise _fail(exc) from None
    task = queries.access_task_or_404(user, task_id)
    return _task(queries.task_rows([task], queries.today())[0])


@router.post("/kpis/{int:kpi_id}/measurements", response=KpiOut, summary="Ghi số đo chỉ tiêu")
def record_measurement(request: HttpRequest, kpi_id: int, payload: MeasurementIn) -> KpiOut:
    user = _user(request)
    kpi = queries.access_kpi_or_404(user, kpi_id)
    try:
        actions.do_record_measurement(
            kpi,
            value=payload.value,
            measured_on=payload.measured_on,
            source=payload.source,
            evidence_url=payload.evidence_url,
            actor=user,
        )
    except (ValidationError, PermissionDenied) as exc:
        raise _fail(exc) from None
    return _kpi(queries.kpi_progress_of(kpi))


@router.get("/{int:pk}/readiness", response=list[ReadinessOut], summary="Danh sách nhân rộng")
def readiness(request: HttpRequest, pk: int) -> list[ReadinessOut]:
    user = _user(request)
    programme = queries.access_programme_or_404(user, pk)

    def reasons(items: list[queries.Reason]) -> list[ReasonOut]:
        return [
            ReasonOut(
                criterion=r.code,
                name=r.name,
                points=r.points,
                max_points=r.max_points,
                value=r.value,
            )
            for r in items
        ]

    return [
        ReadinessOut(
            rank=r.rank,
            unit_code=r.unit.code,
            unit_name=r.unit.name,
            points=r.points,
            score=r.score,
            strengths=reasons(r.strengths),
            gaps=reasons(r.gaps),
        )
        for r in queries.readiness_ranking(user, programme)
    ]


@router.get("/teams/coverage", response=CoverageOut, summary="Độ phủ Tổ công nghệ số cộng đồng")
def team_coverage(request: HttpRequest, province: str) -> CoverageOut:
    user = _user(request)
    unit = Unit.objects.filter(
        generation=Generation.CURRENT, level=Level.PROVINCE, code=province
    ).first()
    if unit is None:
        raise HttpError(404, f"Không có tỉnh mã {province}.")
    cov = queries.province_team_coverage(user, unit)
    return CoverageOut(
        province=unit.name,
        communes=cov.communes,
        communes_with_team=cov.communes_with_team,
        villages=cov.villages,
        villages_covered=cov.villages_covered,
        rows=[
            CoverageRowOut(
                unit_code=r.unit.code,
                unit_name=r.unit.name,
                has_team=r.has_team,
                members=r.members,
                villages=r.villages,
                villages_covered=r.villages_covered,
                activity=r.activity,
            )
            for r in cov.rows
        ],
    )


@router.post(
    "/teams/{int:team_id}/activities",
    response=ActivityOut,
    summary="Ghi nhận hoạt động của Tổ công nghệ số cộng đồng",
)
def log_activity(request: HttpRequest, team_id: int, payload: ActivityIn) -> ActivityOut:
    user = _user(request)
    mine = {t.pk: t for t in queries.my_teams(user)}
    team = mine.get(team_id) or queries.access_team_or_404(user, team_id)
    try:
        activity = actions.do_log_activity(
            team,
            kind=payload.kind,
            count=payload.count,
            happened_on=payload.happened_on,
            attendees=payload.attendees,
            note=payload.note,
            actor=user,
        )
    except (ValidationError, PermissionDenied) as exc:
        raise _fail(exc) from None
    return ActivityOut(
        id=activity.pk, kind=activity.kind, count=activity.count, happened_on=activity.happened_on
    )


@router.get("/notifications", response=list[NotificationOut], summary="Thông báo của tôi")
def notifications(request: HttpRequest) -> list[NotificationOut]:
    return [
        NotificationOut(
            id=n.pk,
            title=n.title,
            body=n.body,
            link=n.link,
            created_at=n.created_at,
            read=n.read_at is not None,
        )
        for n in queries.notifications_for(_user(request))[:100]
    ]
