"""The demo at the scale of a whole province (``xaso demo --scale province``): every
commune of the demo province (Đắk Lắk, 66) gets a commune officer, the province twenty
verifiers, and two province-wide assessment periods — 2024 published (every commune
filled, verified, approved; rank bands computed) and 2025 on its last day before the
deadline (a third submitted and waiting for the verifiers, the rest half-filled).

This is the data the load test (``benchmarks/loadtest/``) runs against. Everything goes
through the actions, as the pilot demo does, and is marked as demo data; running it twice
adds nothing. Accounts: ``canbo.<commune code>`` and ``thamdinh.01``…``thamdinh.20``, with
the demo password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from xaso.accounts.actions import do_create_user
from xaso.accounts.demo import DEMO_PASSWORD
from xaso.accounts.models import Role, User
from xaso.assessments import actions as assessment_actions
from xaso.assessments import demo as assessments_demo
from xaso.assessments import queries as assessment_queries
from xaso.assessments.models import Period, ScopeKind, Submission
from xaso.results.actions import do_analyse_snapshot
from xaso.units.models import Generation, Level, Unit

PROVINCE_CODE = "66"
VERIFIERS = 20


def officer_username(commune: Unit) -> str:
    return f"canbo.{commune.code}"


def verifier_username(n: int) -> str:
    return f"thamdinh.{n:02d}"


def _account(username: str, full_name: str, role: str, unit: Unit, province: Unit) -> User:
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return do_create_user(
        username=username, full_name=full_name, province=province, password=DEMO_PASSWORD,
        role=role, units=[unit], actor=None,
    ).user  # fmt: skip


def _period(province: Unit, year: int, **kwargs: object) -> tuple[Period, bool]:
    found = Period.objects.filter(
        province=province, year=year, scope_kind=ScopeKind.PROVINCE, is_demo=True
    ).first()
    if found is not None:
        return found, False
    framework = assessment_actions.do_import_framework(
        text=assessments_demo.FRAMEWORK_FILE.read_text(), actor=None
    ).version
    period = assessment_actions.do_create_period(
        framework=framework, province=province, year=year, scope_kind=ScopeKind.PROVINCE,
        name=f"Đánh giá CĐS cấp xã năm {year} — toàn tỉnh {province.short_name}",
        starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31), appeal_days=15,
        is_demo=True, actor=None, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip
    return period, True


def _complete(sub: Submission, now: dt.datetime) -> Submission:
    """As the pilot demo's officers do (evidence where a claim needs it, a comment on each
    warning) — but each commune numbers its own decisions, as real ones do, so the
    evidence-reuse check sees the few collisions a province has, not one per commune."""
    check = assessment_queries.check_submission(sub)
    for n, finding in enumerate(f for f in check.hard if f.kind == "evidence"):
        number = (int(sub.unit.code) * 7 + n * 13 + sub.period.year) % 397 + 1
        assessment_actions.do_upload_evidence(
            submission=sub, criterion=finding.code, name=f"quyet-dinh-{finding.code}.pdf",
            data=assessments_demo.DEMO_PDF
            + f"{sub.unit.code}-{finding.code}-{sub.period.year}\n%%EOF\n".encode(),
            doc_number=f"{number}/QĐ-UBND", doc_date=f"15/03/{sub.period.year}",
            doc_issuer=f"UBND {sub.unit.name}", doc_summary="Tài liệu minh chứng (demo)",
            actor=None, now=now,
        )  # fmt: skip
    sub = Submission.objects.get(pk=sub.pk)
    soft = assessment_queries.check_submission(sub).soft
    if soft:
        comments = {f.code: "Đã rà soát, số liệu đúng (demo)." for f in soft}
        assessment_actions.do_save_values(
            submission=sub, values={}, comments=comments, actor=None, now=now
        )
    return Submission.objects.get(pk=sub.pk)


def _ready(sub: Submission, *, lift: float, now: dt.datetime, share: float = 1.0) -> Submission:
    framework = assessment_queries.framework_of(sub.period)
    filled = assessments_demo._fill(sub, framework, {}, lift=lift, actor=None, now=now, share=share)
    return filled if share < 1.0 else _complete(filled, now)


def load_province_scale(say: Callable[[str], None], *, province_code: str = PROVINCE_CODE) -> int:
    """Returns the number of communes; see the module's docstring."""
    province = Unit.objects.get(
        generation=Generation.CURRENT, level=Level.PROVINCE, code=province_code
    )
    communes = list(
        Unit.objects.filter(
            generation=Generation.CURRENT, level=Level.COMMUNE, province=province
        ).order_by("code")
    )
    for commune in communes:
        _account(officer_username(commune), f"Cán bộ {commune.name}", Role.COMMUNE_OFFICER,
                 commune, province)  # fmt: skip
    verifiers = [
        _account(verifier_username(n), f"Cán bộ thẩm định {n}", Role.VERIFIER, province, province)
        for n in range(1, VERIFIERS + 1)
    ]
    admin = User.objects.filter(username="admin.daklak").first()
    tz = timezone.get_current_timezone()
    closes = dt.datetime(2025, 1, 15, 17, 0, tzinfo=tz)
    p2024, created = _period(
        province, 2024, opens_at=dt.datetime(2024, 12, 1, 7, 30, tzinfo=tz), closes_at=closes
    )
    if created:
        during = closes - dt.timedelta(days=5)
        subs = p2024.submissions.select_related("unit", "period").order_by("unit__code")
        for index, sub in enumerate(subs):
            ready = _ready(sub, lift=0.0, now=during)
            done = assessment_actions.do_submit_submission(submission=ready, actor=None, now=during)
            checker = verifiers[index % len(verifiers)]
            done = assessment_actions.do_verify_submission(submission=done, actor=checker)
            assessment_actions.do_approve_submission(submission=done, actor=admin)
        snapshot = assessment_actions.do_publish_period(
            period=p2024, actor=admin, now=dt.datetime(2025, 2, 3, 9, 0, tzinfo=tz)
        )
        do_analyse_snapshot(snapshot=snapshot, actor=None)
        say(f"Toàn tỉnh: “{p2024.name}” đã công bố ({len(communes)} xã, phường).")
    now = timezone.now()
    p2025, created = _period(
        province, 2025, opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=1), previous=p2024,
    )  # fmt: skip
    if created:
        subs = p2025.submissions.select_related("unit", "period").order_by("unit__code")
        for index, sub in enumerate(subs):
            if index % 3:
                _ready(sub, lift=0.1, now=now, share=0.6)  # half-filled: the officer is on it
                continue
            ready = _ready(sub, lift=0.1, now=now)
            assessment_actions.do_submit_submission(submission=ready, actor=None, now=now)
        say(
            f"Toàn tỉnh: “{p2025.name}” hết hạn ngày mai; "
            f"{len(communes)} cán bộ xã canbo.<mã xã>, {VERIFIERS} cán bộ thẩm định "
            f"thamdinh.01…{VERIFIERS:02d} (mật khẩu {DEMO_PASSWORD})."
        )
    return len(communes)
