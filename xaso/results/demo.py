"""Demo results: a published 2023 round for each pilot group (before the 2024 round the
assessments demo publishes), so scorecards show a change since last period and why, and
dashboards a trend; then the rank bands of every published demo snapshot. Everything
goes through the assessments actions, as real work would, and is marked as demo data.
Values are seeded per unit and year. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments import actions as assessment_actions
from xaso.assessments import queries as assessment_queries
from xaso.assessments.cells import kind_of
from xaso.assessments.models import Period, ScopeKind, Snapshot, Submission
from xaso.index import Framework
from xaso.index.model import InputKind
from xaso.results.actions import do_analyse_snapshot
from xaso.units.models import UnitGroup

FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "commune-dx.yaml"
YEAR = 2023
# (group slug, verifier, administrator) — the people the assessments demo also uses.
GROUPS = (
    ("thi-diem-cds-2022-dak-lak", "thamdinh.daklak", "admin.daklak"),
    ("thi-diem-cds-2023-bac-kan", "admin.thainguyen", "admin.thainguyen"),
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
)


def _raw(framework: Framework, seed: str) -> dict[str, tuple[object, object]]:
    """Plausible typed values a year before: a little lower than the 2024 demo's."""
    rng = random.Random(seed)
    base = min(0.9, 0.35 + rng.uniform(-0.1, 0.2))
    out: dict[str, tuple[object, object]] = {}
    for leaf in framework.leaves:
        level = min(1.0, max(0.05, base + rng.uniform(-0.25, 0.25)))
        kind = kind_of(leaf)
        if kind is InputKind.RATIO:
            den = rng.choice([8, 10, 12, 20, 24])
            out[leaf.code] = (str(round(den * level)), str(den))
        elif kind is InputKind.CHOICE:
            codes = [c for c, _ in leaf.rule.options] if leaf.rule else []
            out[leaf.code] = (codes[min(len(codes) - 1, int((1 - level) * len(codes)))], None)
        elif kind is InputKind.BOOLEAN:
            out[leaf.code] = ("có" if level > 0.45 else "không", None)
        elif kind is InputKind.COUNT:
            out[leaf.code] = (str(round(6 * level)), None)
        else:
            out[leaf.code] = (f"{90 * level:.1f}".replace(".", ","), None)
    return out


def _ready(sub: Submission, framework: Framework, when: dt.datetime) -> Submission:
    assessment_actions.do_save_values(
        submission=sub, values=_raw(framework, f"{sub.unit.code}-{YEAR}"), actor=None, now=when
    )
    sub = Submission.objects.get(pk=sub.pk)
    for finding in assessment_queries.check_submission(sub).hard:
        if finding.kind == "evidence":
            assessment_actions.do_upload_evidence(
                submission=sub,
                criterion=finding.code,
                name=f"minh-chung-{finding.code}.pdf",
                data=PDF + f"{sub.unit.code}-{finding.code}-{YEAR}\n%%EOF\n".encode(),
                doc_number=f"{len(finding.code)}/QĐ-UBND",
                doc_date=f"10/03/{YEAR}",
                doc_issuer=f"UBND {sub.unit.name}",
                doc_summary="Tài liệu minh chứng (demo)",
                actor=None,
                now=when,
            )
    sub = Submission.objects.get(pk=sub.pk)
    soft = assessment_queries.check_submission(sub).soft
    if soft:
        comments = {f.code: "Đã rà soát, số liệu đúng (demo)." for f in soft}
        assessment_actions.do_save_values(
            submission=sub, values={}, comments=comments, actor=None, now=when
        )
    return Submission.objects.get(pk=sub.pk)


def _publish_year(group: UnitGroup, verifier: User | None, admin: User | None) -> Period | None:
    framework = assessment_actions.do_import_framework(
        text=FRAMEWORK_FILE.read_text(), actor=None
    ).version
    if Period.objects.filter(scope_group=group, year=YEAR, is_demo=True).exists():
        return None
    assert group.province is not None
    tz = timezone.get_current_timezone()
    closes = dt.datetime(YEAR + 1, 1, 15, 17, 0, tzinfo=tz)
    period = assessment_actions.do_create_period(
        framework=framework,
        province=group.province,
        name=f"Đánh giá CĐS cấp xã năm {YEAR} — {group.name}",
        year=YEAR,
        starts_on=dt.date(YEAR, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
        opens_at=dt.datetime(YEAR, 12, 1, 7, 30, tzinfo=tz),
        closes_at=closes,
        scope_kind=ScopeKind.GROUP,
        scope_group=group,
        appeal_days=15,
        is_demo=True,
        actor=None,
    )
    engine = assessment_queries.framework_of(period)
    for index, sub in enumerate(period.submissions.select_related("unit").order_by("unit__code")):
        when = closes - dt.timedelta(days=2 + index)
        sub = _ready(sub, engine, when)
        sub = assessment_actions.do_submit_submission(submission=sub, actor=None, now=when)
        sub = assessment_actions.do_verify_submission(submission=sub, actor=verifier)
        assessment_actions.do_approve_submission(submission=sub, actor=admin)
    assessment_actions.do_publish_period(
        period=period, actor=admin, now=dt.datetime(YEAR + 1, 2, 5, 9, 0, tzinfo=tz)
    )
    return period


def load_demo_results(say: Callable[[str], None]) -> None:
    for slug, verifier_name, admin_name in GROUPS:
        group = UnitGroup.objects.select_related("province").filter(slug=slug).first()
        if group is None:
            continue
        verifier = User.objects.filter(username=verifier_name).first()
        admin = User.objects.filter(username=admin_name).first()
        period = _publish_year(group, verifier, admin)
        if period is not None:
            say(f"Kết quả demo: “{period.name}” đã công bố (để so sánh với năm sau).")
    analysed = 0
    for snapshot in Snapshot.objects.filter(is_demo=True).select_related("period", "framework"):
        if do_analyse_snapshot(snapshot=snapshot, actor=None).state == "done":
            analysed += 1
    say(f"Kết quả demo: khoảng hạng 5–95 % đã tính cho {analysed} kết quả công bố.")
