"""Every read of the programs app. Reads that take a person go through the one scoping
helper (``xaso.accounts.queries.scope``); reads by unit without a person (the readiness
engine, measured KPI sources, reminders, the results app) are marked *system reads*.

Public for higher layers (results, connectors):

    kpi_progress(kpis, on) -> list[KpiProgress]
    criterion_kpi_progress(unit_ids, framework_code, on) -> dict[(unit_id, criterion), list]
    team_coverage(unit, period=None) -> TeamCoverage
    team_activity_totals(unit_ids, period=None) -> dict[unit_id, dict[kind, int]]
    province_team_coverage(viewer, province, period=None) -> ProvinceCoverage
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xaso.accounts.models import Role, RoleAssignment, User
from xaso.accounts.queries import (
    Viewer,
    access_or_404,
    active_user,
    may_in_unit,
    scope,
    visible_unit_ids,
)
from xaso.core.personal import mask_phone
from xaso.index import Data as IndexData
from xaso.index import DataError, Results, explain, score
from xaso.programs import kpi as kpimath
from xaso.programs.frameworks import READINESS_FRAMEWORK, criterion_name, framework
from xaso.programs.models import (
    PILOT_FAMILY,
    PROGRAMME_FAMILY,
    TEAM_FAMILY,
    ActivityKind,
    BudgetLine,
    CommunityTeam,
    FundingSource,
    Kpi,
    Measurement,
    Milestone,
    Notification,
    OwnerKind,
    Participant,
    Programme,
    ReadinessDeclaration,
    SponsorAssignment,
    StatusReport,
    Task,
    TaskStatus,
    TaskUpdate,
    TeamActivity,
    TeamMember,
    Village,
)
from xaso.units.models import Generation, Level, Unit

Period = tuple[dt.date, dt.date]


def today() -> dt.date:
    return timezone.localdate()


# --- scoped access -----------------------------------------------------------------------


def programmes_for(viewer: Viewer) -> QuerySet[Programme]:
    """Programmes this person may see: their province's (department, leaders) or those
    with a commune they serve (communes, sponsors)."""
    own = scope(Programme.objects.all(), viewer, action="view").values("pk")
    via = scope(Participant.objects.all(), viewer, action="view").values("programme_id")
    return (
        Programme.objects.filter(Q(pk__in=own) | Q(pk__in=via))
        .select_related("province")
        .annotate(n_communes=Count("participants", distinct=True))
        .order_by("-starts_on", "name")
    )


def access_programme_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Programme:
    """A programme by id: to view it, any role that reaches it; to change it, the
    department (the programme family's edit right). 404 for missing and forbidden alike."""
    if action == "view":
        # programmes_for is already scoped (through participations too): scoping it again
        # by the programme family would hide the programme from its communes and sponsors.
        try:
            return programmes_for(viewer).get(pk=cast(Any, pk))
        except (Programme.DoesNotExist, ValueError, TypeError):
            raise Http404("Không tìm thấy.") from None
    return access_or_404(viewer, Programme.objects.select_related("province"), pk, action=action)


def may_manage_programme(viewer: Viewer, programme: Programme) -> bool:
    return may_in_unit(viewer, "edit", programme.province_id, family=PROGRAMME_FAMILY)


def participants_for(
    viewer: Viewer, programme: Programme | None = None, *, action: str = "view"
) -> QuerySet[Participant]:
    qs = Participant.objects.select_related("unit", "unit__parent", "legacy_unit", "programme")
    if programme is not None:
        qs = qs.filter(programme=programme)
    return scope(qs, viewer, action=action).order_by("unit__name")


def access_participant_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Participant:
    qs = Participant.objects.select_related("unit", "legacy_unit", "programme", "province")
    return access_or_404(viewer, qs, pk, action=action)


def access_task_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Task:
    qs = Task.objects.select_related("participant__programme", "unit", "owner_organisation")
    return access_or_404(viewer, qs, pk, action=action)


def access_kpi_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Kpi:
    qs = Kpi.objects.select_related("participant__programme", "unit")
    return access_or_404(viewer, qs, pk, action=action)


def sponsored_participants(viewer: Viewer) -> QuerySet[Participant]:
    """Đơn vị phụ trách's view: the communes this person's organisations are assigned to,
    within what the scoping helper lets them see."""
    user = active_user(viewer)
    if user is None:
        return Participant.objects.none()
    qs = (
        participants_for(viewer).filter(sponsor_assignments__organisation__accounts=user).distinct()
    )
    return qs.select_related("programme", "programme__province")


def may_plan(viewer: Viewer, unit_id: int) -> bool:
    """Whether this person may change a commune's plan (tasks, KPIs, measurements)."""
    return may_in_unit(viewer, "edit", unit_id, family=PILOT_FAMILY)


def may_update_task(viewer: Viewer, task: Task) -> bool:
    """The commune and the department update any task of the plan; a sponsor only the
    tasks its organisation leads (the pilot family grants sponsors reading, this adds
    the tasks they own)."""
    if may_plan(viewer, task.unit_id):
        return True
    user = active_user(viewer)
    if user is None or task.owner_kind != OwnerKind.SPONSOR or task.owner_organisation_id is None:
        return False
    if not may_in_unit(viewer, "view", task.unit_id, family=PILOT_FAMILY):
        return False
    return task.owner_organisation is not None and (
        task.owner_organisation.accounts.filter(pk=user.pk).exists()
    )


def milestones_of(programme: Programme) -> QuerySet[Milestone]:
    """A programme's milestones; callers have already reached the programme."""
    return programme.milestones.all()


def reports_for(viewer: Viewer, programme: Programme) -> QuerySet[StatusReport]:
    return scope(programme.reports.all(), viewer, action="view")


def access_report_or_404(viewer: Viewer, pk: object, *, action: str = "download") -> StatusReport:
    qs = StatusReport.objects.select_related("programme", "programme__province")
    return access_or_404(viewer, qs, pk, action=action)


def notifications_for(viewer: Viewer, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = scope(Notification.objects.all(), viewer, action="list")
    user = active_user(viewer)
    # Superusers may read everyone's, but their own list is their own.
    qs = qs.filter(recipient=user) if user is not None else qs.none()
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def access_notification_or_404(viewer: Viewer, pk: object) -> Notification:
    return access_or_404(viewer, notifications_for(viewer), pk, action="edit")


# --- KPI progress ------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiProgress:
    """One KPI on a day: baseline → latest actual → target, with its state."""

    kpi: Kpi
    status: kpimath.KpiStatus
    series: tuple[tuple[dt.date, float], ...]  # baseline first, then every measurement

    @property
    def unit_id(self) -> int:
        return self.kpi.unit_id

    @property
    def criterion(self) -> str:
        return self.kpi.criterion_code

    @property
    def criterion_name(self) -> str:
        return criterion_name(self.kpi.framework_code, self.kpi.criterion_code)


def with_measurements(kpis: QuerySet[Kpi]) -> QuerySet[Kpi]:
    return kpis.prefetch_related(
        Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on", "pk"))
    )


def kpi_progress(kpis: Iterable[Kpi], on: dt.date | None = None) -> list[KpiProgress]:
    """Progress of each KPI on day ``on`` (today by default). Pass KPIs with their
    measurements prefetched (``with_measurements``) to read them in one query."""
    day = on or today()
    out = []
    for k in kpis:
        taken = [(m.measured_on, m.value) for m in k.measurements.all()]
        status = kpimath.assess(
            baseline=k.baseline,
            target=k.target,
            baseline_on=k.baseline_on,
            target_on=k.target_on,
            measurements=taken,
            on=day,
        )
        series = ((k.baseline_on, k.baseline), *[(d, v) for d, v in taken if d <= day])
        out.append(KpiProgress(k, status, tuple(series)))
    return out


def kpi_progress_of(kpi: Kpi, on: dt.date | None = None) -> KpiProgress:
    """One KPI's progress (the caller has already reached it)."""
    return kpi_progress(with_measurements(Kpi.objects.filter(pk=kpi.pk)), on)[0]


def kpi_progress_for(
    viewer: Viewer,
    *,
    programme: Programme | None = None,
    unit_id: int | None = None,
    on: dt.date | None = None,
) -> list[KpiProgress]:
    """KPI progress this person may see, optionally for one programme or commune."""
    qs = scope(Kpi.objects.select_related("unit", "participant"), viewer, action="view")
    if programme is not None:
        qs = qs.filter(participant__programme=programme)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return kpi_progress(with_measurements(qs.order_by("unit__name", "criterion_code", "pk")), on)


def criterion_kpi_progress(
    unit_ids: Iterable[int], framework_code: str, on: dt.date | None = None
) -> dict[tuple[int, str], list[KpiProgress]]:
    """System read for the scorecard: pilot KPIs of these units tagged with a criterion
    of ``framework_code``, keyed by (unit id, criterion code)."""
    qs = Kpi.objects.filter(unit_id__in=list(unit_ids), framework_code=framework_code).exclude(
        criterion_code=""
    )
    out: dict[tuple[int, str], list[KpiProgress]] = defaultdict(list)
    for item in kpi_progress(with_measurements(qs.select_related("unit")), on):
        out[(item.unit_id, item.criterion)].append(item)
    return dict(out)


# --- tasks and plans ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    task: Task
    state: kpimath.TaskState
    planned: int
    spent: int

    @property
    def label(self) -> str:
        return kpimath.TASK_STATE_LABELS[self.state]

    @property
    def light(self) -> str:
        return kpimath.TASK_STATE_LIGHTS[self.state]


def task_rows(tasks: Iterable[Task], on: dt.date) -> list[TaskRow]:
    rows = []
    for t in tasks:
        state = kpimath.task_state(
            starts_on=t.starts_on,
            due_on=t.due_on,
            done=t.status == TaskStatus.DONE,
            closed=t.status in (TaskStatus.SUSPENDED, TaskStatus.CANCELLED),
            percent=t.progress,
            on=on,
        )
        lines = list(t.budget_lines.all())
        rows.append(TaskRow(t, state, sum(b.planned for b in lines), sum(b.spent for b in lines)))
    return rows


def _tasks(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.select_related("owner_organisation", "owner_user", "unit").prefetch_related(
        "budget_lines"
    )


@dataclass(frozen=True)
class CommunePlan:
    participant: Participant
    tasks: list[TaskRow]
    kpis: list[KpiProgress]
    sponsors: list[SponsorAssignment]
    on: dt.date
    light: str
    budget: dict[str, tuple[int, int]]  # source → (planned, spent)
    updates: list[TaskUpdate] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for r in self.tasks if r.state == kpimath.TaskState.DONE)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.tasks if r.state == kpimath.TaskState.OVERDUE)


def _budget(lines: Iterable[BudgetLine]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for b in lines:
        planned, spent = out.get(b.source, (0, 0))
        out[b.source] = (planned + b.planned, spent + b.spent)
    return out


def commune_light(tasks: Sequence[TaskRow], kpis: Sequence[KpiProgress]) -> str:
    return kpimath.worst_light(
        [r.light for r in tasks if r.light != "grey"] + [k.status.light for k in kpis]
    )


def commune_plan(participant: Participant, on: dt.date | None = None) -> CommunePlan:
    """One commune's plan on a day (the caller has already checked access)."""
    day = on or today()
    tasks = task_rows(_tasks(participant.tasks.all()), day)
    kpis = kpi_progress(with_measurements(participant.kpis.all()), day)
    sponsors = list(participant.sponsor_assignments.select_related("organisation"))
    budget = _budget(BudgetLine.objects.filter(task__participant=participant))
    updates = list(
        TaskUpdate.objects.filter(task__participant=participant)
        .select_related("task", "author")
        .order_by("-at", "-pk")[:10]
    )
    return CommunePlan(
        participant, tasks, kpis, sponsors, day, commune_light(tasks, kpis), budget, updates
    )


# --- programme overview ------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    """One commune of a programme on the overview: its light and the counts behind it."""

    participant: Participant
    light: str
    tasks_total: int
    tasks_done: int
    overdue: int
    kpis: list[KpiProgress]
    sponsors: list[str]
    planned: int
    spent: int

    @property
    def kpis_achieved(self) -> int:
        return sum(1 for k in self.kpis if k.status.state == kpimath.KpiState.ACHIEVED)

    @property
    def kpis_late(self) -> int:
        return sum(1 for k in self.kpis if k.status.state == kpimath.KpiState.LATE)


def _with_plan(qs: QuerySet[Participant]) -> QuerySet[Participant]:
    return qs.prefetch_related(
        Prefetch("tasks", queryset=_tasks(Task.objects.all())),
        Prefetch(
            "kpis",
            queryset=with_measurements(Kpi.objects.order_by("criterion_code", "name", "pk")),
        ),
        Prefetch(
            "sponsor_assignments",
            queryset=SponsorAssignment.objects.select_related("organisation"),
        ),
    )


def programme_overview(
    viewer: Viewer, programme: Programme, on: dt.date | None = None
) -> list[OverviewRow]:
    """The communes of a programme this person may see, each with its traffic light."""
    day = on or today()
    rows = []
    for p in _with_plan(participants_for(viewer, programme)):
        tasks = task_rows(p.tasks.all(), day)
        kpis = kpi_progress(p.kpis.all(), day)
        rows.append(
            OverviewRow(
                participant=p,
                light=commune_light(tasks, kpis),
                tasks_total=len(tasks),
                tasks_done=sum(1 for r in tasks if r.state == kpimath.TaskState.DONE),
                overdue=sum(1 for r in tasks if r.state == kpimath.TaskState.OVERDUE),
                kpis=kpis,
                sponsors=[str(a.organisation) for a in p.sponsor_assignments.all()],
                planned=sum(r.planned for r in tasks),
                spent=sum(r.spent for r in tasks),
            )
        )
    return rows


# --- evaluation and progress reports -----------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """What an evaluation or progress report says, drawn from the data on ``on``."""

    programme: Programme
    on: dt.date
    communes: list[CommunePlan]
    milestones: list[Milestone]
    readiness: list[ReadinessRow]
    report: StatusReport | None = None

    @property
    def kpis(self) -> list[KpiProgress]:
        return [k for c in self.communes for k in c.kpis]

    @property
    def tasks_total(self) -> int:
        return sum(len(c.tasks) for c in self.communes)

    @property
    def tasks_done(self) -> int:
        return sum(c.done for c in self.communes)

    @property
    def budget(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for c in self.communes:
            for source, (planned, spent) in c.budget.items():
                p0, s0 = out.get(source, (0, 0))
                out[source] = (p0 + planned, s0 + spent)
        return {s: out[s] for s in FundingSource.values if s in out}

    @property
    def budget_total(self) -> tuple[int, int]:
        return (sum(p for p, _ in self.budget.values()), sum(s for _, s in self.budget.values()))

    @property
    def kpis_achieved(self) -> int:
        return sum(1 for k in self.kpis if k.status.state == kpimath.KpiState.ACHIEVED)


def evaluation(
    viewer: Viewer,
    programme: Programme,
    on: dt.date | None = None,
    *,
    report: StatusReport | None = None,
) -> Evaluation:
    """The evaluation of a programme as this person may see it, on day ``on`` (the
    report's "as of" date when a report is given)."""
    day = on or (report.as_of if report is not None else today())
    communes = []
    for p in _with_plan(participants_for(viewer, programme)):
        tasks = task_rows(p.tasks.all(), day)
        kpis = kpi_progress(p.kpis.all(), day)
        lines = [b for r in tasks for b in r.task.budget_lines.all()]
        communes.append(
            CommunePlan(
                p,
                tasks,
                kpis,
                list(p.sponsor_assignments.all()),
                day,
                commune_light(tasks, kpis),
                _budget(lines),
            )
        )
    return Evaluation(
        programme=programme,
        on=day,
        communes=communes,
        milestones=list(milestones_of(programme)),
        readiness=readiness_ranking(viewer, programme),
        report=report,
    )


# --- scale-out readiness -----------------------------------------------------------------

OPTION_LABELS = {
    "chu_tich": "Chủ tịch UBND xã",
    "pho_chu_tich": "Phó Chủ tịch UBND xã",
    "chua_phan_cong": "chưa phân công",
    "dat_chuan": "đạt chuẩn",
    "mot_phan": "đạt một phần",
    "chua_dat": "chưa đạt",
}


@dataclass(frozen=True)
class Reason:
    """One criterion's part in a commune's readiness score."""

    code: str
    name: str
    points: float
    max_points: float
    value: str

    @property
    def lost(self) -> float:
        return self.max_points - self.points


@dataclass(frozen=True)
class ReadinessRow:
    unit: Unit
    rank: int
    score: float  # 0–1, published (rounded)
    points: float
    strengths: list[Reason]
    gaps: list[Reason]
    declaration: ReadinessDeclaration


def _cell_text(leaf_code: str, values: dict[str, Any]) -> str:
    if f"{leaf_code}.num" in values:
        return f"{values[f'{leaf_code}.num']}/{values.get(f'{leaf_code}.den', '?')}"
    raw = values.get(leaf_code)
    if raw is None or raw == "":
        return "chưa khai báo"
    if isinstance(raw, bool):
        return "có" if raw else "không"
    return OPTION_LABELS.get(str(raw), str(raw))


def readiness_cells(declaration: ReadinessDeclaration) -> dict[str, Any]:
    """The declared values, with the team-coverage criterion measured from the team
    registry when the commune did not declare it and has listed its villages."""
    cells = dict(declaration.values)
    if not any(k.startswith("CN.03") for k in cells):
        coverage = team_coverage(declaration.unit)
        if coverage.villages:
            cells["CN.03.num"] = coverage.villages_covered
            cells["CN.03.den"] = coverage.villages
    return cells


def score_readiness(
    declarations: Sequence[ReadinessDeclaration],
) -> tuple[Results | None, dict[str, dict[str, Any]]]:
    """System read: the readiness framework scored over these declarations by the index
    engine; also the cells each unit was scored on."""
    fw = framework(READINESS_FRAMEWORK)
    cells = {d.unit.code: readiness_cells(d) for d in declarations}
    if not cells:
        return None, cells
    data = IndexData.from_mapping(
        fw, cells, names={d.unit.code: d.unit.name for d in declarations}, origin="khai báo"
    )
    return score(fw, data), cells


def readiness_ranking(viewer: Viewer, programme: Programme) -> list[ReadinessRow]:
    """Danh sách nhân rộng — the communes that declared their readiness for this
    programme, best prepared first, each with the criteria that earned and lost points."""
    declarations = list(
        scope(programme.readiness_declarations.select_related("unit"), viewer, action="view")
    )
    try:
        results, cells = score_readiness(declarations)
    except DataError:
        # Declarations are checked by the engine when saved; a framework edited since
        # then may reject old values: rank nobody rather than rank on half the data.
        return []
    if results is None:
        return []
    fw = results.framework
    rows = []
    for d in declarations:
        i = results.row(d.unit.code)
        reasons = [
            Reason(
                code,
                fw.node(code).name_vi,
                round(points, 2),
                max_points,
                _cell_text(code, cells[d.unit.code]),
            )
            for code, points, max_points in explain(results, d.unit.code).items
        ]
        rows.append(
            ReadinessRow(
                unit=d.unit,
                rank=int(results.rank[i]),
                score=float(results.score[i]),
                points=float(results.total_points[i]),
                strengths=[r for r in reasons if r.points > 0],
                gaps=sorted((r for r in reasons if r.lost > 0), key=lambda r: -r.lost),
                declaration=d,
            )
        )
    return sorted(rows, key=lambda r: (r.rank or 10**6, r.unit.name))


# --- community digital-technology teams --------------------------------------------------


@dataclass(frozen=True)
class TeamCoverage:
    """A commune's team: whether it exists, how many of its villages have a member,
    and what it did in the period."""

    unit: Unit
    team: CommunityTeam | None
    villages: int
    villages_covered: int
    members: int
    activity: dict[str, int]

    @property
    def has_team(self) -> bool:
        return self.team is not None and self.members > 0

    @property
    def village_share(self) -> float | None:
        return self.villages_covered / self.villages if self.villages else None


def _in_period(qs: QuerySet[TeamActivity], period: Period | None) -> QuerySet[TeamActivity]:
    if period is None:
        return qs
    start, end = period
    return qs.filter(happened_on__gte=start, happened_on__lte=end)


def team_activity_totals(
    unit_ids: Iterable[int], period: Period | None = None
) -> dict[int, dict[str, int]]:
    """System read: activity counts per commune and kind (residents helped to install
    VssID/VNeID, e-payment accounts opened, sessions held…) in the period."""
    qs = _in_period(TeamActivity.objects.filter(unit_id__in=list(unit_ids)), period)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for row in qs.values("unit_id", "kind").annotate(total=Sum("count")).order_by():
        out[row["unit_id"]][row["kind"]] = int(row["total"] or 0)
    return dict(out)


def _coverage_rows(units: Sequence[Unit], period: Period | None) -> list[TeamCoverage]:
    ids = [u.pk for u in units]
    teams = {t.unit_id: t for t in CommunityTeam.objects.filter(unit_id__in=ids)}
    villages = dict(
        Village.objects.filter(unit_id__in=ids)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("unit_id", "n")
    )
    covered = dict(
        Village.objects.filter(unit_id__in=ids, members__active=True)
        .values("unit_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("unit_id", "n")
    )
    members = dict(
        TeamMember.objects.filter(unit_id__in=ids, active=True)
        .values("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("unit_id", "n")
    )
    activity = team_activity_totals(ids, period)
    return [
        TeamCoverage(
            unit=u,
            team=teams.get(u.pk),
            villages=villages.get(u.pk, 0),
            villages_covered=covered.get(u.pk, 0),
            members=members.get(u.pk, 0),
            activity=activity.get(u.pk, {}),
        )
        for u in units
    ]


def team_coverage(unit: Unit, period: Period | None = None) -> TeamCoverage:
    """System read: one commune's team coverage and activity (for the index and the
    readiness score)."""
    return _coverage_rows([unit], period)[0]


@dataclass(frozen=True)
class ProvinceCoverage:
    province: Unit
    rows: list[TeamCoverage]

    @property
    def communes(self) -> int:
        return len(self.rows)

    @property
    def communes_with_team(self) -> int:
        return sum(1 for r in self.rows if r.has_team)

    @property
    def commune_share(self) -> float | None:
        return self.communes_with_team / self.communes if self.communes else None

    @property
    def villages(self) -> int:
        return sum(r.villages for r in self.rows)

    @property
    def villages_covered(self) -> int:
        return sum(r.villages_covered for r in self.rows)

    @property
    def village_share(self) -> float | None:
        return self.villages_covered / self.villages if self.villages else None

    @property
    def activity(self) -> dict[str, int]:
        out: dict[str, int] = {k: 0 for k in ActivityKind.values}
        for r in self.rows:
            for kind, n in r.activity.items():
                out[kind] = out.get(kind, 0) + n
        return out


def province_team_coverage(
    viewer: Viewer, province: Unit, period: Period | None = None
) -> ProvinceCoverage:
    """Coverage of the province's communes this person may see (goal: 100 % of communes
    and of villages)."""
    communes = Unit.objects.filter(
        generation=Generation.CURRENT, level=Level.COMMUNE, province=province
    )
    ids = visible_unit_ids(viewer, action="list", family=TEAM_FAMILY)
    if not isinstance(ids, set):
        units = list(communes.order_by("name"))
    else:
        units = list(communes.filter(pk__in=sorted(ids)).order_by("name"))
    return ProvinceCoverage(province, _coverage_rows(units, period))


def provinces_with_teams(viewer: Viewer) -> list[Unit]:
    """Current provinces where this person may list team records."""
    ids = visible_unit_ids(viewer, action="list", family=TEAM_FAMILY)
    qs = Unit.objects.filter(generation=Generation.CURRENT, level=Level.PROVINCE)
    if isinstance(ids, set):
        provinces = Unit.objects.filter(pk__in=sorted(ids)).values("province_id")
        qs = qs.filter(Q(pk__in=sorted(ids)) | Q(pk__in=provinces))
    return list(qs.order_by("name"))


def teams_for(viewer: Viewer) -> QuerySet[CommunityTeam]:
    return scope(CommunityTeam.objects.select_related("unit"), viewer, action="list").order_by(
        "unit__name"
    )


def access_team_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> CommunityTeam:
    return access_or_404(
        viewer, CommunityTeam.objects.select_related("unit", "province"), pk, action=action
    )


def team_of_member_user(viewer: Viewer, team: CommunityTeam) -> TeamMember | None:
    """The active membership of the signed-in person in this team, if any (team members
    log their own activities from the mobile form)."""
    user = active_user(viewer)
    if user is None:
        return None
    return team.members.filter(user=user, active=True).first()


def may_log_activity(viewer: Viewer, team: CommunityTeam) -> bool:
    return may_in_unit(viewer, "edit", team.unit_id, family=TEAM_FAMILY) or (
        team_of_member_user(viewer, team) is not None
    )


def my_teams(viewer: Viewer) -> list[CommunityTeam]:
    """Teams the person is an active member of (their quick form's choices)."""
    user = active_user(viewer)
    if user is None:
        return []
    return list(
        CommunityTeam.objects.filter(members__user=user, members__active=True)
        .select_related("unit")
        .distinct()
    )


@dataclass(frozen=True)
class MemberRow:
    member: TeamMember
    phone: str  # whole for those who manage the team, masked for everyone else


def members_for(viewer: Viewer, team: CommunityTeam) -> list[MemberRow]:
    manages = may_in_unit(viewer, "edit", team.unit_id, family=TEAM_FAMILY)
    qs = scope(team.members.select_related("village"), viewer, action="view")
    return [MemberRow(m, m.phone if manages else mask_phone(m.phone)) for m in qs]


def villages_of(unit: Unit) -> QuerySet[Village]:
    return Village.objects.filter(unit=unit).order_by("name")


def activities_for(viewer: Viewer, team: CommunityTeam, *, limit: int = 30) -> list[TeamActivity]:
    qs = scope(team.activities.select_related("village", "member"), viewer, action="list")
    return list(qs.order_by("-happened_on", "-pk")[:limit])


# --- reminders (system reads) ------------------------------------------------------------

ACTIVE_PROGRAMME = ("draft", "running", "evaluating")


def tasks_to_remind(on: dt.date, *, within_days: int) -> QuerySet[Task]:
    """Open tasks of live programmes due within ``within_days`` or already overdue."""
    return (
        Task.objects.filter(
            participant__programme__status__in=ACTIVE_PROGRAMME,
            status__in=(TaskStatus.PLANNED, TaskStatus.IN_PROGRESS),
            due_on__lte=on + dt.timedelta(days=within_days),
        )
        .select_related("unit", "participant__programme", "owner_organisation", "owner_user")
        .order_by("due_on", "pk")
    )


def kpis_due(on: dt.date) -> list[Kpi]:
    """Hand-entered KPIs of live programmes whose next measurement is due: the last one
    (or the baseline) is older than the KPI's measuring cycle, and the deadline has not
    long passed (a month's grace for the final figure)."""
    qs = with_measurements(
        Kpi.objects.filter(
            participant__programme__status__in=ACTIVE_PROGRAMME,
            source="manual",
            target_on__gte=on - dt.timedelta(days=30),
        ).select_related("unit", "participant__programme", "owner_user")
    )
    due = []
    for k in qs:
        dates = [m.measured_on for m in k.measurements.all()] or [k.baseline_on]
        if max(dates) + dt.timedelta(days=k.measure_every_days) <= on:
            due.append(k)
    return due


def _role_holders(role: str, unit_id: int) -> list[User]:
    ids = RoleAssignment.objects.filter(role=role, unit_id=unit_id).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def task_recipients(task: Task) -> list[User]:
    """Who is reminded of a task: its named person, else whoever leads it — the
    commune's officers, the sponsor's accounts, or the province's administrators."""
    if task.owner_user is not None and task.owner_user.is_active:
        return [task.owner_user]
    if task.owner_kind == OwnerKind.SPONSOR and task.owner_organisation is not None:
        return list(task.owner_organisation.accounts.filter(is_active=True).order_by("pk"))
    if task.owner_kind == OwnerKind.DEPARTMENT:
        return _role_holders(Role.PROVINCE_ADMIN, task.province_id)
    return _role_holders(Role.COMMUNE_OFFICER, task.unit_id)


def kpi_recipients(kpi: Kpi) -> list[User]:
    if kpi.owner_user is not None and kpi.owner_user.is_active:
        return [kpi.owner_user]
    return _role_holders(Role.COMMUNE_OFFICER, kpi.unit_id)
