"""Sample makers for the access matrix (``SCOPED_SAMPLES``) and a published pair of
periods for the results tests, built through the assessments actions."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments import actions
from xaso.assessments.models import Period, ScopeKind, Snapshot
from xaso.assessments.tests.factories import commune_framework, make_period
from xaso.results.models import Analysis, UnitAnalysis
from xaso.units.models import Unit

_seq = itertools.count(1)


@dataclass
class Published:
    """Two published years over the same communes (last year first)."""

    before: Period
    after: Period
    snap_before: Snapshot
    snap_after: Snapshot
    units: list[Unit]
    admin: User


def publish_years(
    province: Unit,
    units: Sequence[Unit],
    levels_before: Sequence[float],
    levels_after: Sequence[float],
    *,
    officer: User,
    verifier: User,
    admin: User,
) -> Published:
    """Publishes a 2024 and a 2025 period; each unit's values move together with its level
    (equal levels give equal scores, i.e. a tie)."""
    framework = commune_framework()
    now = timezone.now()
    before = make_period(province, units, framework=framework, year=2024)
    for sub, level in zip(before.submissions.select_related("unit").order_by("unit__code"),
                          levels_before, strict=True):  # fmt: skip
        _approve_at(sub, level, officer, verifier, admin)
    snap_before = actions.do_publish_period(period=before, actor=admin, now=now)
    after = make_period(province, units, framework=framework, year=2025, previous=before)
    for sub, level in zip(after.submissions.select_related("unit").order_by("unit__code"),
                          levels_after, strict=True):  # fmt: skip
        _approve_at(sub, level, officer, verifier, admin)
    snap_after = actions.do_publish_period(
        period=after, actor=admin, now=now + dt.timedelta(seconds=1)
    )
    return Published(before, after, snap_before, snap_after, list(units), admin)


def _approve_at(sub: object, level: float, officer: User, verifier: User, admin: User) -> None:
    from xaso.assessments.tests.factories import make_ready

    ready = make_ready(sub, officer, level=level)  # type: ignore[arg-type]
    sub2 = actions.do_submit_submission(submission=ready, actor=officer)
    sub2 = actions.do_verify_submission(submission=sub2, actor=verifier)
    actions.do_approve_submission(submission=sub2, actor=admin)


# --- sample makers --------------------------------------------------------------------


def _snapshot(unit: Unit) -> Snapshot:
    province = unit.province or unit
    now = timezone.now()
    n = next(_seq)
    from xaso.assessments.models import FrameworkVersion

    version = FrameworkVersion.objects.create(
        code="mau-kq", version=f"{n}", name_vi="Bộ mẫu", source_text="", sha256=f"{n:064x}",
        province=province,
    )  # fmt: skip
    period = Period.objects.create(
        framework=version, province=province, name="Kỳ mẫu", year=2025,
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
        scope_kind=ScopeKind.PROVINCE, opens_at=now, closes_at=now + dt.timedelta(days=9),
    )  # fmt: skip
    return Snapshot.objects.create(
        period=period, version=1, framework=version, province=province,
        inputs_sha256="0" * 64, published_at=now, published_by_label="system", unit_count=1,
        appeal_until=now + dt.timedelta(days=9),
    )  # fmt: skip


def _analysis(unit: Unit) -> Analysis:
    snapshot = _snapshot(unit)
    return Analysis.objects.create(snapshot=snapshot, province_id=snapshot.province_id)


def _unit_analysis(unit: Unit) -> UnitAnalysis:
    analysis = _analysis(unit)
    return UnitAnalysis.objects.create(
        analysis=analysis, unit=unit, province=unit.province or unit, rank_median=1,
        rank_p05=1, rank_p95=2,
    )  # fmt: skip


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "results.analysis": _analysis,
    "results.unitanalysis": _unit_analysis,
}
