"""Every read of assessments that takes a person goes through the one scoping helper;
the rest (peers, previous values, published results) are reads the actions and the
higher apps (results, connectors) build on.

For the apps above: ``published_snapshot(period)``, ``snapshots_of(period)``,
``snapshot_results(snapshot)``, ``snapshot_row(snapshot, unit)``, ``framework_of(period)``,
``effective_cells(submission, stage)`` and ``period_units(period)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xaso.accounts.queries import Viewer, access_or_404, may_in_unit, scope
from xaso.assessments import excel, policy
from xaso.assessments.cells import Cell, numeric
from xaso.assessments.engine import framework_from_text, score_one
from xaso.assessments.measured import Measured, measured_values
from xaso.assessments.models import (
    Appeal,
    AppealStatus,
    Evidence,
    FrameworkVersion,
    ImportJob,
    LockException,
    Period,
    Reminder,
    ScopeKind,
    Snapshot,
    SnapshotUnit,
    Status,
    Submission,
)
from xaso.assessments.validation import Finding, hard_findings, soft_findings
from xaso.index import Framework
from xaso.units.models import Generation, Level, Unit

# --- frameworks and periods ----------------------------------------------------------


def framework_of(period: Period) -> Framework:
    """The engine's framework for a period's version."""
    return version_framework(period.framework)


def version_framework(version: FrameworkVersion) -> Framework:
    return framework_from_text(version.source_text, version.sha256)


def frameworks() -> QuerySet[FrameworkVersion]:
    return FrameworkVersion.objects.order_by("code", "-imported_at")


def period_units(period: Period) -> QuerySet[Unit]:
    """Today's communes a period covers, by its scope."""
    base = Unit.objects.filter(generation=Generation.CURRENT, level=Level.COMMUNE)
    if period.scope_kind == ScopeKind.GROUP and period.scope_group_id is not None:
        return base.filter(unit_groups=period.scope_group_id)
    base = base.filter(province_id=period.province_id)
    if period.scope_kind == ScopeKind.UNIT_TYPE:
        return base.filter(unit_type=period.scope_unit_type)
    return base


def period_or_404(viewer: Viewer, pk: object) -> Period:
    qs = Period.objects.select_related("framework", "province", "scope_group")
    return access_or_404(viewer, qs, pk, action="view")


def periods_for(viewer: Viewer) -> QuerySet[Period]:
    """Periods the person works in: those with submissions they may see, and those of
    provinces they administer."""
    seen = scope(Submission.objects.all(), viewer, action="list").values("period_id")
    owned = scope(Period.objects.all(), viewer, action="edit").values("pk")
    return (
        Period.objects.filter(Q(pk__in=seen) | Q(pk__in=owned))
        .select_related("framework", "province")
        .order_by("-year", "name")
    )


def may_manage_period(viewer: Viewer, period: Period) -> bool:
    return may_in_unit(viewer, "edit", period.province_id, family=policy.PUBLISH)


def accepting_input(period: Period, unit_id: int, now: dt.datetime | None = None) -> bool:
    """Open for data entry: within the period's dates, or under a lock exception."""
    now = now or timezone.now()
    if period.is_open(now):
        return True
    return LockException.objects.filter(period=period, unit_id=unit_id, until__gt=now).exists()


def lock_exceptions(period: Period) -> QuerySet[LockException]:
    return period.lock_exceptions.select_related("unit", "granted_by")


# --- submissions ---------------------------------------------------------------------


def submission_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Submission:
    qs = Submission.objects.select_related("period__framework", "period__province", "unit")
    return access_or_404(viewer, qs, pk, action=action)


def submissions_of(viewer: Viewer, period: Period) -> QuerySet[Submission]:
    qs = period.submissions.select_related("unit", "submitted_by", "verified_by")
    return scope(qs, viewer, action="list").order_by("unit__name")


def my_submissions(viewer: Viewer) -> QuerySet[Submission]:
    qs = Submission.objects.select_related("period", "unit")
    fillable = scope(qs, viewer, action="edit", family=policy.FILL)
    return fillable.order_by("-period__year", "unit__name")


def status_counts(period: Period) -> dict[Status, int]:
    counts = {status: 0 for status in Status}
    for status in period.submissions.values_list("status", flat=True):
        counts[Status(status)] += 1
    return counts


def verifier_queue(viewer: Viewer, period: Period) -> QuerySet[Submission]:
    """Submissions waiting for this verifier, riskiest first."""
    qs = period.submissions.filter(status=Status.SUBMITTED).select_related("unit")
    return scope(qs, viewer, action="edit", family=policy.VERIFY).order_by(
        "-spot_check", "-risk_score", "submitted_at"
    )


def may_fill(viewer: Viewer, submission: Submission) -> bool:
    return may_in_unit(viewer, "edit", submission.unit_id, family=policy.FILL)


def may_verify(viewer: Viewer, submission: Submission) -> bool:
    return may_in_unit(viewer, "edit", submission.unit_id, family=policy.VERIFY)


def may_approve(viewer: Viewer, submission: Submission) -> bool:
    return may_in_unit(viewer, "edit", submission.unit_id, family=policy.PUBLISH)


def effective_cells(submission: Submission, stage: str = "final") -> dict[str, Cell]:
    """The values at a stage: ``self`` as entered, ``verified`` with the verifier's
    corrections, ``final`` as approved (falling back to verified before approval)."""
    cells: dict[str, Cell] = {k: v for k, v in submission.self_values.items() if v}
    if stage == "self":
        return cells
    for code, entry in submission.verified_values.items():
        cells[code] = entry["cell"]
    cells = {k: v for k, v in cells.items() if v}
    if stage == "verified" or not submission.final_values:
        return cells
    return {k: v for k, v in submission.final_values.items() if v}


def previous_submission(submission: Submission) -> Submission | None:
    previous_id = submission.period.previous_id
    if previous_id is None:
        return None
    return Submission.objects.filter(period_id=previous_id, unit_id=submission.unit_id).first()


def previous_cells(submission: Submission) -> dict[str, Cell]:
    before = previous_submission(submission)
    return effective_cells(before) if before is not None else {}


def peer_values(
    period: Period, framework: Framework, *, exclude_unit: int
) -> dict[str, list[float]]:
    """Comparable values of the other units in the period, per criterion."""
    leaves = framework.leaves
    out: dict[str, list[float]] = {leaf.code: [] for leaf in leaves}
    rows = period.submissions.exclude(unit_id=exclude_unit).values_list("self_values", flat=True)
    for cells in rows:
        for leaf in leaves:
            value = numeric(leaf, cells.get(leaf.code))
            if value is not None:
                out[leaf.code].append(value)
    return out


def evidence_of(submission: Submission) -> QuerySet[Evidence]:
    return submission.evidence.select_related("uploaded_by").order_by("criterion", "uploaded_at")


def evidence_or_404(viewer: Viewer, pk: object, *, action: str = "download") -> Evidence:
    qs = Evidence.objects.select_related("submission__period", "unit")
    return access_or_404(viewer, qs, pk, action=action)


@dataclass(frozen=True)
class Reuse:
    """Another unit used the same file or the same document number."""

    evidence_id: int
    other_unit: str
    other_period: str
    criterion: str
    same_file: bool
    same_number: bool


def evidence_reuse(evidence: Iterable[Evidence]) -> dict[int, list[Reuse]]:
    """For each evidence file, the other units' evidence with its hash or document number."""
    items = list(evidence)
    if not items:
        return {}
    hashes = {e.sha256 for e in items}
    numbers = {e.doc_number_key for e in items if e.doc_number_key}
    units = {e.unit_id for e in items}
    others = (
        Evidence.objects.filter(Q(sha256__in=hashes) | Q(doc_number_key__in=numbers))
        .exclude(unit_id__in=units)
        .select_related("unit", "submission__period")
    )
    # Indexed by hash and by number: one pass, not every file against every other one.
    by_key: dict[tuple[str, str], list[tuple[int, Evidence]]] = {}
    for index, other in enumerate(others):
        by_key.setdefault(("sha", other.sha256), []).append((index, other))
        if other.doc_number_key:
            by_key.setdefault(("no", other.doc_number_key), []).append((index, other))
    out: dict[int, list[Reuse]] = {}
    for mine in items:
        found = dict(by_key.get(("sha", mine.sha256), []))
        if mine.doc_number_key:
            found.update(by_key.get(("no", mine.doc_number_key), []))
        for _, other in sorted(found.items()):
            same_file = other.sha256 == mine.sha256
            same_number = bool(mine.doc_number_key) and other.doc_number_key == mine.doc_number_key
            if same_file or same_number:
                out.setdefault(mine.pk, []).append(
                    Reuse(
                        mine.pk,
                        other.unit.name,
                        other.submission.period.name,
                        other.criterion,
                        same_file,
                        same_number,
                    )
                )
    return out


@dataclass
class Check:
    """Everything the rules say about a submission's current values."""

    hard: list[Finding] = field(default_factory=list)
    soft: list[Finding] = field(default_factory=list)
    leaf_points: dict[str, float | None] = field(default_factory=dict)
    total: float | None = None
    index: float | None = None

    def hard_for(self, code: str) -> list[Finding]:
        return [f for f in self.hard if f.code == code]

    def soft_for(self, code: str) -> list[Finding]:
        return [f for f in self.soft if f.code == code]


def check_submission(
    submission: Submission, *, cells: Mapping[str, Cell] | None = None, peers: bool = True
) -> Check:
    """Hard and soft findings, and the points the values would earn (scored alone)."""
    framework = framework_of(submission.period)
    values = dict(cells if cells is not None else submission.self_values)
    scored = score_one(framework, values)
    with_evidence = set(submission.evidence.values_list("criterion", flat=True))
    others = (
        peer_values(submission.period, framework, exclude_unit=submission.unit_id) if peers else {}
    )
    return Check(
        hard=hard_findings(framework, values, with_evidence, scored.leaf_fraction),
        soft=soft_findings(
            framework,
            values,
            previous_cells(submission),
            others,
            with_evidence,
            scored.leaf_fraction,
        ),
        leaf_points=scored.leaf_points,
        total=scored.total,
        index=scored.index,
    )


def measured_for(submission: Submission) -> dict[str, Measured]:
    found = measured_values(framework_of(submission.period), submission.period, [submission.unit])
    return found.get(submission.unit.code, {})


# --- Excel ---------------------------------------------------------------------------


def expected_meta(period: Period, unit: Unit, kind: str) -> excel.Meta:
    """What the hidden sheet of a workbook for this period and unit must say."""
    fw = period.framework
    return excel.Meta(kind, period.pk, unit.code, f"{fw.code} {fw.version}")


def province_workbook_parts(period: Period) -> dict[str, Any]:
    """The arguments of ``excel.province_template`` for a period: its units, their
    current self values and last period's values."""
    subs = list(period.submissions.select_related("unit").order_by("unit__code"))
    previous: dict[str, dict[str, Cell]] = {}
    if period.previous_id is not None:
        for before in Submission.objects.filter(period_id=period.previous_id).select_related(
            "unit"
        ):
            previous[before.unit.code] = effective_cells(before)
    return {
        "meta": expected_meta(period, period.province, "province"),
        "framework": framework_of(period),
        "units": [(s.unit.code, s.unit.name) for s in subs],
        "current": {s.unit.code: s.self_values for s in subs},
        "previous": previous,
    }


# --- imports, reminders, appeals -----------------------------------------------------


def import_job_or_404(viewer: Viewer, pk: object) -> ImportJob:
    return access_or_404(viewer, ImportJob.objects.select_related("period", "unit"), pk)


def imports_of(viewer: Viewer, period: Period) -> QuerySet[ImportJob]:
    return scope(period.imports.select_related("unit", "created_by"), viewer, action="list")


def reminders_for(viewer: Viewer) -> QuerySet[Reminder]:
    qs = Reminder.objects.filter(period__closes_at__gt=timezone.now()).select_related(
        "period", "unit"
    )
    return scope(qs, viewer, action="list").order_by("-sent_at")


def appeals_of(viewer: Viewer, period: Period) -> QuerySet[Appeal]:
    qs = Appeal.objects.filter(snapshot__period=period).select_related(
        "unit", "snapshot", "filed_by", "decided_by"
    )
    return scope(qs, viewer, action="list").order_by("status", "-filed_at")


def appeal_or_404(viewer: Viewer, pk: object) -> Appeal:
    qs = Appeal.objects.select_related("snapshot__period", "submission", "unit")
    return access_or_404(viewer, qs, pk, action="view")


def pending_appeals(period: Period) -> QuerySet[Appeal]:
    return Appeal.objects.filter(snapshot__period=period, status=AppealStatus.PENDING)


# --- published results (public) ------------------------------------------------------


def snapshots_of(period: Period) -> QuerySet[Snapshot]:
    return period.snapshots.order_by("-version")


def published_snapshot(period: Period, version: int | None = None) -> Snapshot | None:
    """The latest published version of a period (or the one asked for); None if unpublished."""
    qs = period.snapshots.select_related("framework", "published_by")
    if version is not None:
        return qs.filter(version=version).first()
    return qs.order_by("-version").first()


def snapshot_results(snapshot: Snapshot) -> QuerySet[SnapshotUnit]:
    """Every unit's frozen results, best first (ranks, scores, nodes, explanation)."""
    return snapshot.rows.order_by("rank", "unit_name")


def snapshot_row(snapshot: Snapshot, unit: Unit) -> SnapshotUnit | None:
    return snapshot.rows.filter(unit=unit).first()


def latest_published_row(submission: Submission) -> tuple[Snapshot, SnapshotUnit] | None:
    snapshot = published_snapshot(submission.period)
    if snapshot is None:
        return None
    row = snapshot_row(snapshot, submission.unit)
    return (snapshot, row) if row is not None else None


def appeal_open(snapshot: Snapshot, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) < snapshot.appeal_until


def snapshot_payload(snapshot: Snapshot) -> dict[str, Any]:
    """A published version as plain data (the API's shape)."""
    return {
        "period": snapshot.period_id,
        "version": snapshot.version,
        "framework": f"{snapshot.framework.code} {snapshot.framework.version}",
        "inputs_sha256": snapshot.inputs_sha256,
        "published_at": snapshot.published_at.isoformat(),
        "published_by": snapshot.published_by_label,
        "changelog": snapshot.changelog,
        "units": [
            {
                "code": row.unit_code,
                "name": row.unit_name,
                "score": row.score,
                "points": row.points,
                "rank": row.rank,
                "self_score": row.self_score,
                "verified_score": row.verified_score,
                "submitted": row.submitted,
            }
            for row in snapshot_results(snapshot)
        ],
    }
