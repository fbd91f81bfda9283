"""Plants the XSS payloads (``xaso.core.testing.xss``) through the real actions into the
free-text fields people write, in Xã Hòa Phú and Tỉnh Đắk Lắk, and names the pages that
show them. Used by ``test_xss.py`` (test client, test database) and ``test_xss_browser.py``
(Chromium against a ``xaso demo`` server, planted by ``python -m xaso.site.tests.xss_plant``).

Fields written: residents' case title, body, address and name; officers' answers,
internal notes, rejection and extension reasons, forwarding agencies; residents' rating
comments; subscribers' names; announcements' title and body; villages and categories;
officials' names and organisations; unit groups' names and descriptions; assessment
periods' names, comments on criteria, evidence number, issuer and summary, reasons for
reopening; programmes' names, goals, funding and lessons; tasks, task updates, KPIs and
their measurements' sources, milestones, sponsor organisations; digital-technology teams,
their members and activity notes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xaso.core.testing.xss import Payload, payloads

PASSWORD = "mat-khau-thu-nghiem-2025"
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class Planted:
    payloads: list[Payload]
    users: dict[str, str] = field(default_factory=dict)  # role → username
    pages: dict[str, list[str]] = field(default_factory=dict)  # role ("anon"…) → paths
    skipped: list[str] = field(default_factory=list)

    def page(self, who: str, path: str) -> None:
        self.pages.setdefault(who, [])
        if path not in self.pages[who]:
            self.pages[who].append(path)

    def as_json(self) -> str:
        return json.dumps({"users": self.users, "pages": self.pages, "skipped": self.skipped})


class Feed:
    """Hands out payloads in turn: one for a short field, many joined for a long one."""

    def __init__(self, items: list[Payload]) -> None:
        self._items = items
        self._cycle: Iterator[Payload] = itertools.cycle(items)

    def one(self, limit: int = 120) -> str:
        for _ in range(len(self._items)):
            p = next(self._cycle)
            if len(p.text) <= limit:
                return p.text
        raise AssertionError("no payload fits")

    def many(self, count: int) -> str:
        return "\n".join(next(self._cycle).text for _ in range(count))

    def chunks(self, size: int) -> Iterator[str]:
        for i in range(0, len(self._items), size):
            yield "\n".join(p.text for p in self._items[i : i + size])

    def everything(self) -> str:
        return "\n".join(p.text for p in self._items)


def _try(planted: Planted, what: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except (ValidationError, PermissionDenied, ValueError) as exc:
        planted.skipped.append(f"{what}: {exc}")
        return None


def plant() -> Planted:
    from django.urls import reverse

    from xaso.accounts.actions import do_create_user
    from xaso.accounts.models import User
    from xaso.assessments import actions as assessments
    from xaso.assessments.models import ScopeKind, Submission
    from xaso.assessments.tests.factories import commune_framework
    from xaso.citizens import actions as citizens
    from xaso.citizens.intake import IntakeRecord
    from xaso.citizens.models import AnnouncementState, Case
    from xaso.programs import actions as programs
    from xaso.programs.models import CommunityTeam
    from xaso.units.actions import do_save_group
    from xaso.units.models import Generation, Unit

    items = payloads()
    planted = Planted(items)
    feed = Feed(items)
    province = Unit.objects.get(generation=Generation.CURRENT, code="66")
    commune = Unit.objects.get(generation=Generation.CURRENT, code="24175")
    today = timezone.localdate()

    # People: their names are shown in every page's header and in lists.
    def person(username: str, role: str, unit: Unit, **extra: Any) -> User:
        found = User.objects.filter(username=username).first()
        if found is not None:
            return found
        return do_create_user(
            username=username, full_name=feed.one(150), organisation=feed.one(150),
            province=province, password=PASSWORD, role=role, units=[unit], actor=None, **extra,
        ).user  # fmt: skip

    officer = person("xss.canbo", "commune_officer", commune)
    admin = person("xss.quantri", "province_admin", province)
    User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    admin.refresh_from_db()
    planted.users = {"officer": officer.username, "admin": admin.username}
    for _ in range(3):
        person(f"xss.nguoi{_}", "commune_officer", commune)
    planted.page("admin", reverse("accounts:users"))
    planted.page("admin", reverse("accounts:user", args=[officer.pk]))

    # Villages and categories: the report form lists them.
    for _ in range(3):
        _try(planted, "village", lambda: citizens.do_save_village(
            unit=commune, name=feed.one(120), actor=None))  # fmt: skip
    for i in range(3):
        _try(planted, "category", lambda i=i: citizens.do_save_category(
            unit=province, code=f"xss-{i}", name=feed.one(120), description=feed.one(300),
            actor=None))  # fmt: skip
    planted.page("anon", reverse("citizens:report", args=[commune.code]))

    # Cases: residents write, officers answer and note, residents rate.
    cases = []
    for n, body in enumerate(feed.chunks(45)):
        record = IntakeRecord(
            channel="counter", unit_id=commune.pk, title=feed.one(200), body=body,
            address=feed.one(300), reporter_name=feed.one(150), phone=f"0912{n:06d}",
            is_public=True,
        )  # fmt: skip
        case = citizens.do_receive_case(record, actor=None).case
        citizens.do_accept_case(case=case, actor=officer)
        _try(planted, "note", lambda c=case: citizens.do_add_note(
            case=c, text=feed.many(40), actor=officer))  # fmt: skip
        answer = "Đã xử lý.\n" + body
        case = Case.objects.get(pk=case.pk)
        citizens.do_answer_case(case=case, answer=answer, actor=officer)
        case = Case.objects.get(pk=case.pk)
        citizens.do_set_public(case=case, public=True, actor=officer)
        _try(planted, "rating", lambda c=case: citizens.do_rate_case(
            case=Case.objects.get(pk=c.pk), rating=4, comment=feed.one(400),
            actor=None))  # fmt: skip
        cases.append(Case.objects.get(pk=case.pk))
    planted.page("anon", reverse("citizens:board", args=[commune.code]))
    planted.page("anon", reverse("citizens:board", args=[province.code]))
    planted.page("anon", reverse("citizens:track", args=[cases[0].token]))
    planted.page("anon", reverse("citizens:track", args=[cases[-1].token]))
    planted.page("anon", reverse("citizens:lookup") + f"?ma={cases[1].code}")
    planted.page("officer", reverse("citizens:queue", args=[commune.code]))
    for case in cases:
        planted.page("officer", reverse("citizens:case", args=[case.pk]))
    rejected = citizens.do_receive_case(IntakeRecord(
        channel="counter", unit_id=commune.pk, title=feed.one(200), body=feed.many(20),
        phone="0912999000"), actor=None).case  # fmt: skip
    _try(planted, "reject", lambda: citizens.do_reject_case(
        case=rejected, reason=feed.one(500), actor=officer))  # fmt: skip
    planted.page("officer", reverse("citizens:case", args=[rejected.pk]))
    forwarded = citizens.do_receive_case(IntakeRecord(
        channel="counter", unit_id=commune.pk, title=feed.one(200), body=feed.many(20),
        phone="0912999001"), actor=None).case  # fmt: skip
    _try(planted, "extend", lambda: citizens.do_extend_deadline(
        case=forwarded, reason=feed.one(400), actor=officer))  # fmt: skip
    _try(planted, "forward", lambda: citizens.do_forward_case(
        case=Case.objects.get(pk=forwarded.pk), agency=feed.one(120), note=feed.many(5),
        actor=officer))  # fmt: skip
    planted.page("officer", reverse("citizens:case", args=[forwarded.pk]))

    # Residents subscribing to announcements: officers see their names.
    for n in range(3):
        _try(planted, "subscribe", lambda n=n: citizens.do_subscribe_web(
            unit=commune, name=feed.one(150), phone=f"09130{n:05d}", village=None,
            topics="nong-nghiep"))  # fmt: skip
    planted.page("officer", reverse("citizens:contacts", args=[commune.code]))

    # Announcements.
    for body in feed.chunks(70):
        item = citizens.do_create_announcement(
            unit=commune, title=feed.one(200), body=body, channels=["web"], actor=officer
        )
        item = citizens.do_submit_announcement(announcement=item, actor=officer)
        if item.state == AnnouncementState.PENDING:
            item = citizens.do_approve_announcement(announcement=item, actor=admin)
        if item.published_at is None:
            citizens.do_dispatch_due(now=timezone.now() + dt.timedelta(minutes=1))
        planted.page("anon", reverse("citizens:announcement", args=[item.pk]))
        planted.page("officer", reverse("citizens:announcement_detail", args=[item.pk]))
    planted.page("anon", reverse("citizens:announcements", args=[commune.code]))
    planted.page("officer", reverse("citizens:announcement_list", args=[commune.code]))

    # Unit groups: public pages.
    for i in range(3):
        group = do_save_group(slug=f"nhom-xss-{i}", name=feed.one(200),
                              description=feed.everything() if i == 0 else feed.many(30),
                              province=province, members=[commune], actor=admin)  # fmt: skip
        planted.page("anon", reverse("units:group", args=[group.slug]))
    planted.page("anon", reverse("units:groups"))
    planted.page("admin", reverse("accounts:groups"))

    # Assessment: a period, comments on criteria, evidence descriptions.
    framework = commune_framework()
    now = timezone.now()
    period = assessments.do_create_period(
        framework=framework, province=province, name=feed.one(200), year=today.year,
        starts_on=dt.date(today.year, 1, 1), ends_on=dt.date(today.year, 12, 31),
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30),
        scope_kind=ScopeKind.GROUP, scope_group=group, actor=admin,
    )  # fmt: skip
    submission = Submission.objects.get(period=period, unit=commune)
    from xaso.assessments import queries as assessment_queries

    leaves = [leaf.code for leaf in assessment_queries.framework_of(period).leaves]
    comments = {code: feed.many(3) for code in leaves}
    assessments.do_save_values(submission=submission, values={}, comments=comments,
                               actor=officer)  # fmt: skip
    for i, code in enumerate(leaves[:4]):
        _try(planted, "evidence", lambda i=i, code=code: assessments.do_upload_evidence(
            submission=submission, criterion=code, name=f"quyet-dinh-{i}.pdf",
            data=MINIMAL_PDF + f"{period.pk}-{i}".encode(), doc_number=feed.one(80),
            doc_issuer=feed.one(200), doc_summary=feed.one(500), actor=officer))  # fmt: skip
    _try(planted, "lock exception", lambda: assessments.do_grant_lock_exception(
        period=period, unit=commune, until=now + dt.timedelta(days=3), reason=feed.one(500),
        actor=admin))  # fmt: skip
    planted.page("officer", reverse("assessments:submission", args=[submission.pk]))
    planted.page("officer", reverse("assessments:home"))
    planted.page("admin", reverse("assessments:period", args=[period.pk]))

    # Programmes: names, goals, tasks, KPIs, milestones, the community team.
    programme = programs.do_create_programme(
        province=province, name=feed.one(250), starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=300), description=feed.everything(),
        funding=feed.one(250), actor=admin,
    )  # fmt: skip
    programs.do_update_programme(programme, lessons=feed.many(40), actor=admin)
    participant = programs.do_add_participants(programme, units=[commune], actor=admin)[0]
    for _ in range(3):
        task = programs.do_add_task(
            participant, title=feed.one(300), owner_kind="commune", starts_on=today,
            due_on=today + dt.timedelta(days=60), description=feed.many(40), actor=officer,
        )  # fmt: skip
        _try(planted, "task update", lambda t=task: programs.do_update_task(
            t, status="in_progress", progress=20, note=feed.many(5), actor=officer))  # fmt: skip
    planted.page("officer", reverse("programs:task", args=[task.pk]))
    for _ in range(3):
        kpi = _try(planted, "kpi", lambda: programs.do_add_kpi(
            participant, name=feed.one(250), baseline=10, baseline_on=today,
            baseline_source=feed.one(250), target=60, target_on=today + dt.timedelta(days=200),
            actor=officer))  # fmt: skip
        _try(planted, "measurement", lambda k=kpi: programs.do_record_measurement(
            k, value=30, measured_on=today, source=feed.one(250), actor=officer))  # fmt: skip
    _try(planted, "sponsor", lambda: programs.do_save_sponsor_organisation(
        province=province, name=feed.one(200), kind="enterprise", actor=admin))  # fmt: skip
    _try(planted, "milestone", lambda: programs.do_add_milestone(
        programme, title=feed.one(250), due_on=today + dt.timedelta(days=30),
        actor=admin))  # fmt: skip
    planted.page("admin", reverse("programs:list"))
    planted.page("admin", reverse("programs:overview", args=[programme.pk]))
    planted.page("officer", reverse("programs:commune", args=[participant.pk]))
    # One team per commune: the demo's Hòa Phú has one already, a test database not.
    team = CommunityTeam.objects.filter(unit=commune).first() or _try(
        planted, "team", lambda: programs.do_register_team(
            unit=commune, name=feed.one(200), established_on=today, actor=officer))  # fmt: skip
    if team is not None:
        for _ in range(3):
            member = _try(planted, "member", lambda: programs.do_add_team_member(
                team, full_name=feed.one(150), role="member", affiliation=feed.one(150),
                actor=officer))  # fmt: skip
        _try(planted, "activity", lambda: programs.do_log_activity(
            team, kind="session", count=1, happened_on=today, member=member,
            note=feed.one(300), actor=officer))  # fmt: skip
        planted.page("officer", reverse("programs:team", args=[team.pk]))
    planted.page("officer", reverse("programs:teams"))
    return planted


if __name__ == "__main__":  # python -m xaso.site.tests.xss_plant (with XASO_DATA_DIR set)
    import django

    django.setup()
    from django.db import transaction

    with transaction.atomic():
        result = plant()
    sys.stdout.write(result.as_json() + "\n")
