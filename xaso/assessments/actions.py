"""Every change to assessments: one ``do_*`` function each, one transaction, permission
checked through the scoping families of ``policy``, one audit row, side effects after
commit. Views, the API, commands, tasks, the demo loader and tests all call these.

``actor=None`` is the system itself (demo loader, management commands, tasks acting for
nobody in particular).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from xaso.accounts.models import Role, RoleAssignment, User
from xaso.accounts.queries import may_in_unit
from xaso.assessments import excel, policy, queries
from xaso.assessments.cells import Cell, CellError, display, parse, same
from xaso.assessments.engine import (
    framework_from_text,
    inputs_digest,
    results_rows,
    root_scores,
    score_rows,
)
from xaso.assessments.evidence import EvidenceRejected, inspect, normalise_doc_number
from xaso.assessments.evidence_hooks import evidence_added
from xaso.assessments.measured import Measured
from xaso.assessments.models import (
    EDITABLE,
    Appeal,
    AppealStatus,
    Evidence,
    FrameworkVersion,
    ImportJob,
    ImportKind,
    ImportState,
    LockException,
    Period,
    Reminder,
    ScopeKind,
    Snapshot,
    SnapshotUnit,
    Status,
    Submission,
)
from xaso.assessments.validation import Finding, unanswered
from xaso.core.audit import on_commit, record_audit
from xaso.index import Framework, FrameworkError
from xaso.units.models import Unit, UnitGroup

logger = logging.getLogger(__name__)

Actor = User | None
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class AssessmentError(Exception):
    """A refused change, with a Vietnamese message saying why and what to do."""

    def __init__(self, message: str, *, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})


@dataclass(frozen=True)
class ConflictItem:
    code: str
    name: str
    theirs: str
    yours: str
    by: str


class Conflict(AssessmentError):
    """Someone else saved first: nothing was written; both values are named."""

    def __init__(self, items: Sequence[ConflictItem]) -> None:
        lines = "; ".join(
            f"{i.code}: {i.by} đã lưu “{i.theirs}”, bạn nhập “{i.yours}”" for i in items
        )
        super().__init__(
            "Có người khác vừa sửa hồ sơ này, chưa lưu gì của bạn. "
            f"{lines}. Hãy xem lại rồi lưu lại nếu vẫn muốn giá trị của bạn."
        )
        self.items = list(items)


def _check(actor: Actor, family: str, unit_id: int, message: str) -> None:
    if actor is None:
        return
    if not may_in_unit(actor, "edit", unit_id, family=family):
        raise PermissionDenied(message)


def _who(actor: Actor) -> str:
    return actor.get_username() if actor is not None else "hệ thống"


def _user(actor: Actor) -> User | None:
    return actor if actor is not None and actor.pk else None


def _locked(pk: int) -> Submission:
    return (
        Submission.objects.select_for_update()
        .select_related("period__framework", "unit")
        .get(pk=pk)
    )


def _expect_version(submission: Submission, version: int | None) -> None:
    if version is not None and version != submission.version:
        raise AssessmentError(
            f"Hồ sơ đã thay đổi (phiên bản {submission.version}, bạn đang xem phiên bản "
            f"{version}) — trạng thái hiện tại: {submission.get_status_display()}. "
            "Hãy tải lại trang rồi làm lại."
        )


# --- frameworks ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedFramework:
    version: FrameworkVersion
    created: bool


def do_import_framework(
    *, text: str, province: Unit | None = None, actor: Actor
) -> ImportedFramework:
    """Stores a framework YAML as a version; the same text again changes nothing, other
    text under an existing code and version is refused (versions are immutable)."""
    if actor is not None and not actor.is_superuser:
        if province is None:
            raise PermissionDenied("Chỉ quản trị hệ thống được nhập bộ chỉ số dùng chung.")
        _check(actor, policy.PUBLISH, province.pk, "Bạn không quản trị tỉnh này.")
    try:
        framework = framework_from_text(text)
    except FrameworkError as exc:
        raise AssessmentError(
            "Bộ chỉ số có lỗi, chưa nhập gì: " + "; ".join(str(i) for i in exc.issues[:50])
        ) from exc
    sha = hashlib.sha256(text.encode()).hexdigest()
    with transaction.atomic():
        existing = (
            FrameworkVersion.objects.select_for_update()
            .filter(code=framework.code, version=framework.version)
            .first()
        )
        if existing is not None:
            if existing.sha256 == sha:
                return ImportedFramework(existing, False)
            used = existing.periods.exists()
            raise AssessmentError(
                f"Bộ chỉ số {framework.code} phiên bản {framework.version} đã có với nội dung "
                f"khác{' và đang được kỳ đánh giá sử dụng' if used else ''}: một phiên bản "
                "đã nhập không bao giờ bị thay đổi — hãy đặt số phiên bản mới (version)."
            )
        root = framework.root
        version = FrameworkVersion.objects.create(
            code=framework.code,
            version=framework.version,
            name_vi=framework.name_vi,
            name_en=framework.name_en,
            status=framework.status,
            source_text=text,
            sha256=sha,
            leaf_count=len(framework.leaves),
            max_points=root.max_points,
            province=province,
            imported_by=_user(actor),
        )
        record_audit(
            actor=actor,
            action="assessments.import_framework",
            target=version,
            changes={"sha256": sha, "leaves": len(framework.leaves)},
            province_id=province.pk if province else None,
        )
    return ImportedFramework(version, True)


# --- periods -------------------------------------------------------------------------


def do_create_period(
    *,
    framework: FrameworkVersion,
    province: Unit,
    name: str,
    year: int,
    starts_on: dt.date,
    ends_on: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    scope_kind: str = ScopeKind.PROVINCE,
    scope_group: UnitGroup | None = None,
    scope_unit_type: str = "",
    reminder_days: str = "7,3,1",
    appeal_days: int = 15,
    previous: Period | None = None,
    is_demo: bool = False,
    actor: Actor,
) -> Period:
    """Opens a period and creates an empty submission for every unit in its scope."""
    _check(actor, policy.PUBLISH, province.pk, "Chỉ quản trị cấp tỉnh được mở kỳ đánh giá.")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Chưa nhập tên kỳ đánh giá."
    if ends_on < starts_on:
        errors["ends_on"] = "Ngày kết thúc số liệu phải sau ngày bắt đầu."
    if closes_at <= opens_at:
        errors["closes_at"] = "Hạn nộp phải sau thời điểm mở nhập liệu."
    if scope_kind == ScopeKind.GROUP:
        if scope_group is None:
            errors["scope_group"] = "Chưa chọn nhóm đơn vị."
        elif scope_group.province_id not in (None, province.pk):
            errors["scope_group"] = "Nhóm này thuộc tỉnh khác."
    elif scope_kind == ScopeKind.UNIT_TYPE and not scope_unit_type:
        errors["scope_unit_type"] = "Chưa chọn loại đơn vị."
    elif scope_kind not in ScopeKind.values:
        errors["scope_kind"] = "Phạm vi không hợp lệ."
    if previous is not None and previous.province_id != province.pk:
        errors["previous"] = "Kỳ trước phải là kỳ của cùng tỉnh."
    if errors:
        raise AssessmentError("Chưa mở được kỳ đánh giá.", errors=errors)
    with transaction.atomic():
        period = Period.objects.create(
            framework=framework,
            province=province,
            name=name.strip(),
            year=year,
            starts_on=starts_on,
            ends_on=ends_on,
            opens_at=opens_at,
            closes_at=closes_at,
            scope_kind=scope_kind,
            scope_group=scope_group if scope_kind == ScopeKind.GROUP else None,
            scope_unit_type=scope_unit_type if scope_kind == ScopeKind.UNIT_TYPE else "",
            reminder_days=reminder_days,
            appeal_days=appeal_days,
            previous=previous,
            is_demo=is_demo,
            created_by=_user(actor),
        )
        units = list(queries.period_units(period).only("pk", "province_id"))
        if not units:
            raise AssessmentError("Phạm vi đã chọn không có xã, phường nào.")
        outside = [u for u in units if u.province_id != province.pk]
        if outside:
            raise AssessmentError(
                f"Phạm vi có {len(outside)} đơn vị thuộc tỉnh khác: hãy chọn nhóm của tỉnh mình."
            )
        Submission.objects.bulk_create(
            [Submission(period=period, unit_id=u.pk, province_id=province.pk) for u in units],
            batch_size=1000,
        )
        record_audit(
            actor=actor,
            action="assessments.create_period",
            target=period,
            changes={"units": len(units), "framework": str(framework), "closes_at": str(closes_at)},
            province_id=province.pk,
        )
    return period


def do_grant_lock_exception(
    *, period: Period, unit: Unit, until: dt.datetime, reason: str, actor: Actor
) -> LockException:
    """Lets one unit keep entering data after the close (DHIS2's lock exception)."""
    _check(actor, policy.PUBLISH, period.province_id, "Chỉ quản trị cấp tỉnh được mở khoá.")
    if not reason.strip():
        raise AssessmentError("Cần ghi lý do mở khoá.", errors={"reason": "Chưa nhập lý do."})
    if until <= timezone.now():
        raise AssessmentError("Thời hạn mở khoá phải ở tương lai.", errors={"until": "Đã qua."})
    if not period.submissions.filter(unit=unit).exists():
        raise AssessmentError(f"{unit.name} không thuộc kỳ đánh giá này.")
    with transaction.atomic():
        grant = LockException.objects.create(
            period=period,
            unit=unit,
            province_id=period.province_id,
            until=until,
            reason=reason.strip()[:500],
            granted_by=_user(actor),
        )
        record_audit(
            actor=actor,
            action="assessments.grant_lock_exception",
            target=grant,
            changes={"unit": unit.code, "until": until.isoformat(), "reason": grant.reason},
            province_id=period.province_id,
        )
    return grant


# --- values --------------------------------------------------------------------------


@dataclass
class SaveResult:
    submission: Submission
    changed: list[str] = field(default_factory=list)


RawValue = tuple[object, object]  # (value or numerator, denominator)


def _may_enter(submission: Submission, actor: Actor, now: dt.datetime | None) -> None:
    _check(
        actor,
        policy.FILL,
        submission.unit_id,
        "Chỉ cán bộ của đơn vị (hoặc quản trị cấp tỉnh) được nhập hồ sơ này.",
    )
    if submission.status not in EDITABLE:
        raise AssessmentError(
            f"Hồ sơ đang ở trạng thái “{submission.get_status_display()}”, không sửa được."
        )
    # A returned form may be corrected after the deadline: the return is the invitation.
    if submission.status == Status.DRAFT and not queries.accepting_input(
        submission.period, submission.unit_id, now
    ):
        closed = timezone.localtime(submission.period.closes_at)
        raise AssessmentError(
            f"Kỳ đánh giá đã khoá sổ lúc {closed:%H:%M %d/%m/%Y}: đề nghị quản trị cấp tỉnh "
            "mở khoá cho đơn vị nếu cần."
        )


def do_save_values(
    *,
    submission: Submission,
    values: Mapping[str, RawValue],
    revisions: Mapping[str, int] | None = None,
    comments: Mapping[str, str] | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> SaveResult:
    """Saves typed values (and comments) of a draft. All or nothing: a bad value or a
    conflict with someone else's save leaves everything as it was.

    ``revisions`` are the per-criterion revisions the person's form was built on; a
    criterion changed since by someone else is a ``Conflict`` naming both values."""
    framework = queries.framework_of(submission.period)
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    parsed: dict[str, Cell | None] = {}
    errors: dict[str, str] = {}
    for code, (raw, den) in values.items():
        leaf = leaves.get(code)
        if leaf is None:
            errors[code] = f"“{code}” không phải tiêu chí của bộ chỉ số này."
            continue
        try:
            parsed[code] = parse(leaf, raw, den)
        except CellError as exc:
            errors[code] = f"{code} — {leaf.name_vi}: {exc.message}"
    for code in comments or {}:
        if code not in leaves:
            errors[code] = f"“{code}” không phải tiêu chí của bộ chỉ số này."
    if errors:
        raise AssessmentError("Có giá trị không hợp lệ, chưa lưu gì.", errors=errors)
    with transaction.atomic():
        sub = _locked(submission.pk)
        _may_enter(sub, actor, now)
        conflicts = []
        for code, cell in parsed.items():
            stored = sub.self_values.get(code)
            wanted = (revisions or {}).get(code)
            current = int(sub.revisions.get(code, 0))
            if wanted is not None and wanted != current and not same(stored, cell):
                leaf = leaves[code]
                conflicts.append(
                    ConflictItem(
                        code,
                        leaf.name_vi,
                        display(leaf, stored),
                        display(leaf, cell),
                        str(sub.revisions.get(f"{code}@by", "người khác")),
                    )
                )
        if conflicts:
            raise Conflict(conflicts)
        changes: dict[str, list[Any]] = {}
        for code, cell in parsed.items():
            stored = sub.self_values.get(code)
            if same(stored, cell):
                continue
            changes[code] = [stored, cell]
            if cell is None:
                sub.self_values.pop(code, None)
            else:
                sub.self_values[code] = cell
            sub.revisions[code] = int(sub.revisions.get(code, 0)) + 1
            sub.revisions[f"{code}@by"] = _who(actor)
        for code, text in (comments or {}).items():
            clean = text.strip()[:1000]
            if clean != sub.comments.get(code, ""):
                changes[f"{code}#comment"] = [sub.comments.get(code, ""), clean]
                if clean:
                    sub.comments[code] = clean
                else:
                    sub.comments.pop(code, None)
        if changes:
            sub.version += 1
            sub.save(
                update_fields=["self_values", "revisions", "comments", "version", "updated_at"]
            )
            record_audit(
                actor=actor,
                action="assessments.save_values",
                target=sub,
                changes=changes,
                province_id=sub.province_id,
            )
    return SaveResult(sub, [c for c in changes if "#" not in c])


def _fill_measured(sub: Submission, measured: Mapping[str, Measured]) -> dict[str, list[Any]]:
    """Criteria the unit left blank take the measured value: nobody should type a figure
    the province's systems already hold. Returns the changes for the audit row."""
    changes: dict[str, list[Any]] = {}
    for code, m in measured.items():
        if sub.self_values.get(code):
            continue
        changes[code] = [None, m.cell]
        sub.self_values[code] = m.cell
        sub.revisions[code] = int(sub.revisions.get(code, 0)) + 1
        sub.revisions[f"{code}@by"] = f"đo được: {m.source}"
    return changes


def revision_of(submission: Submission, code: str) -> int:
    return int(submission.revisions.get(code, 0))


# --- evidence ------------------------------------------------------------------------


def _parse_date(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise AssessmentError(
        "Ngày văn bản không hợp lệ.",
        errors={"doc_date": f"“{text}” không phải ngày (ví dụ đúng: 14/06/2022)."},
    )


def _store(path: str, data: bytes) -> str:
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(data))


def do_upload_evidence(
    *,
    submission: Submission,
    criterion: str,
    name: str,
    data: bytes,
    doc_number: str = "",
    doc_date: str = "",
    doc_issuer: str = "",
    doc_summary: str = "",
    actor: Actor,
    now: dt.datetime | None = None,
    for_appeal: bool = False,
) -> Evidence:
    """Checks a file (type from content, macros, zip bombs, image metadata) and attaches
    it to one criterion. A refused file changes nothing and says why."""
    framework = queries.framework_of(submission.period)
    leaf = next((x for x in framework.leaves if x.code == criterion), None)
    if leaf is None:
        raise AssessmentError(f"“{criterion}” không phải tiêu chí của bộ chỉ số này.")
    try:
        checked = inspect(name, data)
    except EvidenceRejected as exc:
        raise AssessmentError(exc.message, errors={"file": exc.message}) from None
    date = _parse_date(doc_date)
    with transaction.atomic():
        sub = _locked(submission.pk)
        if for_appeal:
            _check(actor, policy.FILL, sub.unit_id, "Chỉ cán bộ của đơn vị được phúc khảo.")
        else:
            _may_enter(sub, actor, now)
        path = (
            f"danh-gia/{sub.period_id}/{sub.unit.code}/{checked.sha256[:2]}/"
            f"{checked.sha256}{checked.extension}"
        )
        stored = _store(path, checked.data)
        evidence = Evidence.objects.create(
            submission=sub,
            unit_id=sub.unit_id,
            province_id=sub.province_id,
            criterion=criterion,
            file=stored,
            original_name=checked.name,
            content_type=checked.content_type,
            size=len(checked.data),
            sha256=checked.sha256,
            doc_number=doc_number.strip()[:80],
            doc_number_key=normalise_doc_number(doc_number),
            doc_date=date,
            doc_issuer=doc_issuer.strip()[:200],
            doc_summary=doc_summary.strip()[:500],
            uploaded_by=_user(actor),
        )
        sub.version += 1
        sub.save(update_fields=["version", "updated_at"])
        record_audit(
            actor=actor,
            action="assessments.upload_evidence",
            target=evidence,
            changes={"criterion": criterion, "sha256": checked.sha256, "size": len(checked.data)},
            province_id=sub.province_id,
        )
        on_commit(partial(evidence_added, evidence.pk))
    return evidence


def do_remove_evidence(*, evidence: Evidence, actor: Actor, now: dt.datetime | None = None) -> None:
    with transaction.atomic():
        sub = _locked(evidence.submission_id)
        _may_enter(sub, actor, now)
        if Appeal.objects.filter(evidence=evidence).exists():
            raise AssessmentError("Minh chứng này đã dùng cho phúc khảo, không xoá được.")
        record_audit(
            actor=actor,
            action="assessments.remove_evidence",
            target=evidence,
            changes={"criterion": evidence.criterion, "sha256": evidence.sha256},
            province_id=sub.province_id,
        )
        name = evidence.file.name or ""
        shared = Evidence.objects.filter(file=name).exclude(pk=evidence.pk).exists()
        Evidence.objects.filter(pk=evidence.pk).delete()
        sub.version += 1
        sub.save(update_fields=["version", "updated_at"])
        if name and not shared:
            on_commit(lambda: default_storage.delete(name))


# --- workflow ------------------------------------------------------------------------


def _risk(sub: Submission, soft: Sequence[Finding]) -> tuple[float, list[str]]:
    """Risk for the verifier's queue: big jumps, full marks without evidence, reused
    evidence and outliers, weighted by how often each hides a wrong value."""
    weights = {"jump": 3.0, "full_no_evidence": 2.0, "outlier": 2.0}
    score = 0.0
    reasons: list[str] = []
    for finding in soft:
        score += weights.get(finding.kind, 1.0)
        reasons.append(f"{finding.code}: {finding.message}")
    reuse = queries.evidence_reuse(sub.evidence.all())
    for items in reuse.values():
        score += 3.0
        first = items[0]
        what = "cùng tệp" if first.same_file else "cùng số văn bản"
        reasons.append(f"{first.criterion}: minh chứng {what} với {first.other_unit}")
    return score, reasons


def do_submit_submission(
    *, submission: Submission, version: int | None = None, actor: Actor,
    now: dt.datetime | None = None,
) -> Submission:  # fmt: skip
    """Submits (and locks for the unit): blocked by hard findings and by soft warnings
    without a comment."""
    with transaction.atomic():
        sub = _locked(submission.pk)
        _expect_version(sub, version)
        _may_enter(sub, actor, now)
        measured_changes = _fill_measured(sub, queries.measured_for(sub))
        check = queries.check_submission(sub)
        open_soft = unanswered(check.soft, sub.comments)
        if check.hard or open_soft:
            errors = {f.code: f"{f.code}: {f.message}" for f in check.hard}
            for f in open_soft:
                errors.setdefault(f.code, f"{f.code}: {f.message} (cần giải trình)")
            raise AssessmentError(
                f"Chưa nộp được: {len(check.hard)} lỗi phải sửa, {len(open_soft)} cảnh báo "
                "cần giải trình.",
                errors=errors,
            )
        old = sub.status
        sub.status = Status.SUBMITTED
        sub.submitted_at = now or timezone.now()
        sub.submitted_by = _user(actor)
        sub.risk_score, sub.risk_reasons = _risk(sub, check.soft)
        sub.return_comments = {}
        sub.version += 1
        sub.save()
        record_audit(
            actor=actor,
            action="assessments.submit",
            target=sub,
            changes={"status": [old, sub.status], "risk": sub.risk_score, **measured_changes},
            province_id=sub.province_id,
        )
    return sub


def do_return_submission(
    *,
    submission: Submission,
    comments: Mapping[str, str],
    note: str = "",
    version: int | None = None,
    actor: Actor,
) -> Submission:
    """Returns a submitted form to the unit with comments per criterion."""
    clean = {k: v.strip()[:1000] for k, v in comments.items() if v and v.strip()}
    if not clean and not note.strip():
        raise AssessmentError(
            "Cần ghi nhận xét cho ít nhất một tiêu chí (hoặc nhận xét chung) khi trả lại.",
            errors={"note": "Chưa có nhận xét."},
        )
    with transaction.atomic():
        sub = _locked(submission.pk)
        _expect_version(sub, version)
        _check(actor, policy.VERIFY, sub.unit_id, "Bạn không thẩm định đơn vị này.")
        if sub.status != Status.SUBMITTED:
            raise AssessmentError("Chỉ trả lại được hồ sơ đang chờ thẩm định.")
        leaves = {leaf.code for leaf in queries.framework_of(sub.period).leaves}
        unknown = [k for k in clean if k not in leaves]
        if unknown:
            raise AssessmentError(f"Tiêu chí không có trong bộ chỉ số: {', '.join(unknown)}.")
        sub.status = Status.RETURNED
        sub.return_comments = clean
        sub.return_note = note.strip()[:2000]
        sub.version += 1
        sub.save()
        record_audit(
            actor=actor,
            action="assessments.return",
            target=sub,
            changes={"status": [Status.SUBMITTED, Status.RETURNED], "comments": clean},
            province_id=sub.province_id,
        )
    return sub


Correction = tuple[object, object, str]  # (value or numerator, denominator, reason)


def do_verify_submission(
    *,
    submission: Submission,
    corrections: Mapping[str, Correction] | None = None,
    version: int | None = None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Submission:
    """Verifies: unchanged criteria keep the self value, measured criteria take the measured
    value (the unit cannot change it), and each correction of either needs a reason."""
    framework = queries.framework_of(submission.period)
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    measured = queries.measured_for(submission)
    fixed: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for code, (raw, den, reason) in (corrections or {}).items():
        leaf = leaves.get(code)
        if leaf is None:
            errors[code] = f"“{code}” không phải tiêu chí của bộ chỉ số này."
            continue
        try:
            cell = parse(leaf, raw, den)
        except CellError as exc:
            errors[code] = f"{code}: {exc.message}"
            continue
        # A measured criterion's baseline is the measured value, not the unit's figure.
        baseline = measured[code].cell if code in measured else submission.self_values.get(code)
        if same(cell, baseline):
            continue
        if not reason.strip():
            what = "số liệu đo được" if code in measured else "giá trị thẩm định"
            errors[code] = f"{code}: cần ghi lý do khi sửa {what}."
            continue
        fixed[code] = {"cell": cell, "reason": reason.strip()[:1000]}
    for code, m in measured.items():
        if code not in fixed and not same(m.cell, submission.self_values.get(code)):
            fixed[code] = {"cell": m.cell, "reason": f"Số liệu đo được ({m.source})"}
    if errors:
        raise AssessmentError("Chưa thẩm định được, chưa lưu gì.", errors=errors)
    with transaction.atomic():
        sub = _locked(submission.pk)
        _expect_version(sub, version)
        _check(actor, policy.VERIFY, sub.unit_id, "Bạn không thẩm định đơn vị này.")
        if sub.status != Status.SUBMITTED:
            raise AssessmentError("Chỉ thẩm định được hồ sơ đang chờ thẩm định.")
        sub.verified_values = fixed
        sub.status = Status.VERIFIED
        sub.verified_at = now or timezone.now()
        sub.verified_by = _user(actor)
        sub.version += 1
        sub.save()
        record_audit(
            actor=actor,
            action="assessments.verify",
            target=sub,
            changes={
                "status": [Status.SUBMITTED, Status.VERIFIED],
                **{
                    code: [sub.self_values.get(code), entry["cell"], entry["reason"]]
                    for code, entry in fixed.items()
                },
            },
            province_id=sub.province_id,
        )
    return sub


def do_approve_submission(
    *, submission: Submission, version: int | None = None, actor: Actor
) -> Submission:
    """Approves verified values as final."""
    with transaction.atomic():
        sub = _locked(submission.pk)
        _expect_version(sub, version)
        _check(actor, policy.PUBLISH, sub.unit_id, "Chỉ quản trị cấp tỉnh được phê duyệt.")
        if sub.status != Status.VERIFIED:
            raise AssessmentError("Chỉ phê duyệt được hồ sơ đã thẩm định.")
        sub.final_values = queries.effective_cells(sub, "verified")
        sub.status = Status.APPROVED
        sub.approved_at = timezone.now()
        sub.approved_by = _user(actor)
        sub.version += 1
        sub.save()
        record_audit(
            actor=actor,
            action="assessments.approve",
            target=sub,
            changes={"status": [Status.VERIFIED, Status.APPROVED]},
            province_id=sub.province_id,
        )
    return sub


def do_draw_spot_check(
    *, period: Period, size: int, seed: int | None = None, actor: Actor
) -> list[Submission]:
    """Draws a random sample of submitted forms for a spot check (the seed is audited so
    the draw can be repeated)."""
    _check(actor, policy.VERIFY, period.province_id, "Bạn không thẩm định kỳ đánh giá này.")
    if size < 1:
        raise AssessmentError("Cỡ mẫu phải từ 1 trở lên.", errors={"size": "Phải ≥ 1."})
    seed = seed if seed is not None else random.SystemRandom().randrange(1, 10**9)
    with transaction.atomic():
        pool = list(
            queries.verifier_queue(actor, period).select_for_update(of=("self",)).order_by("pk")
            if actor is not None
            else period.submissions.select_for_update()
            .filter(status=Status.SUBMITTED)
            .order_by("pk")
        )
        chosen = random.Random(seed).sample(pool, min(size, len(pool)))
        ids = [s.pk for s in chosen]
        Submission.objects.filter(pk__in=ids).update(spot_check=True)
        record_audit(
            actor=actor,
            action="assessments.spot_check",
            target=period,
            changes={"seed": seed, "size": size, "units": [s.unit_id for s in chosen]},
            province_id=period.province_id,
        )
    return list(Submission.objects.filter(pk__in=ids).select_related("unit"))


# --- publishing ----------------------------------------------------------------------


def _rows(subs: Sequence[Submission], stage: str, submitted: set[int]) -> list[Any]:
    return [
        (s.unit.code, s.unit.name, queries.effective_cells(s, stage) if s.pk in submitted else {})
        for s in subs
    ]


def _scored(
    framework: Framework, subs: Sequence[Submission], submitted: set[int]
) -> dict[str, dict[str, Any]]:
    """Final results, with each unit's rank among units of its type (xã, phường, đặc khu)."""
    groups = {"loai": {s.unit.code: s.unit.unit_type for s in subs}}
    results = score_rows(framework, _rows(subs, "final", submitted), groups=groups)
    loai = results.group_ranks["loai"][:, 0].tolist()
    out = {}
    for i, row in enumerate(results_rows(results)):
        row["rank_loai"] = int(loai[i]) or None
        out[row["unit"]] = row
    return out


def do_publish_period(
    *, period: Period, reason: str = "", actor: Actor, now: dt.datetime | None = None
) -> Snapshot:
    """Publishes a new, immutable version of the period's results: every unit scored by
    the engine on its final values (self and verified scores beside), ranks,
    explanations, the framework version and a SHA-256 of all inputs. A later version
    carries a changelog of what moved and why."""
    _check(actor, policy.PUBLISH, period.province_id, "Chỉ quản trị cấp tỉnh được công bố.")
    now = now or timezone.now()
    with transaction.atomic():
        period = Period.objects.select_for_update().select_related("framework").get(pk=period.pk)
        subs = list(period.submissions.select_related("unit").order_by("unit__code"))
        waiting = [s for s in subs if s.status in (Status.SUBMITTED, Status.VERIFIED)]
        if waiting:
            names = ", ".join(s.unit.name for s in waiting[:10])
            raise AssessmentError(
                f"Còn {len(waiting)} hồ sơ chờ thẩm định hoặc phê duyệt ({names}"
                f"{'…' if len(waiting) > 10 else ''}): hãy xử lý xong trước khi công bố."
            )
        approved = {s.pk for s in subs if s.status == Status.APPROVED}
        if not approved:
            raise AssessmentError("Chưa có hồ sơ nào được phê duyệt: chưa có gì để công bố.")
        previous = queries.published_snapshot(period)
        if previous is not None and not reason.strip():
            raise AssessmentError(
                "Công bố lại cần ghi lý do (sẽ hiện trong nhật ký thay đổi).",
                errors={"reason": "Chưa nhập lý do."},
            )
        framework = queries.framework_of(period)
        final = _scored(framework, subs, approved)
        self_scores = root_scores(score_rows(framework, _rows(subs, "self", approved)))
        verified = root_scores(score_rows(framework, _rows(subs, "verified", approved)))
        inputs = {s.unit.code: (queries.effective_cells(s) if s.pk in approved else {})
                  for s in subs}  # fmt: skip
        digest = inputs_digest(period.framework.sha256, list(inputs.items()))
        version = (previous.version + 1) if previous is not None else 1
        accepted = list(
            Appeal.objects.filter(
                snapshot__period=period, status=AppealStatus.ACCEPTED, applied_in__isnull=True
            ).select_related("unit")
        )
        changelog = (
            _changelog(framework, previous, inputs, final, accepted, reason)
            if previous is not None
            else []
        )
        snapshot = Snapshot.objects.create(
            period=period,
            version=version,
            framework=period.framework,
            province_id=period.province_id,
            inputs_sha256=digest,
            published_at=now,
            published_by=_user(actor),
            published_by_label=_who(actor),
            reason=reason.strip(),
            changelog=changelog,
            unit_count=len(subs),
            appeal_until=now + dt.timedelta(days=period.appeal_days),
            is_demo=period.is_demo,
        )
        SnapshotUnit.objects.bulk_create(
            [
                SnapshotUnit(
                    snapshot=snapshot,
                    unit_id=s.unit_id,
                    province_id=s.province_id,
                    unit_code=s.unit.code,
                    unit_name=s.unit.name,
                    submitted=s.pk in approved,
                    score=final[s.unit.code]["score"],
                    points=final[s.unit.code]["points"],
                    rank=final[s.unit.code]["rank"],
                    self_score=self_scores[s.unit.code],
                    verified_score=verified[s.unit.code],
                    inputs=inputs[s.unit.code],
                    nodes=final[s.unit.code]["nodes"],
                    pillars={
                        **final[s.unit.code]["pillars"],
                        "_rank_loai": final[s.unit.code]["rank_loai"],
                    },
                    explanation=final[s.unit.code]["explanation"],
                )
                for s in subs
            ],
            batch_size=500,
        )
        if accepted:
            Appeal.objects.filter(pk__in=[a.pk for a in accepted]).update(applied_in=snapshot)
        record_audit(
            actor=actor,
            action="assessments.publish",
            target=snapshot,
            changes={
                "version": version,
                "inputs_sha256": digest,
                "units": len(subs),
                "changes": len(changelog),
            },
            province_id=period.province_id,
        )
    return snapshot


def _changelog(
    framework: Framework,
    previous: Snapshot,
    inputs: Mapping[str, Mapping[str, Cell]],
    final: Mapping[str, Mapping[str, Any]],
    accepted: Sequence[Appeal],
    reason: str,
) -> list[dict[str, Any]]:
    why = {
        (a.unit.code, a.criterion): f"Phúc khảo được chấp nhận: {a.decision_reason}"
        for a in accepted
    }
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    log: list[dict[str, Any]] = []
    for row in previous.rows.all().only("unit_code", "unit_name", "inputs", "score", "rank"):
        now_inputs = inputs.get(row.unit_code, {})
        for code in sorted(set(row.inputs) | set(now_inputs)):
            old, new = row.inputs.get(code), now_inputs.get(code)
            if same(old, new):
                continue
            leaf = leaves.get(code)
            log.append(
                {
                    "unit": row.unit_code,
                    "name": row.unit_name,
                    "criterion": code,
                    "old": display(leaf, old) if leaf else str(old),
                    "new": display(leaf, new) if leaf else str(new),
                    "why": why.get((row.unit_code, code), reason.strip()),
                }
            )
        after = final.get(row.unit_code)
        if after is not None and (after["score"] != row.score or after["rank"] != row.rank):
            log.append(
                {
                    "unit": row.unit_code,
                    "name": row.unit_name,
                    "criterion": None,
                    "old": f"{row.score} (hạng {row.rank})",
                    "new": f"{after['score']} (hạng {after['rank']})",
                    "why": "Điểm và thứ hạng tính lại theo số liệu mới",
                }
            )
    return log


# --- appeals -------------------------------------------------------------------------


def do_file_appeal(
    *,
    submission: Submission,
    criterion: str,
    value: RawValue,
    reason: str,
    file: tuple[str, bytes] | None = None,
    doc_number: str = "",
    actor: Actor,
    now: dt.datetime | None = None,
) -> Appeal:
    """A unit contests one criterion of the latest published version, within its window."""
    now = now or timezone.now()
    snapshot = queries.published_snapshot(submission.period)
    if snapshot is None:
        raise AssessmentError("Kỳ đánh giá chưa công bố kết quả: chưa phúc khảo được.")
    if not queries.appeal_open(snapshot, now):
        raise AssessmentError(
            f"Đã hết hạn phúc khảo ({timezone.localtime(snapshot.appeal_until):%d/%m/%Y})."
        )
    _check(actor, policy.FILL, submission.unit_id, "Chỉ cán bộ của đơn vị được phúc khảo.")
    framework = queries.framework_of(submission.period)
    leaf = next((x for x in framework.leaves if x.code == criterion), None)
    if leaf is None:
        raise AssessmentError(f"“{criterion}” không phải tiêu chí của bộ chỉ số này.")
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = "Chưa nêu lý do phúc khảo."
    try:
        proposed = parse(leaf, *value)
    except CellError as exc:
        errors["value"] = f"{criterion}: {exc.message}"
        proposed = None
    if errors:
        raise AssessmentError("Chưa gửi được phúc khảo.", errors=errors)
    with transaction.atomic():
        evidence = None
        if file is not None:
            evidence = do_upload_evidence(
                submission=submission, criterion=criterion, name=file[0], data=file[1],
                doc_number=doc_number, actor=actor, for_appeal=True,
            )  # fmt: skip
        appeal = Appeal.objects.create(
            snapshot=snapshot,
            submission=submission,
            unit_id=submission.unit_id,
            province_id=submission.province_id,
            criterion=criterion,
            reason=reason.strip()[:4000],
            proposed=proposed,
            evidence=evidence,
            filed_by=_user(actor),
        )
        record_audit(
            actor=actor,
            action="assessments.file_appeal",
            target=appeal,
            changes={"criterion": criterion, "proposed": proposed, "version": snapshot.version},
            province_id=submission.province_id,
        )
    return appeal


def do_decide_appeal(*, appeal: Appeal, accept: bool, reason: str, actor: Actor) -> Appeal:
    """A verifier decides; an accepted appeal changes the final value, which enters the
    next published version (with this reason in its changelog)."""
    if not reason.strip():
        raise AssessmentError("Cần ghi lý do quyết định.", errors={"reason": "Chưa nhập lý do."})
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("unit").get(pk=appeal.pk)
        _check(actor, policy.VERIFY, appeal.unit_id, "Bạn không thẩm định đơn vị này.")
        if appeal.status != AppealStatus.PENDING:
            raise AssessmentError("Phúc khảo này đã có quyết định.")
        appeal.status = AppealStatus.ACCEPTED if accept else AppealStatus.REJECTED
        appeal.decided_by = _user(actor)
        appeal.decided_at = timezone.now()
        appeal.decision_reason = reason.strip()[:4000]
        appeal.save()
        changes: dict[str, Any] = {"status": appeal.status}
        if accept:
            sub = _locked(appeal.submission_id)
            before = sub.final_values.get(appeal.criterion)
            sub.final_values[appeal.criterion] = appeal.proposed
            sub.version += 1
            sub.save(update_fields=["final_values", "version", "updated_at"])
            changes[appeal.criterion] = [before, appeal.proposed]
        record_audit(
            actor=actor,
            action="assessments.decide_appeal",
            target=appeal,
            changes=changes,
            province_id=appeal.province_id,
        )
    return appeal


# --- Excel imports -------------------------------------------------------------------


def do_start_import(
    *, period: Period, unit: Unit, kind: str, name: str, data: bytes, actor: Actor
) -> ImportJob:
    """Stores an uploaded workbook and opens its import job (checked by ``do_run_import``)."""
    family = policy.FILL
    if kind == ImportKind.PROVINCE:
        _check(
            actor, policy.PUBLISH, period.province_id, "Chỉ quản trị cấp tỉnh nhập mẫu toàn tỉnh."
        )
    else:
        _check(actor, family, unit.pk, "Bạn không nhập số liệu cho đơn vị này.")
    try:
        checked = inspect(name, data, limit=MAX_IMPORT_BYTES)
    except EvidenceRejected as exc:
        raise AssessmentError(exc.message, errors={"file": exc.message}) from None
    if checked.content_type != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        message = f"Tệp “{checked.name}” không phải bảng tính Excel (.xlsx)."
        raise AssessmentError(message, errors={"file": message})
    with transaction.atomic():
        path = _store(f"danh-gia/nhap/{period.pk}/{checked.sha256}.xlsx", checked.data)
        job = ImportJob.objects.create(
            period=period,
            unit=unit,
            province_id=period.province_id,
            kind=kind,
            file=path,
            filename=checked.name,
            sha256=checked.sha256,
            created_by=_user(actor),
        )
        record_audit(
            actor=actor,
            action="assessments.start_import",
            target=job,
            changes={"file": checked.name, "sha256": checked.sha256, "kind": kind},
            province_id=period.province_id,
        )
    return job


def _progress(job_id: int) -> excel.ProgressFn:
    def report(done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 0
        # Written outside the import's transaction so the polling page sees it move.
        ImportJob.objects.filter(pk=job_id).update(
            rows_done=done, rows_total=total, progress=percent
        )

    return report


def _fail(job: ImportJob, issues: Sequence[excel.Issue], summary: str) -> ImportJob:
    job.state = ImportState.FAILED
    job.errors = [i.as_dict() for i in issues[:5000]]
    job.summary = summary[:500]
    job.finished_at = timezone.now()
    job.progress = 100
    job.save(update_fields=["state", "errors", "summary", "finished_at", "progress"])
    return job


def do_run_import(*, job: ImportJob, actor: Actor) -> ImportJob:
    """Checks every cell of the workbook and, only if none is wrong, applies all of it in
    one transaction. Values equal to what is stored change nothing, so re-uploading the
    same file is harmless."""
    job = ImportJob.objects.select_related("period__framework", "unit").get(pk=job.pk)
    if job.state == ImportState.DONE:
        return job
    period, unit = job.period, job.unit
    if job.kind == ImportKind.PROVINCE:
        _check(
            actor, policy.PUBLISH, period.province_id, "Chỉ quản trị cấp tỉnh nhập mẫu toàn tỉnh."
        )
    else:
        _check(actor, policy.FILL, unit.pk, "Bạn không nhập số liệu cho đơn vị này.")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.RUNNING, errors=[])
    framework = queries.framework_of(period)
    with job.file.open("rb") as fh:
        data = fh.read()
    meta = queries.expected_meta(period, unit, job.kind)
    try:
        if job.kind == ImportKind.PROVINCE:
            names = dict(queries.period_units(period).values_list("code", "name"))
            parsed = excel.read_province_workbook(
                data, expected=meta, framework=framework, units=names, progress=_progress(job.pk)
            )
        else:
            parsed = excel.read_unit_workbook(
                data, expected=meta, framework=framework, progress=_progress(job.pk)
            )
    except excel.WorkbookError as exc:
        return _fail(job, [excel.Issue("", "", "", exc.message)], exc.message)
    if parsed.issues:
        return _fail(
            job,
            parsed.issues,
            f"{len(parsed.issues)} lỗi trong tệp; chưa nhập gì. Sửa tất cả rồi tải lên lại.",
        )
    try:
        changed_units, changed_cells = _apply_import(job, parsed, actor)
    except AssessmentError as exc:
        issues = [excel.Issue(*line.split("\t", 3)) for line in exc.errors.values()]
        return _fail(job, issues or [excel.Issue("", "", "", exc.message)], exc.message)
    job.state = ImportState.DONE
    job.progress = 100
    job.rows_done = parsed.row_count
    job.finished_at = timezone.now()
    job.summary = (
        f"Đã nhập {changed_cells} giá trị cho {changed_units} đơn vị; "
        f"{len(parsed.rows) - changed_units} đơn vị không thay đổi."
    )
    job.save(update_fields=["state", "progress", "rows_done", "finished_at", "summary"])
    return job


def _apply_import(job: ImportJob, parsed: excel.Parsed, actor: Actor) -> tuple[int, int]:
    period = job.period
    sheet = excel.DATA_SHEET if job.kind == ImportKind.PROVINCE else excel.UNIT_SHEET
    now = timezone.now()
    who = _who(actor)
    with transaction.atomic():
        subs = {
            s.unit.code: s
            for s in period.submissions.select_for_update(of=("self",))
            .select_related("unit")
            .filter(unit__code__in=list(parsed.rows))
        }
        open_now = period.is_open(now)
        excepted = set(
            LockException.objects.filter(period=period, until__gt=now).values_list(
                "unit__code", flat=True
            )
        )
        problems: dict[str, str] = {}
        to_save: list[Submission] = []
        audits: list[tuple[Submission, dict[str, Any]]] = []
        cells_changed = 0
        for code, cells in parsed.rows.items():
            sub = subs[code]
            comments = parsed.comments.get(code, {})
            changes: dict[str, list[Any]] = {}
            for criterion, cell in cells.items():
                if not same(sub.self_values.get(criterion), cell):
                    changes[criterion] = [sub.self_values.get(criterion), cell]
            for criterion, text in comments.items():
                if text != sub.comments.get(criterion, ""):
                    changes[f"{criterion}#comment"] = [sub.comments.get(criterion, ""), text]
            if not changes:
                continue
            if sub.status not in EDITABLE:
                problems[code] = (
                    f"{sheet}\t{parsed.where.get(code, '')}\t\t{sub.unit.name}: hồ sơ đang ở "
                    f"trạng thái “{sub.get_status_display()}”, không nhận số liệu mới"
                )
                continue
            if sub.status == Status.DRAFT and not (open_now or code in excepted):
                problems[code] = (
                    f"{sheet}\t{parsed.where.get(code, '')}\t\t{sub.unit.name}: kỳ đánh giá đã "
                    "khoá sổ"
                )
                continue
            for criterion, (_, cell) in changes.items():
                if "#" in criterion:
                    base = criterion.split("#")[0]
                    if cell:
                        sub.comments[base] = cell
                    else:
                        sub.comments.pop(base, None)
                    continue
                cells_changed += 1
                if cell is None:
                    sub.self_values.pop(criterion, None)
                else:
                    sub.self_values[criterion] = cell
                sub.revisions[criterion] = int(sub.revisions.get(criterion, 0)) + 1
                sub.revisions[f"{criterion}@by"] = who
            sub.version += 1
            sub.updated_at = now
            to_save.append(sub)
            audits.append((sub, changes))
        if problems:
            raise AssessmentError("Có hồ sơ không nhận số liệu; chưa nhập gì.", errors=problems)
        Submission.objects.bulk_update(
            to_save, ["self_values", "comments", "revisions", "version", "updated_at"],
            batch_size=500,
        )  # fmt: skip
        for sub, changes in audits:
            record_audit(
                actor=actor,
                action="assessments.import_values",
                target=sub,
                changes={"file": job.filename, **changes},
                province_id=sub.province_id,
            )
    return len(to_save), cells_changed


# --- reminders -----------------------------------------------------------------------


def do_send_deadline_reminders(*, period: Period, now: dt.datetime | None = None) -> int:
    """Reminds the officers of every unit that has not submitted, once per reminder
    offset (the nearest one due); returns how many units were reminded."""
    now = now or timezone.now()
    if now >= period.closes_at or now < period.opens_at:
        return 0
    days_left = (period.closes_at - now) / dt.timedelta(days=1)
    due = [d for d in period.reminder_offsets() if days_left <= d]
    if not due:
        return 0
    offset = min(due)
    with transaction.atomic():
        pending = list(
            period.submissions.filter(status__in=list(EDITABLE))
            .exclude(
                unit_id__in=Reminder.objects.filter(period=period, days_before=offset).values(
                    "unit_id"
                )
            )
            .select_related("unit")
        )
        if not pending:
            return 0
        officers: dict[int, list[str]] = {}
        for unit_id, email in RoleAssignment.objects.filter(
            role=Role.COMMUNE_OFFICER, unit_id__in=[s.unit_id for s in pending],
            user__is_active=True,
        ).values_list("unit_id", "user__email"):  # fmt: skip
            if email:
                officers.setdefault(unit_id, []).append(email)
        Reminder.objects.bulk_create(
            [
                Reminder(
                    period=period,
                    unit_id=s.unit_id,
                    province_id=s.province_id,
                    days_before=offset,
                    recipients=len(officers.get(s.unit_id, [])),
                )
                for s in pending
            ],
            ignore_conflicts=True,
        )
        record_audit(
            actor=None,
            action="assessments.remind",
            target=period,
            changes={"days_before": offset, "units": [s.unit.code for s in pending]},
            province_id=period.province_id,
        )
        deadline = timezone.localtime(period.closes_at)
        days = math.ceil(days_left)
        for sub in pending:
            to = officers.get(sub.unit_id, [])
            if not to:
                continue
            subject = f"[xaso] Còn {days} ngày: {period.name}"
            body = (
                f"Hồ sơ tự đánh giá của {sub.unit.name} trong “{period.name}” chưa được nộp. "
                f"Hạn nộp: {deadline:%H:%M %d/%m/%Y}.\n"
            )

            def send(subject: str = subject, body: str = body, to: list[str] = to) -> None:
                try:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                except OSError:
                    logger.warning("deadline reminder e-mail not sent for %s", period.pk)

            on_commit(send)
    return len(pending)
