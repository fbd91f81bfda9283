"""Demo assessments for the seed pilot communes: a published 2024 period and an open 2025
period for each pilot group, filled through the same actions as real work. Values are
plausible, seeded per unit and year, with the figures the seeds report where they exist
(seed 004: Sông Cầu — now Phường Bắc Kạn — online fee payment 0,1 % → 10,7 %, Quang
Thuận 2,0 % → 8,3 %, full-process online dossiers 91 % at Sông Cầu and 99 % at Đức Vân —
now Xã Ngân Sơn). Everything is marked as demo data. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments import actions, queries
from xaso.assessments.cells import kind_of
from xaso.assessments.models import FrameworkVersion, Period, ScopeKind, Status, Submission
from xaso.index.model import InputKind
from xaso.units import demo as units_demo
from xaso.units.models import Unit, UnitGroup

FRAMEWORK_FILE = Path(__file__).resolve().parents[2] / "frameworks" / "commune-dx.yaml"
DAK_LAK, BAC_KAN = "thi-diem-cds-2022-dak-lak", "thi-diem-cds-2023-bac-kan"
# A one-page PDF standing in for a scanned decision.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
)

# (legacy district, legacy commune) → {year: {criterion: (value, comment)}}
SEED_FIGURES: dict[tuple[str, str], dict[int, dict[str, tuple[float, str]]]] = {
    ("Bắc Kạn", "Sông Cầu"): {
        2024: {
            "CQ.07": (10.7, "Tăng từ 0,1 % (2023) lên 10,7 %: báo cáo kết quả thí điểm CĐS của "
                            "tỉnh Bắc Kạn (số liệu demo theo bài báo)."),
            "CQ.06": (91.0, "Tỷ lệ hồ sơ phát sinh trực tuyến của DVCTT toàn trình đạt 91 %."),
        },
        2025: {"CQ.07": (14.2, ""), "CQ.06": (93.0, "")},
    },
    ("Bạch Thông", "Quang Thuận"): {
        2024: {"CQ.07": (8.3, "Tăng từ 2,0 % (2023) lên 8,3 % (số liệu demo theo bài báo).")},
    },
    ("Ngân Sơn", "Đức Vân"): {
        2024: {"CQ.06": (99.0, "Tỷ lệ hồ sơ phát sinh trực tuyến của DVCTT toàn trình đạt 99 %.")},
        2025: {"CQ.06": (99.0, "")},
    },
}  # fmt: skip


def _seeded(unit: Unit, year: int, framework: Any, *, lift: float) -> dict[str, Any]:
    """Plausible raw values for every criterion of one unit and year."""
    rng = random.Random(f"{unit.code}-{year}")
    base = min(0.95, 0.45 + lift + rng.uniform(-0.1, 0.15))
    out: dict[str, Any] = {}
    for leaf in framework.leaves:
        level = min(1.0, max(0.05, base + rng.uniform(-0.2, 0.2)))
        kind = kind_of(leaf)
        if kind is InputKind.RATIO:
            den = rng.choice([8, 10, 12, 15, 20, 24, 35, 120])
            out[leaf.code] = (str(round(den * level)), str(den))
        elif kind is InputKind.CHOICE:
            codes = [c for c, _ in leaf.rule.options] if leaf.rule else []
            out[leaf.code] = (codes[min(len(codes) - 1, int((1 - level) * len(codes)))], None)
        elif kind is InputKind.BOOLEAN:
            out[leaf.code] = ("có" if level > 0.4 else "không", None)
        elif kind is InputKind.COUNT:
            out[leaf.code] = (str(round(6 * level)), None)
        else:
            out[leaf.code] = (f"{100 * level * 0.9:.1f}".replace(".", ","), None)
    return out


def _figures(group: UnitGroup, year: int) -> dict[int, dict[str, tuple[float, str]]]:
    """Seed figures keyed by today's unit id."""
    out: dict[int, dict[str, tuple[float, str]]] = {}
    province = {DAK_LAK: "Đắk Lắk", BAC_KAN: "Bắc Kạn"}[group.slug]
    for (district, commune), years in SEED_FIGURES.items():
        if year not in years:
            continue
        try:
            legacy = units_demo.legacy_commune(province, district, commune)
        except LookupError:
            continue
        out[units_demo.main_successor(legacy).pk] = years[year]
    return out


def _fill(
    sub: Submission, framework: Any, figures: dict[str, tuple[float, str]], *, lift: float,
    actor: User | None, now: dt.datetime, share: float = 1.0,
) -> Submission:  # fmt: skip
    raw = _seeded(sub.unit, sub.period.year, framework, lift=lift)
    for code, (value, _) in figures.items():
        raw[code] = (f"{value:g}".replace(".", ","), None)
    keep = list(raw)[: max(1, round(len(raw) * share))]
    comments = {code: note for code, (_, note) in figures.items() if note}
    actions.do_save_values(
        submission=sub, values={k: raw[k] for k in keep}, comments=comments, actor=actor, now=now
    )
    return Submission.objects.get(pk=sub.pk)


def _complete(sub: Submission, actor: User | None, now: dt.datetime) -> Submission:
    """Evidence where a claim needs it and a comment on every warning, as an officer would."""
    check = queries.check_submission(sub)
    for finding in check.hard:
        if finding.kind == "evidence":
            actions.do_upload_evidence(
                submission=sub, criterion=finding.code,
                name=f"quyet-dinh-{finding.code}.pdf",
                data=DEMO_PDF + f"{sub.unit.code}-{finding.code}-{sub.period.year}\n".encode()
                + b"%%EOF\n",
                doc_number=f"{10 + len(finding.code)}/QĐ-UBND", doc_date=f"15/03/{sub.period.year}",
                doc_issuer=f"UBND {sub.unit.name}", doc_summary="Tài liệu minh chứng (demo)",
                actor=actor, now=now,
            )  # fmt: skip
    check = queries.check_submission(Submission.objects.get(pk=sub.pk))
    comments = {
        f.code: sub.comments.get(f.code) or "Đã rà soát, số liệu đúng (demo)." for f in check.soft
    }
    if comments:
        actions.do_save_values(submission=sub, values={}, comments=comments, actor=actor, now=now)
    return Submission.objects.get(pk=sub.pk)


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _period(
    framework: FrameworkVersion, group: UnitGroup, year: int, opens: dt.datetime,
    closes: dt.datetime, previous: Period | None,
) -> tuple[Period, bool]:  # fmt: skip
    found = Period.objects.filter(scope_group=group, year=year, is_demo=True).first()
    if found is not None:
        return found, False
    assert group.province is not None
    return actions.do_create_period(
        framework=framework, province=group.province,
        name=f"Đánh giá CĐS cấp xã năm {year} — {group.name}", year=year,
        starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31), opens_at=opens,
        closes_at=closes, scope_kind=ScopeKind.GROUP, scope_group=group, previous=previous,
        appeal_days=15, is_demo=True, actor=None,
    ), True  # fmt: skip


def load_demo_assessments(say: Callable[[str], None]) -> None:
    framework = actions.do_import_framework(text=FRAMEWORK_FILE.read_text(), actor=None).version
    tz = timezone.get_current_timezone()
    now = timezone.now()
    for slug in (DAK_LAK, BAC_KAN):
        group = UnitGroup.objects.select_related("province").filter(slug=slug).first()
        if group is None:
            continue
        verifier = _user("thamdinh.daklak" if slug == DAK_LAK else "admin.thainguyen")
        admin = _user("admin.daklak" if slug == DAK_LAK else "admin.thainguyen")
        opens = dt.datetime(2024, 12, 1, 7, 30, tzinfo=tz)
        closes = dt.datetime(2025, 1, 15, 17, 0, tzinfo=tz)
        p2024, created = _period(framework, group, 2024, opens, closes, None)
        if created:
            during = closes - dt.timedelta(days=5)
            figures = _figures(group, 2024)
            for sub in p2024.submissions.select_related("unit").order_by("unit__code"):
                filled = _fill(sub, queries.framework_of(p2024), figures.get(sub.unit_id, {}),
                               lift=0.0, actor=None, now=during)  # fmt: skip
                filled = _complete(filled, None, during)
                actions.do_submit_submission(submission=filled, actor=None, now=during)
                actions.do_verify_submission(submission=filled, actor=verifier)
                actions.do_approve_submission(submission=filled, actor=admin)
            actions.do_publish_period(
                period=p2024, actor=admin, now=dt.datetime(2025, 2, 3, 9, 0, tzinfo=tz)
            )
            say(f"Đánh giá demo: “{p2024.name}” đã công bố (phiên bản 1).")
        p2025, created = _period(
            framework, group, 2025, now - dt.timedelta(days=10), now + dt.timedelta(days=20), p2024
        )
        if not created:
            continue
        figures = _figures(group, 2025)
        subs = list(p2025.submissions.select_related("unit").order_by("unit__code"))
        for index, sub in enumerate(subs):
            lift = 0.12
            unit_figures = figures.get(sub.unit_id, {})
            if sub.unit.name == "Xã Hòa Phú" or index % 3 == 2:
                # Left half-done: the officer finishes it in the demo.
                fw = queries.framework_of(p2025)
                _fill(sub, fw, unit_figures, lift=lift, actor=None, now=now, share=0.6)
                continue
            filled = _complete(
                _fill(
                    sub, queries.framework_of(p2025), unit_figures, lift=lift, actor=None, now=now
                ),
                None,
                now,
            )
            submitted = actions.do_submit_submission(submission=filled, actor=None, now=now)
            if index % 3 == 1 and slug == BAC_KAN:
                actions.do_verify_submission(submission=submitted, actor=verifier)
        say(
            f"Đánh giá demo: “{p2025.name}” đang mở, hạn nộp "
            f"{timezone.localtime(p2025.closes_at):%d/%m/%Y}; "
            f"{p2025.submissions.filter(status=Status.SUBMITTED).count()} hồ sơ chờ thẩm định."
        )
