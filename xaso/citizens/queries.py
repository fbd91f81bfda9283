"""Reads of the residents' channel. Every read that takes a viewer goes through
``xaso.accounts.queries.scope``; public reads (board, feeds, Open311 GET) show only
public cases with personal data masked. The statistics at the end are what higher layers
feed to the index ("channel to residents" criteria).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xaso.accounts.models import User
from xaso.accounts.queries import Viewer, access_or_404, active_user, may_in_unit, scope
from xaso.citizens.clocks import VN_TZ
from xaso.citizens.models import (
    DONE_STATES,
    OPEN_STATES,
    Announcement,
    AnnouncementState,
    ApiKey,
    AudioClip,
    Case,
    CaseEvent,
    Category,
    CommuneSettings,
    Contact,
    EventKind,
    Gateway,
    LegalClass,
    Lexicon,
    OutboxMessage,
    OutboxState,
    SpeakerCluster,
    State,
    Village,
)
from xaso.citizens.textual import degrees_box, distance_m, mask_text, similarity, tokens
from xaso.core.models import AuditEntry
from xaso.core.personal import mask_phone
from xaso.units.models import Generation, Level, Unit

FAMILY_CASES = "citizens_cases"
FAMILY_CONTACTS = "citizens_contacts"
FAMILY_PUBLIC = "citizens_public"
DUPLICATE_RADIUS_M = 300.0
DUPLICATE_MIN_SIMILARITY = 0.5
DUPLICATE_WINDOW_DAYS = 60
QUEUE_PAGE = 50


# --- units and configuration -------------------------------------------------------------


def current_commune(code: str) -> Unit:
    unit = (
        Unit.objects.filter(generation=Generation.CURRENT, level=Level.COMMUNE, code=code)
        .select_related("province")
        .first()
    )
    if unit is None:
        raise Http404("Không có xã/phường nào mang mã này.")
    return unit


def current_unit(code: str) -> Unit:
    unit = (
        Unit.objects.filter(generation=Generation.CURRENT, code=code)
        .exclude(level=Level.DISTRICT)
        .select_related("province")
        .first()
    )
    if unit is None:
        raise Http404("Không có đơn vị nào mang mã này.")
    return unit


def province_of(unit: Unit) -> Unit:
    if unit.level == Level.PROVINCE:
        return unit
    assert unit.province is not None
    return unit.province


def settings_for(unit_id: int) -> CommuneSettings:
    found = CommuneSettings.objects.filter(unit_id=unit_id).first()
    return found or CommuneSettings(unit_id=unit_id)


def categories_for(unit: Unit) -> QuerySet[Category]:
    """The categories a commune's residents can pick: the province's and its own."""
    units = [unit.pk] + ([unit.province_id] if unit.province_id else [])
    return Category.objects.filter(unit_id__in=units, active=True).order_by("name")


def category_by_code(unit: Unit, code: str) -> Category | None:
    if not code:
        return None
    return categories_for(unit).filter(code=code).first()


def villages_of(unit_id: int) -> QuerySet[Village]:
    return Village.objects.filter(unit_id=unit_id).order_by("name")


def officer_units(viewer: Viewer) -> list[Unit]:
    """Current communes whose cases this person may handle (for their menus)."""
    ids = scope(
        Unit.objects.filter(generation=Generation.CURRENT, level=Level.COMMUNE),
        viewer,
        action="edit",
        unit_field="id",
        family=FAMILY_CASES,
    )
    return list(ids.order_by("name")[:200])


def officers_of(unit_id: int) -> QuerySet[User]:
    return (
        User.objects.filter(
            role_assignments__unit_id=unit_id,
            role_assignments__role="commune_officer",
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


def api_key_unit(raw_key: str) -> ApiKey | None:
    import hashlib

    if not raw_key:
        return None
    digest = hashlib.sha256(raw_key.encode()).hexdigest()
    return ApiKey.objects.filter(key_hash=digest, active=True).select_related("unit").first()


def gateway_named(name: str) -> Gateway | None:
    return Gateway.objects.filter(name=name, active=True).select_related("unit").first()


# --- the officer's queue -------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    state: str = "open"
    legal_class: str = ""
    category: int | None = None
    assigned_to_me: bool = False
    overdue: bool = False
    query: str = ""


def cases_for(viewer: Viewer, *, action: str = "list") -> QuerySet[Case]:
    return scope(Case.objects.all(), viewer, action=action, family=FAMILY_CASES)


def queue(viewer: Viewer, unit_id: int, f: QueueFilter, now: dt.datetime) -> QuerySet[Case]:
    """The officer's queue for one commune, soonest deadline first."""
    if not may_in_unit(viewer, "list", unit_id, family=FAMILY_CASES):
        raise Http404("Không tìm thấy.")
    qs = Case.objects.filter(unit_id=unit_id)
    if f.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif f.state:
        qs = qs.filter(state=f.state)
    if f.legal_class:
        qs = qs.filter(legal_class=f.legal_class)
    if f.category:
        qs = qs.filter(category_id=f.category)
    user = active_user(viewer)
    if f.assigned_to_me and user is not None:
        qs = qs.filter(assigned_to=user)
    if f.overdue:
        qs = qs.filter(state__in=OPEN_STATES, resolve_due__lt=now)
    if f.query:
        from xaso.core.text import fold

        for word in fold(f.query).split()[:6]:
            qs = qs.filter(search_text__contains=word)
    return (
        qs.select_related("category", "village", "assigned_to")
        .only(
            "pk",
            "code",
            "title",
            "state",
            "legal_class",
            "channel",
            "received_at",
            "accept_due",
            "resolve_due",
            "unit_id",
            "category__name",
            "village__name",
            "assigned_to__full_name",
            "assigned_to__username",
            "is_public",
        )
        .order_by(F("resolve_due").asc(nulls_last=True), "pk")
    )


def state_counts(viewer: Viewer, unit_id: int, now: dt.datetime) -> dict[str, int]:
    if not may_in_unit(viewer, "list", unit_id, family=FAMILY_CASES):
        raise Http404("Không tìm thấy.")
    rows = Case.objects.filter(unit_id=unit_id).values("state").annotate(n=Count("pk"))
    counts = {r["state"]: r["n"] for r in rows}
    counts["open"] = sum(counts.get(s, 0) for s in OPEN_STATES)
    counts["overdue"] = Case.objects.filter(
        unit_id=unit_id, state__in=OPEN_STATES, resolve_due__lt=now
    ).count()
    return counts


def access_case_or_404(viewer: Viewer, case_id: object, *, action: str = "view") -> Case:
    qs = Case.objects.select_related(
        "unit",
        "province",
        "category",
        "suggested_category",
        "village",
        "assigned_to",
        "duplicate_of",
    )
    return access_or_404(viewer, qs, case_id, action=action)


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "pk")


@dataclass(frozen=True)
class Reporter:
    """The reporter as this viewer may see them."""

    name: str
    phone: str
    zalo: str
    email: str
    hidden: bool
    may_reveal: bool


def may_see_denouncer(viewer: Viewer, case: Case) -> bool:
    """Only the officer the denunciation is assigned to (Law on Denunciations 2018, art. 47:
    the denouncer's identity is protected)."""
    user = active_user(viewer)
    return user is not None and case.assigned_to_id == user.pk


def reporter_for(viewer: Viewer, case: Case, *, revealed: bool = False) -> Reporter:
    if case.is_denunciation and not (revealed and may_see_denouncer(viewer, case)):
        return Reporter("", "", "", "", hidden=True, may_reveal=may_see_denouncer(viewer, case))
    if case.is_denunciation or may_in_unit(viewer, "edit", case.unit_id, family=FAMILY_CASES):
        return Reporter(
            case.reporter_name,
            case.reporter_phone,
            case.reporter_zalo,
            case.reporter_email,
            hidden=False,
            may_reveal=False,
        )
    return Reporter(
        case.reporter_name[:1] + "…" if case.reporter_name else "",
        mask_phone(case.reporter_phone),
        "",
        "",
        hidden=False,
        may_reveal=False,
    )


# --- duplicates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Likely:
    case: Case
    score: float
    metres: float | None


def likely_duplicates(
    *,
    unit_id: int,
    category_id: int | None,
    text: str,
    latitude: float | None,
    longitude: float | None,
    village_id: int | None,
    now: dt.datetime,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Likely]:
    """Same commune and category, recent, nearby (within 300 m, or the same village when
    there are no coordinates), and saying the same thing accent-insensitively."""
    qs = Case.objects.filter(
        unit_id=unit_id,
        received_at__gte=now - dt.timedelta(days=DUPLICATE_WINDOW_DAYS),
        duplicate_of__isnull=True,
    ).exclude(state__in=[State.REJECTED, State.DUPLICATE])
    if category_id:
        qs = qs.filter(category_id=category_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    if latitude is not None and longitude is not None:
        dlat, dlon = degrees_box(latitude, DUPLICATE_RADIUS_M)
        near = Q(
            latitude__range=(latitude - dlat, latitude + dlat),
            longitude__range=(longitude - dlon, longitude + dlon),
        )
        qs = qs.filter(
            near | (Q(latitude__isnull=True) & Q(village_id=village_id)) if village_id else near
        )
    elif village_id:
        qs = qs.filter(village_id=village_id)
    mine = tokens(text)
    # Only cases sharing one of the rarer (longest) words can reach the threshold.
    words = sorted((w for w in mine if "_" not in w), key=len, reverse=True)[:3]
    if words:
        shared = Q()
        for w in words:
            shared |= Q(search_text__contains=f" {w} ")
        qs = qs.filter(shared)
    found: list[Likely] = []
    candidates = qs.order_by("-received_at").only(
        "pk", "code", "title", "search_text", "latitude", "longitude", "state", "received_at"
    )
    for other in candidates[:40]:
        score = similarity(mine, tokens(other.search_text, folded=True))
        if score < DUPLICATE_MIN_SIMILARITY:
            continue
        metres = None
        if None not in (latitude, longitude, other.latitude, other.longitude):
            metres = distance_m(latitude, longitude, other.latitude, other.longitude)  # type: ignore[arg-type]
            if metres > DUPLICATE_RADIUS_M:
                continue
        found.append(Likely(other, round(score, 2), metres))
    found.sort(key=lambda x: -x.score)
    return found[:limit]


def duplicates_of_case(viewer: Viewer, case: Case, now: dt.datetime) -> list[Likely]:
    if not may_in_unit(viewer, "view", case.unit_id, family=FAMILY_CASES):
        raise PermissionDenied
    return likely_duplicates(
        unit_id=case.unit_id,
        category_id=case.category_id,
        text=f"{case.title} {case.body}",
        latitude=case.latitude,
        longitude=case.longitude,
        village_id=case.village_id,
        now=now,
        exclude_id=case.pk,
    )


def reporters_to_notify(case: Case) -> list[Case]:
    """The case and every case merged into it: each reporter hears the answer."""
    return [case, *Case.objects.filter(duplicate_of=case).order_by("pk")]


# --- public reads --------------------------------------------------------------------------


def public_cases(unit: Unit) -> QuerySet[Case]:
    """Answered public cases of a commune, or of every commune of a province."""
    qs = Case.objects.filter(is_public=True, state__in=DONE_STATES, answered_at__isnull=False)
    qs = qs.exclude(legal_class=LegalClass.DENUNCIATION)
    qs = qs.filter(province=unit) if unit.level == Level.PROVINCE else qs.filter(unit=unit)
    return qs.select_related("category", "village", "unit").order_by("-answered_at", "-pk")


@dataclass(frozen=True)
class PublicCase:
    code: str
    title: str
    body: str
    answer: str
    category: str
    village: str
    commune: str
    received_at: dt.datetime
    answered_at: dt.datetime | None
    on_time: bool | None
    state: str
    state_label: str
    rating: int | None


def public_view(case: Case) -> PublicCase:
    return PublicCase(
        code=case.code,
        title=mask_text(case.title),
        body=mask_text(case.body),
        answer=mask_text(case.answer),
        category=case.category.name if case.category else "",
        village=case.village.name if case.village else "",
        commune=case.unit.name,
        received_at=case.received_at,
        answered_at=case.answered_at,
        on_time=case.answered_on_time,
        state=case.state,
        state_label=str(State(case.state).label),
        rating=case.rating,
    )


def case_by_code(code: str) -> Case:
    case = Case.objects.select_related("unit", "category", "village").filter(code=code).first()
    if case is None:
        raise Http404("Không có phản ánh nào mang mã này.")
    return case


def case_by_token(token: str) -> Case:
    case = Case.objects.select_related("unit", "category", "village").filter(token=token).first()
    if case is None:
        raise Http404("Liên kết không hợp lệ.")
    return case


def recent_subscriptions(
    *, unit_id: int, phone: str, ip: str, since: dt.datetime
) -> tuple[int, int]:
    """Web subscriptions since then for this number (in this commune) and from this
    address, counted on the audit rows every subscription writes."""
    entries = AuditEntry.objects.filter(action="citizens.subscribe", at__gte=since)
    contact = Contact.objects.filter(unit_id=unit_id, phone=phone).values_list("pk", flat=True)
    found = contact.first() if phone else None
    by_phone = (
        entries.filter(target_type="citizens.contact", target_id=str(found)).count()
        if found is not None
        else 0
    )
    return by_phone, entries.filter(ip_address=ip).count() if ip else 0


def recent_ratings(case_id: int, *, since: dt.datetime) -> int:
    """Ratings given through the tracking link (no signed-in actor) since then."""
    return CaseEvent.objects.filter(
        case_id=case_id, kind=EventKind.RATING, actor__isnull=True, at__gte=since
    ).count()


def recent_from(*, phone: str, ip_hash: str, since: dt.datetime) -> tuple[int, int]:
    by_phone = (
        Case.objects.filter(reporter_phone=phone, received_at__gte=since).count() if phone else 0
    )
    by_ip = Case.objects.filter(ip_hash=ip_hash, received_at__gte=since).count() if ip_hash else 0
    return by_phone, by_ip


# --- statistics (measured indicators) ------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=VN_TZ)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=VN_TZ)
    return start, end


def _unit_filter(unit: Unit) -> Q:
    return Q(province=unit) if unit.level == Level.PROVINCE else Q(unit=unit)


@dataclass
class CaseStats:
    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    on_time_rate: float | None = None
    average_days: float | None = None
    rated: int = 0
    satisfaction: float | None = None
    overdue_open: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_pct(self) -> int | None:
        return None if self.on_time_rate is None else round(self.on_time_rate * 100)

    @property
    def satisfaction_pct(self) -> int | None:
        return None if self.satisfaction is None else round(self.satisfaction * 100)


def case_statistics(unit: Unit, start: dt.datetime, end: dt.datetime) -> CaseStats:
    """For a commune or a province over [start, end): received; of those answered, how
    many on time; average days from receipt to answer; satisfaction = share of ratings
    of 4 or 5 (out of 5)."""
    received = Case.objects.filter(_unit_filter(unit), received_at__gte=start, received_at__lt=end)
    received = received.exclude(state=State.DUPLICATE)
    stats = CaseStats(received=received.count())
    stats.by_class = dict(Counter(received.values_list("legal_class", flat=True)))
    stats.by_channel = dict(Counter(received.values_list("channel", flat=True)))
    answered = received.filter(answered_at__isnull=False)
    row = answered.aggregate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(answered_on_time=True)),
        rated=Count("rating"),
        happy=Count("pk", filter=Q(rating__gte=4)),
    )
    stats.answered, stats.answered_on_time = row["n"], row["on_time"]
    if stats.answered:
        stats.on_time_rate = stats.answered_on_time / stats.answered
        durations = [
            (a - r).total_seconds() / 86400
            for r, a in answered.values_list("received_at", "answered_at")
            if a is not None
        ]
        stats.average_days = sum(durations) / len(durations)
    stats.rated = row["rated"]
    if stats.rated:
        stats.satisfaction = row["happy"] / stats.rated
    stats.overdue_open = Case.objects.filter(
        _unit_filter(unit), state__in=OPEN_STATES, resolve_due__lt=min(end, timezone.now())
    ).count()
    return stats


def overdue_cases(viewer: Viewer, unit_id: int, now: dt.datetime) -> QuerySet[Case]:
    return queue(viewer, unit_id, QueueFilter(overdue=True, state="open"), now)


@dataclass
class AnnouncementStats:
    sent: int = 0
    targeted: int = 0
    reached: int = 0
    reach_rate: float | None = None
    subscribers: int = 0
    residents: int = 0
    subscribers_per_1000: float | None = None

    @property
    def reach_pct(self) -> int | None:
        return None if self.reach_rate is None else round(self.reach_rate * 100)


def subscribers(unit: Unit) -> QuerySet[Contact]:
    qs = Contact.objects.filter(consent_at__isnull=False)
    qs = qs.filter(unit__province=unit) if unit.level == Level.PROVINCE else qs.filter(unit=unit)
    return qs.exclude(opt_out_sms=True, opt_out_zalo=True)


def residents(unit: Unit) -> int:
    qs = Village.objects.all()
    qs = qs.filter(unit__province=unit) if unit.level == Level.PROVINCE else qs.filter(unit=unit)
    return int(qs.aggregate(n=Sum("population"))["n"] or 0)


REACHED = (OutboxState.SENT, OutboxState.DELIVERED)


def announcement_statistics(unit: Unit, start: dt.datetime, end: dt.datetime) -> AnnouncementStats:
    """Announcements sent in [start, end); reach = recipients reached by at least one
    channel / recipients targeted; subscribers per 1,000 residents (village populations)."""
    scope_q = Q(unit__province=unit) if unit.level == Level.PROVINCE else Q(unit=unit)
    sent = Announcement.objects.filter(scope_q, published_at__gte=start, published_at__lt=end)
    stats = AnnouncementStats(sent=sent.count())
    messages = OutboxMessage.objects.filter(announcement__in=sent, contact__isnull=False)
    stats.targeted = messages.values("announcement_id", "contact_id").distinct().count()
    stats.reached = (
        messages.filter(state__in=REACHED)
        .values("announcement_id", "contact_id")
        .distinct()
        .count()
    )
    if stats.targeted:
        stats.reach_rate = stats.reached / stats.targeted
    stats.subscribers = subscribers(unit).count()
    stats.residents = residents(unit)
    if stats.residents:
        stats.subscribers_per_1000 = stats.subscribers * 1000 / stats.residents
    return stats


# --- contacts, announcements, outbox, audio ------------------------------------------------


def contacts_for(viewer: Viewer, unit_id: int, *, query: str = "") -> QuerySet[Contact]:
    if not may_in_unit(viewer, "list", unit_id, family=FAMILY_CONTACTS):
        raise Http404("Không tìm thấy.")
    qs = Contact.objects.filter(unit_id=unit_id).select_related("village")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(household__icontains=query))
    return qs.order_by("village__name", "name", "pk")


@dataclass(frozen=True)
class Audience:
    """Who an announcement goes to: every consenting resident of the commune, narrowed
    by villages, groups (any of) and topics (any of)."""

    villages: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            tuple(int(v) for v in data.get("villages", [])),
            tuple(str(g) for g in data.get("groups", [])),
            tuple(str(t) for t in data.get("topics", [])),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "villages": list(self.villages),
            "groups": list(self.groups),
            "topics": list(self.topics),
        }


def _any_tag(field_name: str, values: tuple[str, ...]) -> Q:
    q = Q()
    for v in values:
        # Tags are stored as ",a,b," so a tag matches whole, never a prefix of another.
        q |= Q(**{f"{field_name}__contains": f",{v},"})
    return q


def audience_contacts(unit_id: int, audience: Audience) -> QuerySet[Contact]:
    qs = Contact.objects.filter(unit_id=unit_id, consent_at__isnull=False)
    if audience.villages:
        qs = qs.filter(village_id__in=audience.villages)
    if audience.groups:
        qs = qs.filter(_any_tag("groups", audience.groups))
    if audience.topics:
        qs = qs.filter(_any_tag("topics", audience.topics))
    return qs


def announcements_for(viewer: Viewer, unit_id: int) -> QuerySet[Announcement]:
    if not may_in_unit(viewer, "list", unit_id, family=FAMILY_CASES):
        raise Http404("Không tìm thấy.")
    return Announcement.objects.filter(unit_id=unit_id).order_by("-created_at", "-pk")


def access_announcement_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Announcement:
    return access_or_404(viewer, Announcement.objects.select_related("unit"), pk, action=action)


def public_announcements(unit: Unit) -> QuerySet[Announcement]:
    qs = Announcement.objects.filter(published_at__isnull=False, channels__contains=",web,")
    qs = qs.filter(unit__province=unit) if unit.level == Level.PROVINCE else qs.filter(unit=unit)
    return qs.select_related("unit").order_by("-published_at", "-pk")


def public_announcement(pk: int) -> Announcement:
    found = public_announcements_all().filter(pk=pk).first()
    if found is None:
        raise Http404("Không có thông báo này.")
    return found


def public_announcements_all() -> QuerySet[Announcement]:
    return Announcement.objects.filter(published_at__isnull=False).select_related("unit")


def delivery_table(announcement: Announcement) -> list[dict[str, Any]]:
    """Per channel and village: queued, sent, delivered, failed, expired."""
    rows = (
        OutboxMessage.objects.filter(announcement=announcement)
        .values("channel", "village_id_cache", "state")
        .annotate(n=Count("pk"))
    )
    names: dict[int | None, str] = dict(
        Village.objects.filter(unit_id=announcement.unit_id).values_list("pk", "name")
    )
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        village = names.get(r["village_id_cache"], "—")
        entry = table.setdefault(
            (r["channel"], village),
            {
                "channel": r["channel"],
                "village": village,
                "queued": 0,
                "sending": 0,
                "sent": 0,
                "delivered": 0,
                "failed": 0,
                "expired": 0,
            },
        )
        entry[r["state"]] += r["n"]
    return [table[k] for k in sorted(table)]


@dataclass(frozen=True)
class CoverageRow:
    village: str
    contacts: int
    sms: int
    zalo: int
    any: int
    not_reached: int


def coverage(announcement: Announcement) -> list[CoverageRow]:
    """Per village: recipients, reached by SMS, by Zalo, by anything, and by nothing."""
    audience = audience_contacts(announcement.unit_id, Audience.from_json(announcement.audience))
    reached = OutboxMessage.objects.filter(
        announcement=announcement, contact=OuterRef("pk"), state__in=REACHED
    )
    qs = audience.annotate(
        r_sms=Exists(reached.filter(channel="sms")), r_zalo=Exists(reached.filter(channel="zalo"))
    )
    rows: dict[str, list[int]] = {}
    for village, r_sms, r_zalo in qs.values_list("village__name", "r_sms", "r_zalo"):
        entry = rows.setdefault(village or "—", [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += int(r_sms)
        entry[2] += int(r_zalo)
        entry[3] += int(r_sms or r_zalo)
    return [CoverageRow(v, c, s, z, a, c - a) for v, (c, s, z, a) in sorted(rows.items())]


def not_reached(viewer: Viewer, announcement: Announcement) -> QuerySet[Contact]:
    """Recipients no channel reached, by village and household: the village head's list."""
    if not may_in_unit(viewer, "list", announcement.unit_id, family=FAMILY_CONTACTS):
        raise Http404("Không tìm thấy.")
    audience = audience_contacts(announcement.unit_id, Audience.from_json(announcement.audience))
    reached = OutboxMessage.objects.filter(
        announcement=announcement, contact=OuterRef("pk"), state__in=REACHED
    )
    return (
        audience.annotate(reached=Exists(reached))
        .filter(reached=False)
        .select_related("village")
        .order_by("village__name", "household", "name")
    )


def outbox_counts(unit_id: int | None = None) -> dict[str, int]:
    qs = OutboxMessage.objects.all()
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    return {r["state"]: r["n"] for r in qs.values("state").annotate(n=Count("pk"))}


def lexicon_for(unit_id: int) -> dict[str, str]:
    return dict(Lexicon.objects.filter(unit_id=unit_id).values_list("written", "spoken"))


def clusters_of(unit_id: int) -> QuerySet[SpeakerCluster]:
    return SpeakerCluster.objects.filter(unit_id=unit_id).prefetch_related("villages")


def clips_of(announcement: Announcement) -> QuerySet[AudioClip]:
    return announcement.clips.select_related("cluster").order_by("cluster__name")


def access_clip_or_404(viewer: Viewer, pk: object) -> AudioClip:
    return access_or_404(viewer, AudioClip.objects.select_related("announcement"), pk)


def public_clip(pk: int) -> AudioClip:
    found = AudioClip.objects.filter(pk=pk, announcement__published_at__isnull=False).first()
    if found is None:
        raise Http404("Không có tệp âm thanh này.")
    return found


def pending_announcements(now: dt.datetime) -> QuerySet[Announcement]:
    return Announcement.objects.filter(
        state=AnnouncementState.SCHEDULED, scheduled_at__lte=now
    ).order_by("scheduled_at", "pk")


def rating_average(unit: Unit) -> float | None:
    value = Case.objects.filter(_unit_filter(unit), rating__isnull=False).aggregate(a=Avg("rating"))
    return float(value["a"]) if value["a"] is not None else None


def provinces_with_cases() -> list[Unit]:
    """Provinces that have residents' cases (whose category suggestions can be trained)."""
    ids = Case.objects.values_list("province_id", flat=True).distinct()
    return list(Unit.objects.filter(pk__in=ids).order_by("code"))
