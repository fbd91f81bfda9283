"""Factories for assessments tests and the sample makers of every model this app registers
for scoping (the access matrix finds ``SCOPED_SAMPLES`` here)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.db import models
from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments import actions, queries
from xaso.assessments.cells import Cell, kind_of
from xaso.assessments.models import (
    Appeal,
    Evidence,
    FrameworkVersion,
    ImportJob,
    LockException,
    Period,
    Reminder,
    ScopeKind,
    Snapshot,
    SnapshotUnit,
    Submission,
)
from xaso.index.model import InputKind
from xaso.units.models import Unit, UnitGroup

FRAMEWORKS = Path(__file__).resolve().parents[3] / "frameworks"
COMMUNE_DX = FRAMEWORKS / "commune-dx.yaml"
_seq = itertools.count(1)

# A tiny valid PDF (what a scanned decision looks like to the checks).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def commune_framework() -> FrameworkVersion:
    return actions.do_import_framework(text=COMMUNE_DX.read_text(), actor=None).version


def group_of(province: Unit, units: Iterable[Unit], slug: str = "") -> UnitGroup:
    group = UnitGroup.objects.create(
        name=f"Nhóm thử {next(_seq)}", slug=slug or f"nhom-thu-{next(_seq)}", province=province
    )
    group.members.set(list(units))
    return group


def make_period(
    province: Unit,
    units: Iterable[Unit],
    *,
    framework: FrameworkVersion | None = None,
    previous: Period | None = None,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    year: int = 2025,
    appeal_days: int = 15,
) -> Period:
    now = timezone.now()
    return actions.do_create_period(
        framework=framework or commune_framework(),
        province=province,
        name=f"Đánh giá thử {year} #{next(_seq)}",
        year=year,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        opens_at=opens_at or now - dt.timedelta(days=1),
        closes_at=closes_at or now + dt.timedelta(days=30),
        scope_kind=ScopeKind.GROUP,
        scope_group=group_of(province, units),
        previous=previous,
        appeal_days=appeal_days,
        actor=None,
    )


def sample_raw(framework: Any, *, level: float = 0.6) -> dict[str, tuple[object, object]]:
    """Plausible typed values for every criterion (``level`` moves them together)."""
    out: dict[str, tuple[object, object]] = {}
    for leaf in framework.leaves:
        kind = kind_of(leaf)
        if kind is InputKind.RATIO:
            out[leaf.code] = (str(round(40 * level)), "40")
        elif kind is InputKind.CHOICE:
            codes = [c for c, _ in leaf.rule.options]
            out[leaf.code] = (codes[min(len(codes) - 1, int((1 - level) * len(codes)))], None)
        elif kind is InputKind.BOOLEAN:
            out[leaf.code] = ("có" if level >= 0.5 else "không", None)
        elif kind is InputKind.COUNT:
            out[leaf.code] = (str(round(6 * level)), None)
        else:
            out[leaf.code] = (str(round(90 * level, 1)).replace(".", ","), None)
    return out


def make_ready(submission: Submission, actor: User | None, *, level: float = 0.6) -> Submission:
    """Fills a draft so that it can be submitted: values, evidence where a claim needs
    it, a comment on every warning."""
    framework = queries.framework_of(submission.period)
    actions.do_save_values(submission=submission, values=sample_raw(framework, level=level),
                           actor=actor)  # fmt: skip
    check = queries.check_submission(Submission.objects.get(pk=submission.pk))
    for finding in check.hard:
        if finding.kind == "evidence":
            actions.do_upload_evidence(
                submission=submission, criterion=finding.code, name=f"{finding.code}.pdf",
                data=PDF + finding.code.encode() + submission.unit.code.encode(), actor=actor,
            )  # fmt: skip
    check = queries.check_submission(Submission.objects.get(pk=submission.pk))
    comments = {f.code: "Đã kiểm tra, số liệu đúng." for f in check.soft}
    if comments:
        actions.do_save_values(submission=submission, values={}, comments=comments, actor=actor)
    return Submission.objects.get(pk=submission.pk)


def approve(submission: Submission, *, officer: Any, verifier: Any, admin: Any) -> Submission:
    sub = make_ready(submission, officer)
    sub = actions.do_submit_submission(submission=sub, actor=officer)
    sub = actions.do_verify_submission(submission=sub, actor=verifier)
    return actions.do_approve_submission(submission=sub, actor=admin)


def cell(code_value: Cell) -> Cell:
    return code_value


# --- sample makers for the access matrix ---------------------------------------------


def _province(unit: Unit) -> Unit:
    assert unit.province is not None
    return unit.province


def _framework(unit: Unit) -> FrameworkVersion:
    n = next(_seq)
    return FrameworkVersion.objects.create(
        code="mau", version=f"{n}", name_vi="Bộ mẫu", source_text="", sha256=f"{n:064d}",
        province=_province(unit),
    )  # fmt: skip


def _period(unit: Unit) -> Period:
    now = timezone.now()
    return Period.objects.create(
        framework=_framework(unit), province=_province(unit), name="Kỳ mẫu", year=2025,
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
        scope_kind=ScopeKind.PROVINCE, opens_at=now, closes_at=now + dt.timedelta(days=9),
    )  # fmt: skip


def _submission(unit: Unit) -> Submission:
    return Submission.objects.create(period=_period(unit), unit=unit, province=_province(unit))


def _evidence(unit: Unit) -> Evidence:
    sub = _submission(unit)
    return Evidence.objects.create(
        submission=sub, unit=unit, province=_province(unit), criterion="X.1",
        file="danh-gia/mau.pdf", original_name="mau.pdf", content_type="application/pdf",
        size=3, sha256="0" * 64,
    )  # fmt: skip


def _lock(unit: Unit) -> LockException:
    sub = _submission(unit)
    return LockException.objects.create(
        period=sub.period, unit=unit, province=_province(unit),
        until=timezone.now() + dt.timedelta(days=1), reason="mẫu",
    )  # fmt: skip


def _snapshot_for(period: Period) -> Snapshot:
    now = timezone.now()
    return Snapshot.objects.create(
        period=period, version=1, framework=period.framework, province=period.province,
        inputs_sha256="0" * 64, published_at=now, published_by_label="system", unit_count=1,
        appeal_until=now + dt.timedelta(days=9),
    )  # fmt: skip


def _snapshot(unit: Unit) -> Snapshot:
    return _snapshot_for(_period(unit))


def _snapshot_unit(unit: Unit) -> SnapshotUnit:
    sub = _submission(unit)
    return SnapshotUnit.objects.create(
        snapshot=_snapshot_for(sub.period), unit=unit, province=_province(unit),
        unit_code=unit.code, unit_name=unit.name, submitted=True, score=0.5, points=500,
        rank=1, inputs={}, nodes={}, explanation=[],
    )  # fmt: skip


def _appeal(unit: Unit) -> Appeal:
    sub = _submission(unit)
    return Appeal.objects.create(
        snapshot=_snapshot_for(sub.period), submission=sub, unit=unit,
        province=_province(unit), criterion="X.1", reason="mẫu", proposed={"v": 1},
    )  # fmt: skip


def _import(unit: Unit) -> ImportJob:
    sub = _submission(unit)
    return ImportJob.objects.create(
        period=sub.period, unit=unit, province=_province(unit), kind="unit",
        file="danh-gia/nhap/mau.xlsx", filename="mau.xlsx", sha256="0" * 64,
    )  # fmt: skip


def _reminder(unit: Unit) -> Reminder:
    sub = _submission(unit)
    return Reminder.objects.create(
        period=sub.period, unit=unit, province=_province(unit), days_before=3
    )


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "assessments.frameworkversion": _framework,
    "assessments.period": _period,
    "assessments.submission": _submission,
    "assessments.evidence": _evidence,
    "assessments.lockexception": _lock,
    "assessments.snapshot": _snapshot,
    "assessments.snapshotunit": _snapshot_unit,
    "assessments.appeal": _appeal,
    "assessments.importjob": _import,
    "assessments.reminder": _reminder,
}
