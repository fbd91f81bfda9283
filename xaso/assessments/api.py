"""The assessments API: periods, a unit's submission (read; values saved through the
same action as the form, with the same optimistic lock) and published versions.
Signed-in sessions; privileged people must have passed the second factor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from xaso.accounts.models import User
from xaso.accounts.security import OfficialSession
from xaso.assessments import actions, queries
from xaso.assessments.cells import Cell, display

router = Router(tags=["assessments"], auth=OfficialSession())


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PeriodOut(Schema):
    id: int
    name: str
    year: int
    province: str
    framework: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    is_open: bool
    published_versions: list[int]
    is_demo: bool


class CriterionOut(Schema):
    code: str
    name: str
    kind: str
    value: Cell | None
    shown: str
    revision: int
    comment: str
    verified: Cell | None
    final: Cell | None


class SubmissionOut(Schema):
    id: int
    period: int
    unit_code: str
    unit_name: str
    status: str
    version: int
    self_points: float | None
    criteria: list[CriterionOut]


class ValueIn(Schema):
    value: Any = None
    denominator: Any = None
    revision: int | None = None
    comment: str | None = None


class ValuesIn(Schema):
    values: dict[str, ValueIn]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, str] = {}


class ConflictOut(Schema):
    detail: str
    conflicts: list[dict[str, str]]


class SnapshotUnitOut(Schema):
    code: str
    name: str
    score: float | None
    points: float | None
    rank: int | None
    self_score: float | None
    verified_score: float | None
    submitted: bool


class SnapshotOut(Schema):
    period: int
    version: int
    framework: str
    inputs_sha256: str
    published_at: str
    published_by: str
    changelog: list[dict[str, Any]]
    units: list[SnapshotUnitOut]


def _period_out(period: Any) -> PeriodOut:
    return PeriodOut(
        id=period.pk, name=period.name, year=period.year, province=period.province.name,
        framework=f"{period.framework.code} {period.framework.version}",
        opens_at=period.opens_at, closes_at=period.closes_at, is_open=period.is_open(),
        published_versions=list(queries.snapshots_of(period).values_list("version", flat=True)),
        is_demo=period.is_demo,
    )  # fmt: skip


@router.get("/periods", response=list[PeriodOut], summary="Các kỳ đánh giá của tôi")
def list_periods(request: HttpRequest) -> list[PeriodOut]:
    return [_period_out(p) for p in queries.periods_for(_user(request))]


@router.get("/periods/{period_id}", response=PeriodOut, summary="Một kỳ đánh giá")
def get_period(request: HttpRequest, period_id: int) -> PeriodOut:
    return _period_out(queries.period_or_404(_user(request), period_id))


@router.get(
    "/periods/{period_id}/snapshots/{version}",
    response=SnapshotOut,
    summary="Một phiên bản kết quả đã công bố",
)
def get_snapshot(request: HttpRequest, period_id: int, version: int) -> SnapshotOut:
    period = queries.period_or_404(_user(request), period_id)
    snapshot = queries.published_snapshot(period, version)
    if snapshot is None:
        raise HttpError(404, "Không tìm thấy.")
    return SnapshotOut(**queries.snapshot_payload(snapshot))


def _submission_out(sub: Any) -> SubmissionOut:
    framework = queries.framework_of(sub.period)
    verified = queries.effective_cells(sub, "verified")
    check = queries.check_submission(sub, peers=False)
    return SubmissionOut(
        id=sub.pk, period=sub.period_id, unit_code=sub.unit.code, unit_name=sub.unit.name,
        status=sub.status, version=sub.version, self_points=check.total,
        criteria=[
            CriterionOut(
                code=leaf.code, name=leaf.name_vi,
                kind=leaf.input.kind.value if leaf.input else "number",
                value=sub.self_values.get(leaf.code),
                shown=display(leaf, sub.self_values.get(leaf.code)),
                revision=int(sub.revisions.get(leaf.code, 0)),
                comment=sub.comments.get(leaf.code, ""),
                verified=verified.get(leaf.code), final=sub.final_values.get(leaf.code),
            )
            for leaf in framework.leaves
        ],
    )  # fmt: skip


@router.get("/submissions/{submission_id}", response=SubmissionOut, summary="Hồ sơ của đơn vị")
def get_submission(request: HttpRequest, submission_id: int) -> SubmissionOut:
    return _submission_out(queries.submission_or_404(_user(request), submission_id))


@router.post(
    "/submissions/{submission_id}/values",
    response={200: SubmissionOut, 403: ErrorOut, 409: ConflictOut, 422: ErrorOut},
    summary="Lưu giá trị (như trên biểu mẫu; gửi revision để tránh ghi đè)",
)
def save_values(request: HttpRequest, submission_id: int, payload: ValuesIn) -> Status:
    """`value` is the number, option code or có/không (a ratio's numerator);
    `denominator` a ratio's denominator. With `revision`, a criterion someone else saved
    since is refused with 409 and both values."""
    user = _user(request)
    sub = queries.submission_or_404(user, submission_id, action="edit")
    try:
        saved = actions.do_save_values(
            submission=sub,
            values={code: (v.value, v.denominator) for code, v in payload.values.items()},
            revisions={c: v.revision for c, v in payload.values.items() if v.revision is not None},
            comments={c: v.comment for c, v in payload.values.items() if v.comment is not None},
            actor=user,
        )
    except actions.Conflict as exc:
        return Status(
            409,
            ConflictOut(
                detail=exc.message,
                conflicts=[
                    {"code": i.code, "theirs": i.theirs, "yours": i.yours, "by": i.by}
                    for i in exc.items
                ],
            ),
        )
    except actions.AssessmentError as exc:
        return Status(422, ErrorOut(detail=exc.message, errors=exc.errors))
    except PermissionDenied as exc:
        return Status(403, ErrorOut(detail=str(exc)))
    return Status(200, _submission_out(saved.submission))
