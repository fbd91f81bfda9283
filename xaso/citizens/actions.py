"""Every change to the residents' channel: one ``do_*`` function each, one transaction,
permission checked, audit row, side effects after commit. ``actor=None`` is the system
(webhooks, public forms, tasks, the demo loader).

Intake is one pipeline: every channel adapter (``intake.py``) builds an ``IntakeRecord``
and calls ``do_receive_case``, which runs the ordered steps in ``INTAKE_STEPS``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from xaso.accounts.models import User
from xaso.accounts.queries import active_user, may_in_unit
from xaso.citizens import classifier, clocks, outbox, speech
from xaso.citizens.intake import (
    MAX_BODY,
    MIN_BODY,
    Command,
    IntakeError,
    IntakeRecord,
    body_sha256,
    ip_hash,
    read_import,
    title_from,
)
from xaso.citizens.models import (
    OPEN_STATES,
    Announcement,
    AnnouncementState,
    AnnouncementTemplate,
    ApiKey,
    Attachment,
    AudioClip,
    Case,
    CaseEvent,
    Category,
    ClassifierModel,
    CommuneSettings,
    Contact,
    EventKind,
    Gateway,
    InboundMessage,
    InboundStatus,
    LegalClass,
    Lexicon,
    Route,
    SpeakerCluster,
    State,
    Urgency,
    Village,
)
from xaso.citizens.queries import (
    FAMILY_CASES,
    FAMILY_CONTACTS,
    Audience,
    Likely,
    audience_contacts,
    categories_for,
    category_by_code,
    likely_duplicates,
    recent_from,
    recent_ratings,
    recent_subscriptions,
    reporter_for,
    reporters_to_notify,
    settings_for,
)
from xaso.citizens.textual import unaccent
from xaso.citizens.uploads import MAX_FILES, UploadRejected, inspect
from xaso.core.audit import record_audit
from xaso.core.personal import normalise_phone
from xaso.core.text import fold
from xaso.units.models import Level, Unit

logger = logging.getLogger(__name__)

PHONE_LIMIT_PER_HOUR = 5
IP_LIMIT_PER_HOUR = 10
# The public subscription form and the rating on the tracking link: the same kind of
# limit, counted on the rows they write (audit rows, case events).
SUBSCRIBE_PHONE_LIMIT_PER_HOUR = 3
SUBSCRIBE_IP_LIMIT_PER_HOUR = 20
RATING_LIMIT_PER_HOUR = 3
THROTTLED_CHANNELS = {"web", "open311", "sms", "zalo"}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _check(
    actor: User | None,
    action: str,
    unit_id: int | None,
    family: str = FAMILY_CASES,
    message: str = "Bạn không có quyền với dữ liệu của xã này.",
) -> None:
    if actor is None:
        return
    if not may_in_unit(actor, action, unit_id, family=family):
        raise PermissionDenied(message)


def _event(case: Case, kind: str, actor: User | None, **fields: Any) -> CaseEvent:
    """A timeline event, saved (``fields`` as for ``_unsaved_event``)."""
    event = _unsaved_event(case, kind, actor, **fields)
    event.save(force_insert=True)
    return event


def _unsaved_event(
    case: Case,
    kind: str,
    actor: User | None,
    *,
    text: str = "",
    state_from: str = "",
    state_to: str = "",
    internal: bool = True,
) -> CaseEvent:
    return CaseEvent(
        case=case,
        kind=kind,
        actor=active_user(actor),
        text=text,
        state_from=state_from,
        state_to=state_to,
        internal=internal,
    )


def _move(
    case: Case,
    to: str,
    actor: User | None,
    *,
    allowed: Sequence[str],
    text: str = "",
    internal: bool = False,
) -> str:
    if case.state not in allowed:
        raise ValidationError(
            f"Phản ánh {case.code} đang ở trạng thái “{State(case.state).label}”, "
            f"không thể chuyển sang “{State(to).label}”."
        )
    before = case.state
    case.state = to
    _event(
        case, EventKind.STATE, actor, text=text, state_from=before, state_to=to, internal=internal
    )
    return before


def _search_text(case: Case) -> str:
    return f" {fold(f'{case.code} {case.title} {case.body}')} "


# --- messages to reporters (through the outbox) ---------------------------------------------


def _notify(case: Case, tag: str, text: str, now: dt.datetime) -> None:
    """Queues a message to the reporter on the channel they can be reached by; the key
    makes the same notice for the same case one message however often it is queued.
    ``now`` is the case's clock; the message itself is queued at the real time."""
    del now
    now = timezone.now()
    rows = []
    if case.reporter_zalo:
        rows.append(
            outbox.row(
                unit_id=case.unit_id,
                key=f"case:{case.pk}:{tag}:zalo",
                channel="zalo",
                address=case.reporter_zalo,
                text=text,
                urgent=True,
                now=now,
                case_id=case.pk,
            )
        )
    elif case.reporter_phone:
        rows.append(
            outbox.row(
                unit_id=case.unit_id,
                key=f"case:{case.pk}:{tag}:sms",
                channel="sms",
                address=case.reporter_phone,
                text=unaccent(text)[:459],
                urgent=True,
                now=now,
                case_id=case.pk,
            )
        )
    if rows:
        outbox.enqueue(rows, count=False)


def _date(moment: dt.datetime | None) -> str:
    return moment.astimezone(clocks.VN_TZ).strftime("%d/%m/%Y") if moment else ""


# --- intake pipeline -----------------------------------------------------------------------


@dataclass
class Receipt:
    case: Case
    created: bool
    duplicates: list[Likely] = field(default_factory=list)
    suggestion: classifier.Suggestion | None = None


@dataclass
class _Intake:
    record: IntakeRecord
    actor: User | None
    now: dt.datetime
    unit: Unit | None = None
    phone: str = ""
    category: Category | None = None
    suggestion: classifier.Suggestion | None = None
    suggested: Category | None = None
    village: Village | None = None
    officer_id: int | None = None
    deadlines: clocks.Deadlines | None = None
    existing: Case | None = None
    case: Case | None = None
    uploads: list[Any] = field(default_factory=list)
    duplicates: list[Likely] = field(default_factory=list)

    def unit_id_or_zero(self) -> int:
        return self.unit.pk if self.unit is not None else 0


_unit_cache: dict[int, Unit] = {}


def _step_unit(ctx: _Intake) -> None:
    unit = _unit_cache.get(ctx.record.unit_id)
    if unit is None:
        unit = Unit.objects.select_related("province").filter(pk=ctx.record.unit_id).first()
        if unit is None or unit.level != Level.COMMUNE or not unit.is_current:
            raise IntakeError("Không xác định được xã/phường nhận phản ánh.", field="unit")
        _unit_cache[unit.pk] = unit
    ctx.unit = unit
    _check(ctx.actor, "edit", unit.pk) if ctx.record.channel in {"counter", "import"} else None


def _step_idempotent(ctx: _Intake) -> None:
    r = ctx.record
    if r.provider_id:
        found = Case.objects.filter(provider_id=r.provider_id, channel=r.channel).order_by()
        ctx.existing = found[:1].get() if found.exists() else None


def _step_validate(ctx: _Intake) -> None:
    r = ctx.record
    body = " ".join((r.body or "").split())
    if len(body) < MIN_BODY:
        raise IntakeError(
            "Nội dung phản ánh quá ngắn: hãy mô tả sự việc (ít nhất 10 ký tự).", field="body"
        )
    if len(body) > MAX_BODY:
        raise IntakeError(f"Nội dung dài quá {MAX_BODY} ký tự: hãy rút gọn.", field="body")
    r.body = (r.body or "").strip()
    r.legal_class = r.legal_class or ""
    if r.legal_class and r.legal_class not in LegalClass.values:
        raise IntakeError("Loại phản ánh không hợp lệ.", field="legal_class")
    if r.phone:
        try:
            ctx.phone = normalise_phone(r.phone)
        except ValueError as exc:
            raise IntakeError(str(exc), field="phone") from None
    if r.channel == "web" and not (ctx.phone or r.email):
        raise IntakeError("Hãy để lại số điện thoại để xã báo kết quả cho bạn.", field="phone")
    if len(r.uploads) > MAX_FILES:
        raise IntakeError(f"Chỉ gửi được tối đa {MAX_FILES} tệp.", field="files")
    for upload in r.uploads:
        try:
            ctx.uploads.append(inspect(upload.name, upload.content))
        except UploadRejected as exc:
            raise IntakeError(exc.message, field="files") from None


def _step_throttle(ctx: _Intake) -> None:
    r = ctx.record
    if r.channel not in THROTTLED_CHANNELS:
        return
    by_phone, by_ip = recent_from(
        phone=ctx.phone, ip_hash=ip_hash(r.ip), since=ctx.now - dt.timedelta(hours=1)
    )
    if by_phone >= PHONE_LIMIT_PER_HOUR or by_ip >= IP_LIMIT_PER_HOUR:
        raise IntakeError(
            "Bạn đã gửi nhiều phản ánh trong một giờ qua. Vui lòng thử lại sau một giờ, "
            "hoặc gọi điện trực tiếp cho UBND xã nếu việc khẩn cấp.",
            code="throttled",
        )


def _step_place(ctx: _Intake) -> None:
    assert ctx.unit is not None
    name = ctx.record.village.strip()
    if name:
        unit, key = ctx.unit, fold(name)
        villages: dict[str, Village] = _cached(
            "villages", unit.pk, lambda: {v.name_key: v for v in Village.objects.filter(unit=unit)}
        )
        # A miss asks the database: a village added a moment ago in another process counts.
        ctx.village = villages.get(key) or Village.objects.filter(unit=unit, name_key=key).first()
        if ctx.village is None and ctx.record.channel in {"web", "counter"}:
            raise IntakeError(f"Không có thôn/tổ dân phố “{name}” trong xã.", field="village")


_models: dict[int, tuple[int, Any]] = {}


_latest: dict[int, tuple[float, int | None]] = {}
MODEL_CHECK_SECONDS = 30.0


def _province_model(province_id: int) -> Any | None:
    # Which model is current is asked at most every 30 s: retraining is nightly, intake
    # is hundreds a second at peak.
    checked = _latest.get(province_id)
    if checked is None or time.monotonic() - checked[0] > MODEL_CHECK_SECONDS:
        newest = ClassifierModel.objects.filter(unit_id=province_id).values_list("pk", flat=True)
        checked = (time.monotonic(), newest.first())
        _latest[province_id] = checked
    latest = checked[1]
    if latest is None:
        return None
    cached = _models.get(province_id)
    if cached is None or cached[0] != latest:
        blob = ClassifierModel.objects.values_list("blob", flat=True).filter(pk=latest).first()
        if blob is None:  # replaced by a retraining in another process meanwhile
            _latest.pop(province_id, None)
            return None
        cached = (latest, classifier.loads(bytes(blob)))
        _models[province_id] = cached
    return cached[1]


def _step_categorise(ctx: _Intake) -> None:
    assert ctx.unit is not None
    r = ctx.record
    if r.category_code:
        ctx.category = category_by_code(ctx.unit, r.category_code)
        if ctx.category is None:
            raise IntakeError(f"Không có lĩnh vực “{r.category_code}”.", field="category")
        return
    model = _province_model(ctx.unit.province_id or 0)
    if model is None:
        return
    ctx.suggestion = classifier.suggest(model, f"{r.title} {r.body}")
    unit = ctx.unit
    codes: dict[str, Category] = _cached(
        "categories", unit.pk, lambda: {c.code: c for c in categories_for(unit)}
    )
    ctx.suggested = codes.get(ctx.suggestion.code)
    if ctx.suggested is not None and ctx.suggestion.confidence >= classifier.AUTO_APPLY_THRESHOLD:
        ctx.category = ctx.suggested


# Configuration read on every intake (routes, settings, the province's categories) is
# kept for a few seconds per process; the actions that change it forget it at once here,
# other processes see the change within CONFIG_SECONDS.
CONFIG_SECONDS = 10.0
_config: dict[tuple[str, int], tuple[float, Any]] = {}


def _cached(kind: str, unit_id: int, load: Callable[[], Any]) -> Any:
    hit = _config.get((kind, unit_id))
    if hit is None or time.monotonic() - hit[0] > CONFIG_SECONDS:
        hit = (time.monotonic(), load())
        _config[(kind, unit_id)] = hit
    return hit[1]


def _forget_config() -> None:
    _config.clear()


def forget_caches() -> None:
    """Drops every per-process cache of the intake (tests; after a restore)."""
    _config.clear()
    _latest.clear()
    _models.clear()
    _unit_cache.clear()


def _step_route(ctx: _Intake) -> None:
    assert ctx.unit is not None
    unit_routes: list[Route] = _cached(
        "routes", ctx.unit.pk, lambda: list(Route.objects.filter(unit_id=ctx.unit_id_or_zero()))
    )
    category_id = ctx.category.pk if ctx.category else None
    village_id = ctx.village.pk if ctx.village else None
    routes = [
        rt
        for rt in unit_routes
        if rt.category_id in (None, category_id) and rt.village_id in (None, village_id)
    ]
    best = max(
        routes, key=lambda rt: (rt.category_id is not None, rt.village_id is not None), default=None
    )
    if best is not None and best.officer_id:
        ctx.officer_id = best.officer_id


def _step_clock(ctx: _Intake) -> None:
    assert ctx.unit is not None
    r = ctx.record
    r.legal_class = r.legal_class or (ctx.category.legal_class if ctx.category else "field")
    sla = _cached(
        "settings", ctx.unit.pk, lambda: settings_for(ctx.unit_id_or_zero())
    ).field_sla_days
    ctx.deadlines = clocks.deadlines(r.legal_class, r.received_at or ctx.now, local_sla_days=sla)


def _new_code(unit: Unit, now: dt.datetime) -> str:
    tail = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(5))
    return f"{unit.code}-{now.astimezone(clocks.VN_TZ):%y%m}-{tail}"


def _step_persist(ctx: _Intake) -> None:
    assert ctx.unit is not None and ctx.deadlines is not None
    r = ctx.record
    received = r.received_at or ctx.now
    if timezone.is_naive(received):
        received = received.replace(tzinfo=clocks.VN_TZ)
    denunciation = r.legal_class == LegalClass.DENUNCIATION
    assert ctx.unit.province_id is not None
    case = Case(
        unit=ctx.unit,
        province_id=ctx.unit.province_id,
        code=_new_code(ctx.unit, received),
        token=secrets.token_urlsafe(18),
        channel=r.channel,
        provider_id=r.provider_id,
        legal_class=r.legal_class,
        category=ctx.category,
        suggested_category=ctx.suggested,
        suggestion_confidence=ctx.suggestion.confidence if ctx.suggestion else None,
        title=(r.title.strip() or title_from(r.body))[:200],
        body=r.body,
        village=ctx.village,
        address=r.address[:300],
        latitude=r.latitude,
        longitude=r.longitude,
        is_public=r.is_public and not denunciation,
        reporter_name=r.reporter_name.strip()[:150],
        reporter_phone=ctx.phone,
        reporter_zalo=r.zalo_id,
        reporter_email=r.email.strip()[:200],
        ip_hash=ip_hash(r.ip),
        assigned_to_id=ctx.officer_id,
        received_at=received,
        accept_due=ctx.deadlines.first,
        resolve_due=ctx.deadlines.answer,
    )
    case.search_text = _search_text(case)
    if r.answer and r.answered_at:
        answered = (
            r.answered_at
            if timezone.is_aware(r.answered_at)
            else r.answered_at.replace(tzinfo=clocks.VN_TZ)
        )
        case.state, case.answer, case.answered_at = State.CLOSED, r.answer, answered
        case.closed_at, case.answered_on_time = answered, answered <= ctx.deadlines.answer
    for _ in range(5):
        try:
            with transaction.atomic():
                case.save()
            break
        except IntegrityError:
            if (
                r.provider_id
                and Case.objects.filter(channel=r.channel, provider_id=r.provider_id).exists()
            ):
                raise
            case.code = _new_code(ctx.unit, received)
    ctx.case = case
    events = [
        _unsaved_event(
            case,
            EventKind.STATE,
            ctx.actor,
            state_to=case.state,
            text=f"Tiếp nhận qua {case.get_channel_display()}",
            internal=False,
        )
    ]
    if ctx.suggestion is not None and ctx.suggested is not None:
        applied = "đã áp dụng" if ctx.category == ctx.suggested else "chỉ gợi ý"
        events.append(
            _unsaved_event(
                case,
                EventKind.CATEGORY,
                None,
                text=(
                    f"Gợi ý lĩnh vực: {ctx.suggested.name} "
                    f"(độ tin cậy {ctx.suggestion.confidence:.0%}, {applied})"
                ),
            )
        )
    CaseEvent.objects.bulk_create(events)  # one INSERT: intake runs hundreds a second
    for checked in ctx.uploads:
        _store_attachment(case, checked)
    record_audit(
        actor=ctx.actor,
        action="citizens.receive_case",
        target=case,
        changes={
            "channel": r.channel,
            "legal_class": r.legal_class,
            "category": ctx.category.code if ctx.category else None,
            "attachments": len(ctx.uploads),
        },
        province_id=case.province_id,
    )


def _step_duplicates(ctx: _Intake) -> None:
    assert ctx.case is not None
    if ctx.record.channel == "import":
        return
    c = ctx.case
    ctx.duplicates = likely_duplicates(
        unit_id=c.unit_id,
        category_id=c.category_id,
        text=f"{c.title} {c.body}",
        latitude=c.latitude,
        longitude=c.longitude,
        village_id=c.village_id,
        now=ctx.now,
        exclude_id=c.pk,
        limit=3,
    )
    if ctx.duplicates:
        codes = ", ".join(d.case.code for d in ctx.duplicates)
        _event(c, EventKind.NOTE, None, text=f"Có thể trùng với: {codes}")


def _step_acknowledge(ctx: _Intake) -> None:
    assert ctx.case is not None and ctx.unit is not None
    c = ctx.case
    if c.channel == "import":
        return
    _notify(
        c,
        "received",
        (
            f"{ctx.unit.name} đã nhận phản ánh của bạn. Mã tra cứu: {c.code}. "
            f"Hạn trả lời: {_date(c.resolve_due)}."
        ),
        ctx.now,
    )


def _store_attachment(case: Case, checked: Any) -> Attachment:
    attachment = Attachment(
        case=case,
        name=checked.name,
        content_type=checked.content_type,
        size=len(checked.data),
        sha256=checked.sha256,
    )
    attachment.file.save(checked.name, ContentFile(checked.data), save=False)
    attachment.save()
    return attachment


# The order matters: the unit first (permissions), then the provider's id (a retried
# webhook stops here), validation, rate limits, place, category, routing, clock, then
# the writes, duplicate hints and the acknowledgement, all in one transaction.
INTAKE_STEPS: tuple[Callable[[_Intake], None], ...] = (
    _step_unit,
    _step_idempotent,
    _step_validate,
    _step_throttle,
    _step_place,
    _step_categorise,
    _step_route,
    _step_clock,
    _step_persist,
    _step_duplicates,
    _step_acknowledge,
)


def do_receive_case(
    record: IntakeRecord, *, actor: User | None, now: dt.datetime | None = None
) -> Receipt:
    """Takes one intake record from any channel through the pipeline. A provider message
    id already seen returns the case it created (``created=False``), changing nothing."""
    ctx = _Intake(record=record, actor=actor, now=now or timezone.now())
    try:
        with transaction.atomic():
            for step in INTAKE_STEPS:
                step(ctx)
                if ctx.existing is not None:
                    return Receipt(ctx.existing, created=False)
    except IntegrityError:
        # Two deliveries of the same webhook raced; the other one created the case.
        existing = Case.objects.filter(channel=record.channel, provider_id=record.provider_id)
        found = existing.first() if record.provider_id else None
        if found is None:
            raise
        return Receipt(found, created=False)
    assert ctx.case is not None
    return Receipt(ctx.case, True, ctx.duplicates, ctx.suggestion)


@transaction.atomic
def do_log_inbound(
    *,
    channel: str,
    unit: Unit | None,
    provider_id: str,
    status: str,
    reason: str,
    raw: bytes,
    case: Case | None = None,
) -> InboundMessage:
    """Every webhook call leaves a row, refused ones included (without the raw body)."""
    if status == InboundStatus.REJECTED:
        logger.warning("Webhook %s bị từ chối: %s", channel, reason)
    return InboundMessage.objects.create(
        unit=unit,
        channel=channel,
        provider_id=provider_id[:120],
        status=status,
        reason=reason[:300],
        body_sha256=body_sha256(raw),
        case=case,
    )


@dataclass
class ImportCasesResult:
    created: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def do_import_cases(*, content: bytes, unit: Unit, actor: User | None) -> ImportCasesResult:
    """Historic cases from CSV: all rows or none; a re-import of the same file adds
    nothing (each row's id is its line and content)."""
    _check(actor, "edit", unit.pk)
    records, errors = read_import(content, unit.pk)
    result = ImportCasesResult(errors=errors)
    if errors:
        return result
    try:
        with transaction.atomic():
            for i, record in enumerate(records, start=2):
                try:
                    receipt = do_receive_case(record, actor=actor)
                except IntakeError as exc:
                    result.errors.append(f"Dòng {i}: {exc.message}")
                    continue
                result.created += int(receipt.created)
                result.skipped += int(not receipt.created)
            if result.errors:
                raise _Rollback
            record_audit(
                actor=actor,
                action="citizens.import_cases",
                target=unit,
                changes={"created": result.created, "skipped": result.skipped},
                province_id=unit.province_id,
            )
    except _Rollback:
        result.created = result.skipped = 0
    return result


class _Rollback(Exception):
    pass


# --- officer actions on a case -------------------------------------------------------------


def _recompute(case: Case) -> None:
    d = clocks.deadlines(
        case.legal_class,
        case.received_at,
        accepted_at=case.accepted_at,
        complex_case=case.is_complex,
        local_sla_days=settings_for(case.unit_id).field_sla_days,
        extensions=case.extensions,
    )
    case.accept_due, case.resolve_due = d.first, d.answer


@transaction.atomic
def do_accept_case(
    *, case: Case, actor: User | None, complex_case: bool = False, now: dt.datetime | None = None
) -> Case:
    """Thụ lý: the answer clock of complaints and denunciations starts here."""
    _check(actor, "edit", case.unit_id)
    now = now or timezone.now()
    _move(case, State.ACCEPTED, actor, allowed=[State.NEW])
    case.accepted_at, case.is_complex = now, complex_case
    _recompute(case)
    case.save()
    record_audit(
        actor=actor,
        action="citizens.accept_case",
        target=case,
        changes={"complex": complex_case},
        province_id=case.province_id,
    )
    _notify(
        case,
        "accepted",
        f"Phản ánh {case.code} đã được thụ lý. Hạn giải quyết: {_date(case.resolve_due)}.",
        now,
    )
    return case


@transaction.atomic
def do_assign_case(*, case: Case, officer: User, actor: User | None) -> Case:
    _check(actor, "edit", case.unit_id)
    if not may_in_unit(officer, "edit", case.unit_id, family=FAMILY_CASES):
        raise ValidationError("Người được giao không phải cán bộ của xã này.")
    allowed = [State.NEW, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED]
    if case.state == State.NEW:
        case.accepted_at = case.accepted_at or timezone.now()
        _recompute(case)
    _move(case, State.ASSIGNED, actor, allowed=allowed, text=f"Giao cho {officer}")
    case.assigned_to = officer
    case.save()
    record_audit(
        actor=actor,
        action="citizens.assign_case",
        target=case,
        changes={"officer": officer.username},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_start_case(*, case: Case, actor: User | None) -> Case:
    _check(actor, "edit", case.unit_id)
    _move(case, State.IN_PROGRESS, actor, allowed=[State.ACCEPTED, State.ASSIGNED, State.REOPENED])
    case.save()
    record_audit(
        actor=actor, action="citizens.start_case", target=case, province_id=case.province_id
    )
    return case


@transaction.atomic
def do_forward_case(
    *, case: Case, agency: str, note: str, actor: User | None, now: dt.datetime | None = None
) -> Case:
    """Chuyển cơ quan có thẩm quyền (the out-of-competence step of Decree 20/2008)."""
    _check(actor, "edit", case.unit_id)
    agency = agency.strip()
    if not agency:
        raise ValidationError({"agency": "Hãy ghi cơ quan nhận chuyển."})
    now = now or timezone.now()
    _move(case, State.FORWARDED, actor, allowed=list(OPEN_STATES), text=f"Chuyển {agency}. {note}")
    case.forwarded_to, case.answered_at = agency[:200], now
    case.answer = f"Nội dung không thuộc thẩm quyền của xã, đã chuyển {agency}. {note}".strip()
    case.answered_on_time = now <= (case.accept_due or now)
    case.save()
    record_audit(
        actor=actor,
        action="citizens.forward_case",
        target=case,
        changes={"agency": agency},
        province_id=case.province_id,
    )
    for c in reporters_to_notify(case):
        _notify(c, "forwarded", f"Phản ánh {c.code} đã được chuyển {agency} giải quyết.", now)
    return case


@transaction.atomic
def do_answer_case(
    *, case: Case, answer: str, actor: User | None, now: dt.datetime | None = None
) -> Case:
    _check(actor, "edit", case.unit_id)
    answer = answer.strip()
    if len(answer) < 10:
        raise ValidationError({"answer": "Hãy viết nội dung trả lời (ít nhất 10 ký tự)."})
    now = now or timezone.now()
    allowed = [State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED]
    _move(case, State.ANSWERED, actor, allowed=allowed, text=answer)
    case.answer, case.answered_at = answer, now
    case.answered_on_time = case.resolve_due is None or now <= case.resolve_due
    case.save()
    record_audit(
        actor=actor,
        action="citizens.answer_case",
        target=case,
        changes={"on_time": case.answered_on_time},
        province_id=case.province_id,
    )
    for c in reporters_to_notify(case):
        _notify(
            c,
            f"answered{case.reopen_count}",
            f"Phản ánh {c.code} đã có trả lời. Xem và đánh giá tại trang tra cứu với mã {c.code}.",
            now,
        )
    return case


@transaction.atomic
def do_close_case(*, case: Case, actor: User | None, now: dt.datetime | None = None) -> Case:
    _check(actor, "edit", case.unit_id)
    _move(case, State.CLOSED, actor, allowed=[State.ANSWERED, State.FORWARDED])
    case.closed_at = now or timezone.now()
    case.save()
    record_audit(
        actor=actor, action="citizens.close_case", target=case, province_id=case.province_id
    )
    return case


@transaction.atomic
def do_reject_case(
    *, case: Case, reason: str, actor: User | None, now: dt.datetime | None = None
) -> Case:
    _check(actor, "edit", case.unit_id)
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Hãy ghi lý do không thụ lý."})
    _move(
        case,
        State.REJECTED,
        actor,
        allowed=[State.NEW, State.ACCEPTED, State.ASSIGNED],
        text=reason,
    )
    case.reject_reason, case.closed_at = reason[:500], now or timezone.now()
    case.save()
    record_audit(
        actor=actor,
        action="citizens.reject_case",
        target=case,
        changes={"reason": reason[:200]},
        province_id=case.province_id,
    )
    _notify(case, "rejected", f"Phản ánh {case.code} không được thụ lý: {reason}", case.closed_at)
    return case


@transaction.atomic
def do_merge_case(
    *, case: Case, into: Case, actor: User | None, now: dt.datetime | None = None
) -> Case:
    """Marks ``case`` a duplicate of ``into``; its reporter will hear ``into``'s answer."""
    _check(actor, "edit", case.unit_id)
    if into.pk == case.pk or into.unit_id != case.unit_id:
        raise ValidationError("Chỉ gộp được vào một phản ánh khác của cùng xã.")
    if into.duplicate_of_id:
        into = into.duplicate_of  # type: ignore[assignment]
    _move(case, State.DUPLICATE, actor, allowed=list(OPEN_STATES), text=f"Trùng với {into.code}")
    case.duplicate_of = into
    case.save()
    for c in Case.objects.filter(duplicate_of=case):
        c.duplicate_of = into
        c.save(update_fields=["duplicate_of"])
    record_audit(
        actor=actor,
        action="citizens.merge_case",
        target=case,
        changes={"into": into.code},
        province_id=case.province_id,
    )
    _notify(
        case,
        "merged",
        f"Phản ánh {case.code} trùng nội dung với {into.code}; bạn sẽ "
        f"nhận kết quả của {into.code}.",
        now or timezone.now(),
    )
    return case


@transaction.atomic
def do_reopen_case(
    *, case: Case, reason: str, actor: User | None, now: dt.datetime | None = None
) -> Case:
    """The resident (through the tracking link) or an officer reopens an answer."""
    if actor is not None:
        _check(actor, "edit", case.unit_id)
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": "Hãy cho biết vì sao chưa hài lòng với trả lời."})
    now = now or timezone.now()
    _move(case, State.REOPENED, actor, allowed=[State.ANSWERED, State.CLOSED], text=reason)
    case.reopen_count += 1
    case.closed_at = None
    # A reopened case gets a fresh answer clock from today.
    clock = clocks.clock_for(case.legal_class)
    period = clocks.answer_period(
        clock,
        complex_case=case.is_complex,
        local_sla_days=settings_for(case.unit_id).field_sla_days,
    )
    case.resolve_due = clocks.due(now, period)
    case.save()
    record_audit(
        actor=actor,
        action="citizens.reopen_case",
        target=case,
        changes={"reopen_count": case.reopen_count},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_rate_case(*, case: Case, rating: int, comment: str = "", actor: User | None) -> Case:
    if case.state not in (State.ANSWERED, State.CLOSED, State.FORWARDED):
        raise ValidationError("Chỉ đánh giá được phản ánh đã có trả lời.")
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": "Điểm đánh giá từ 1 đến 5."})
    since = timezone.now() - dt.timedelta(hours=1)
    if actor is None and recent_ratings(case.pk, since=since) >= RATING_LIMIT_PER_HOUR:
        raise IntakeError(
            "Phản ánh này đã được đánh giá nhiều lần trong một giờ qua. Vui lòng thử lại "
            "sau một giờ.",
            code="throttled",
        )
    case.rating = rating
    case.save(update_fields=["rating", "updated_at"])
    _event(
        case,
        EventKind.RATING,
        actor,
        text=f"{rating}/5 {comment.strip()[:500]}".strip(),
        internal=False,
    )
    record_audit(
        actor=actor,
        action="citizens.rate_case",
        target=case,
        changes={"rating": rating},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_add_note(*, case: Case, text: str, actor: User | None) -> CaseEvent:
    _check(actor, "edit", case.unit_id)
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Ghi chú trống."})
    event = _event(case, EventKind.NOTE, actor, text=text[:4000])
    record_audit(actor=actor, action="citizens.add_note", target=case, province_id=case.province_id)
    return event


@transaction.atomic
def do_add_attachment(*, case: Case, name: str, content: bytes, actor: User | None) -> Attachment:
    _check(actor, "edit", case.unit_id)
    if case.attachments.count() >= MAX_FILES * 2:
        raise ValidationError("Phản ánh đã có đủ số tệp cho phép.")
    try:
        checked = inspect(name, content)
    except UploadRejected as exc:
        raise ValidationError({"file": exc.message}) from None
    attachment = _store_attachment(case, checked)
    record_audit(
        actor=actor,
        action="citizens.add_attachment",
        target=case,
        changes={"sha256": checked.sha256},
        province_id=case.province_id,
    )
    return attachment


@transaction.atomic
def do_extend_deadline(*, case: Case, reason: str, actor: User | None) -> Case:
    """Gia hạn with a reason, as far as the class's rule allows (denunciations: twice)."""
    _check(actor, "edit", case.unit_id)
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Hãy ghi rõ lý do gia hạn."})
    if not clocks.may_extend(case.legal_class, case.extensions):
        raise ValidationError(
            f"{LegalClass(case.legal_class).label}: đã hết số lần gia hạn luật cho phép."
        )
    before = case.resolve_due
    case.extensions += 1
    _recompute(case)
    case.save()
    _event(
        case,
        EventKind.EXTENSION,
        actor,
        internal=False,
        text=(f"Gia hạn lần {case.extensions} đến {_date(case.resolve_due)}: {reason}"),
    )
    record_audit(
        actor=actor,
        action="citizens.extend_deadline",
        target=case,
        changes={"from": _date(before), "to": _date(case.resolve_due), "reason": reason},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_set_category(*, case: Case, category: Category | None, actor: User | None) -> Case:
    _check(actor, "edit", case.unit_id)
    before = case.category.code if case.category else None
    case.category = category
    case.save(update_fields=["category", "updated_at"])
    _event(case, EventKind.CATEGORY, actor, text=f"Lĩnh vực: {category or '—'}")
    record_audit(
        actor=actor,
        action="citizens.set_category",
        target=case,
        changes={"category": [before, category.code if category else None]},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_set_public(*, case: Case, public: bool, actor: User | None) -> Case:
    _check(actor, "edit", case.unit_id)
    if public and case.is_denunciation:
        raise ValidationError("Đơn tố cáo không bao giờ được công khai.")
    case.is_public = public
    case.save(update_fields=["is_public", "updated_at"])
    record_audit(
        actor=actor,
        action="citizens.set_public",
        target=case,
        changes={"public": public},
        province_id=case.province_id,
    )
    return case


@transaction.atomic
def do_reveal_reporter(*, case: Case, actor: User) -> Any:
    """Shows a denouncer's identity to the assigned officer, and logs that it was seen."""
    _check(actor, "view", case.unit_id)
    shown = reporter_for(actor, case, revealed=True)
    if case.is_denunciation and shown.hidden:
        raise PermissionDenied("Chỉ cán bộ được giao xử lý đơn tố cáo mới xem được danh tính.")
    record_audit(
        actor=actor, action="citizens.reveal_reporter", target=case, province_id=case.province_id
    )
    return shown


# --- reminders, escalation, classifier -----------------------------------------------------


@dataclass
class ClockRun:
    reminded: int = 0
    escalated: int = 0


def do_send_reminders(*, now: dt.datetime | None = None) -> ClockRun:
    """Reminds the assigned officer of open cases due within one working day; reports
    overdue ones to the commune chairman. Each once per case (until it is reopened)."""
    now = now or timezone.now()
    run = ClockRun()
    horizon = clocks.end_of(clocks.add_working_days(clocks.local_date(now), 1))
    soon = Case.objects.filter(
        state__in=OPEN_STATES,
        reminded_at__isnull=True,
        resolve_due__gt=now,
        resolve_due__lte=horizon,
    )
    for case in soon.select_related("assigned_to")[:5000]:
        with transaction.atomic():
            case.reminded_at = now
            case.save(update_fields=["reminded_at"])
            _event(case, EventKind.REMINDER, None, text=f"Sắp đến hạn {_date(case.resolve_due)}")
            officer = case.assigned_to
            if officer is not None and officer.phone:
                outbox.enqueue(
                    [
                        outbox.row(
                            unit_id=case.unit_id,
                            key=f"case:{case.pk}:remind:{case.reopen_count}",
                            channel="sms",
                            address=officer.phone,
                            urgent=False,
                            now=now,
                            case_id=case.pk,
                            text=unaccent(
                                f"Nhac han: phan anh {case.code} den han {_date(case.resolve_due)}."
                            ),
                        )
                    ]
                )
            run.reminded += 1
    overdue = Case.objects.filter(
        state__in=OPEN_STATES, escalated_at__isnull=True, resolve_due__lt=now
    )
    for case in overdue[:5000]:
        with transaction.atomic():
            case.escalated_at = now
            case.save(update_fields=["escalated_at"])
            _event(case, EventKind.ESCALATION, None, text="Quá hạn: đã báo chủ tịch UBND xã")
            chairman = settings_for(case.unit_id).chairman
            if chairman is not None and chairman.phone:
                outbox.enqueue(
                    [
                        outbox.row(
                            unit_id=case.unit_id,
                            key=f"case:{case.pk}:escalate:{case.reopen_count}",
                            channel="sms",
                            address=chairman.phone,
                            urgent=False,
                            now=now,
                            case_id=case.pk,
                            text=unaccent(
                                f"Qua han: phan anh {case.code} (han {_date(case.resolve_due)})."
                            ),
                        )
                    ]
                )
            record_audit(
                actor=None,
                action="citizens.escalate_case",
                target=case,
                province_id=case.province_id,
            )
            run.escalated += 1
    return run


@transaction.atomic
def do_retrain_classifier(*, province: Unit, actor: User | None) -> ClassifierModel:
    """Trains on the province's closed cases that have a category; keeps the old model
    (and says why) when there are too few."""
    _check(actor, "edit", province.pk)
    rows = list(
        Case.objects.filter(province=province, category__isnull=False)
        .filter(state__in=[State.ANSWERED, State.CLOSED, State.FORWARDED])
        .values_list("title", "body", "category__code")[:50_000]
    )
    texts = [f"{t} {b}" for t, b, _ in rows]
    labels = [c for _, _, c in rows]
    try:
        trained = classifier.train(texts, labels)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    model = ClassifierModel.objects.create(
        unit=province,
        samples=len(rows),
        accuracy=trained.accuracy,
        blob=classifier.dumps(trained.pipeline),
    )
    ClassifierModel.objects.filter(unit=province).exclude(pk=model.pk).delete()
    _latest.pop(province.pk, None)
    record_audit(
        actor=actor,
        action="citizens.retrain_classifier",
        target=province,
        changes={"samples": len(rows), "accuracy": trained.accuracy},
        province_id=province.pk,
    )
    return model


# --- configuration -------------------------------------------------------------------------


@transaction.atomic
def do_save_village(
    *, unit: Unit, name: str, population: int = 0, households: int = 0, actor: User | None
) -> Village:
    _check(actor, "edit", unit.pk)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Hãy nhập tên thôn."})
    village, _ = Village.objects.update_or_create(
        unit=unit,
        name_key=fold(name),
        defaults={"name": name, "population": population, "households": households},
    )
    _forget_config()
    record_audit(
        actor=actor, action="citizens.save_village", target=village, province_id=unit.province_id
    )
    return village


@transaction.atomic
def do_save_settings(
    *,
    unit: Unit,
    field_sla_days: int,
    chairman: User | None,
    approval_required: bool,
    actor: User | None,
) -> CommuneSettings:
    _check(actor, "edit", unit.pk)
    if not 1 <= field_sla_days <= 30:
        raise ValidationError({"field_sla_days": "Hạn từ 1 đến 30 ngày làm việc."})
    row, _ = CommuneSettings.objects.update_or_create(
        unit=unit,
        defaults={
            "field_sla_days": field_sla_days,
            "chairman": chairman,
            "approval_required": approval_required,
        },
    )
    _forget_config()
    record_audit(
        actor=actor,
        action="citizens.save_settings",
        target=row,
        changes={"field_sla_days": field_sla_days, "approval": approval_required},
        province_id=unit.province_id,
    )
    return row


@transaction.atomic
def do_save_category(
    *,
    unit: Unit,
    code: str,
    name: str,
    legal_class: str = "field",
    group: str = "",
    description: str = "",
    actor: User | None,
) -> Category:
    _check(actor, "edit", unit.pk)
    if legal_class not in LegalClass.values:
        raise ValidationError({"legal_class": "Loại không hợp lệ."})
    category, _ = Category.objects.update_or_create(
        unit=unit,
        code=code,
        defaults={
            "name": name,
            "legal_class": legal_class,
            "group": group,
            "description": description,
        },
    )
    _forget_config()
    record_audit(
        actor=actor,
        action="citizens.save_category",
        target=category,
        province_id=unit.province_id or unit.pk,
    )
    return category


@transaction.atomic
def do_save_route(
    *,
    unit: Unit,
    category: Category | None,
    village: Village | None,
    officer: User | None,
    agency: str = "",
    actor: User | None,
) -> Route:
    _check(actor, "edit", unit.pk)
    if officer is not None and not may_in_unit(officer, "edit", unit.pk, family=FAMILY_CASES):
        raise ValidationError({"officer": "Người nhận phải là cán bộ của xã."})
    route, _ = Route.objects.update_or_create(
        unit=unit,
        category=category,
        village=village,
        defaults={"officer": officer, "agency": agency},
    )
    _forget_config()
    record_audit(
        actor=actor, action="citizens.save_route", target=route, province_id=unit.province_id
    )
    return route


@transaction.atomic
def do_create_api_key(*, unit: Unit, name: str, actor: User | None) -> tuple[ApiKey, str]:
    """A new Open311 key; the key itself is shown once and only its hash kept."""
    _check(actor, "edit", unit.pk)
    raw = "x311_" + secrets.token_urlsafe(24)
    key = ApiKey.objects.create(
        unit=unit,
        name=name.strip()[:120] or "Open311",
        prefix=raw[:8],
        key_hash=hashlib.sha256(raw.encode()).hexdigest(),
    )
    record_audit(
        actor=actor,
        action="citizens.create_api_key",
        target=key,
        province_id=unit.province_id or unit.pk,
    )
    return key, raw


@transaction.atomic
def do_save_gateway(
    *,
    unit: Unit,
    name: str,
    kind: str,
    base_url: str,
    api_key: str = "",
    webhook_secret: str = "",
    address: str = "",
    app_id: str = "",
    priority: int = 1,
    actor: User | None,
) -> Gateway:
    _check(actor, "edit", unit.pk)
    gateway, _ = Gateway.objects.update_or_create(
        name=name,
        defaults={
            "unit": unit,
            "kind": kind,
            "base_url": base_url,
            "api_key": api_key,
            "webhook_secret": webhook_secret,
            "address": address,
            "app_id": app_id,
            "priority": priority,
            "active": True,
        },
    )
    record_audit(
        actor=actor,
        action="citizens.save_gateway",
        target=gateway,
        changes={"kind": kind, "priority": priority},
        province_id=unit.province_id or unit.pk,
    )
    return gateway


# --- outbox --------------------------------------------------------------------------------


def do_drain_outbox(
    *,
    worker: str = "worker",
    batch: int = 200,
    max_batches: int | None = None,
    clock: Callable[[], dt.datetime] = timezone.now,
    seed: int | None = None,
) -> outbox.DrainReport:
    """Sends what is ready. Safe with several workers at once (see ``outbox.claim``)."""
    return outbox.drain(worker, batch=batch, max_batches=max_batches, clock=clock, seed=seed)


@transaction.atomic
def do_record_delivery(
    *, gateway: Gateway, data: dict[str, Any], now: dt.datetime | None = None
) -> str:
    try:
        return outbox.apply_report(gateway, data, now or timezone.now())
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


# --- contacts ------------------------------------------------------------------------------


def _tags(raw: str) -> str:
    parts = [fold(p).replace(" ", "-") for p in raw.replace(";", ",").split(",")]
    kept = sorted({p for p in parts if p})
    return f",{','.join(kept)}," if kept else ""


@dataclass
class ContactImport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


CONTACT_COLUMNS = (
    "ho_ten",
    "dien_thoai",
    "zalo",
    "thon",
    "ho_gia_dinh",
    "nhom",
    "chu_de",
    "dong_y",
)


def _rows_of(content: bytes, filename: str) -> list[dict[str, str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise ValidationError("Không đọc được tệp Excel (.xlsx).") from None
        sheet = book.worksheets[0]
        values = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("Tệp CSV phải lưu dạng UTF-8.") from None
        values = list(csv.reader(io.StringIO(text)))
    if not values:
        raise ValidationError("Tệp rỗng.")
    header = [fold(h).replace(" ", "_") for h in values[0]]
    return [
        dict(zip(header, row, strict=False)) for row in values[1:] if any(c.strip() for c in row)
    ]


def do_import_contacts(
    *, content: bytes, filename: str, unit: Unit, actor: User | None, now: dt.datetime | None = None
) -> ContactImport:
    """Người nhận tin from CSV/XLSX: every row checked first; one bad row and nothing is
    saved, with every bad row named. Consent must be stated per row ("có")."""
    _check(actor, "edit", unit.pk, FAMILY_CONTACTS)
    now = now or timezone.now()
    result = ContactImport()
    try:
        rows = _rows_of(content, filename)
    except ValidationError as exc:
        result.errors = list(exc.messages)
        return result
    if (rows and "ho_ten" not in rows[0]) or (rows and "dien_thoai" not in rows[0]):
        result.errors.append("Thiếu cột “họ tên” hoặc “điện thoại”.")
        return result
    villages = {v.name_key: v for v in Village.objects.filter(unit=unit)}
    seen: dict[str, int] = {}
    planned: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=2):
        name = " ".join(row.get("ho_ten", "").split())
        problems = []
        if not name:
            problems.append("thiếu họ tên")
        phone = ""
        if row.get("dien_thoai", "").strip():
            try:
                phone = normalise_phone(row["dien_thoai"])
            except ValueError:
                problems.append("số điện thoại không hợp lệ")
        zalo = row.get("zalo", "").strip()
        if not phone and not zalo:
            problems.append("cần số điện thoại hoặc Zalo")
        if phone and phone in seen:
            problems.append(f"trùng số điện thoại với dòng {seen[phone]}")
        village = None
        if row.get("thon", "").strip():
            village = villages.get(fold(row["thon"]))
            if village is None:
                problems.append(f"không có thôn “{row['thon'].strip()}”")
        consent = fold(row.get("dong_y", "")) in {"co", "x", "1", "yes", "dong y"}
        if not consent:
            problems.append("chưa ghi nhận đồng ý nhận tin (cột “đồng ý” = có)")
        if problems:
            result.errors.append(f"Dòng {line}: {'; '.join(problems)}.")
            continue
        if phone:
            seen[phone] = line
        planned.append(
            {
                "name": name[:150],
                "phone": phone,
                "zalo_id": zalo[:64],
                "village": village,
                "household": row.get("ho_gia_dinh", "").strip()[:60],
                "groups": _tags(row.get("nhom", "")),
                "topics": _tags(row.get("chu_de", "")),
            }
        )
    if result.errors:
        return result
    with transaction.atomic():
        for p in planned:
            lookup = (
                {"unit": unit, "phone": p["phone"]}
                if p["phone"]
                else {"unit": unit, "zalo_id": p["zalo_id"]}
            )
            existing = Contact.objects.filter(**lookup).first()
            if existing is None:
                Contact.objects.create(
                    unit=unit, consent_at=now, consent_via=f"tệp {filename}"[:40], **p
                )
                result.created += 1
            else:
                for k, v in p.items():
                    setattr(existing, k, v)
                existing.save()
                result.updated += 1
        record_audit(
            actor=actor,
            action="citizens.import_contacts",
            target=unit,
            changes={"file": filename, "created": result.created, "updated": result.updated},
            province_id=unit.province_id,
        )
    return result


@transaction.atomic
def do_apply_command(
    *, unit: Unit, channel: str, address: str, command: Command, now: dt.datetime | None = None
) -> Contact:
    """ "TU CHOI" opts out of that channel; "DK <chủ đề>" subscribes (consent recorded)."""
    now = now or timezone.now()
    field_name = "phone" if channel == "sms" else "zalo_id"
    value = normalise_phone(address) if channel == "sms" else address
    contact = Contact.objects.filter(unit=unit, **{field_name: value}).first()
    if contact is None:
        contact = Contact(unit=unit, name="Người đăng ký", **{field_name: value})
    if command.verb == "optout":
        setattr(contact, f"opt_out_{channel}", True)
    else:
        setattr(contact, f"opt_out_{channel}", False)
        contact.consent_at, contact.consent_via = now, f"{channel}: DK"
        current = {t for t in contact.topics.split(",") if t}
        contact.topics = _tags(",".join(current | set(command.topics)))
    contact.save()
    record_audit(
        actor=None,
        action=f"citizens.{command.verb}",
        target=contact,
        changes={"channel": channel},
        province_id=unit.province_id,
    )
    reply = (
        "Ban da tu choi nhan tin tu UBND xa. Soan DK de dang ky lai."
        if command.verb == "optout"
        else "Ban da dang ky nhan tin tu UBND xa. Soan TU CHOI de huy."
    )
    outbox.enqueue(
        [
            outbox.row(
                unit_id=unit.pk,
                channel=channel,
                address=value,
                text=reply,
                key=f"cmd:{channel}:{value}:{command.verb}:{now:%Y%m%d%H%M%S}",
                urgent=True,
                now=now,
                contact_id=contact.pk,
            )
        ]
    )
    return contact


@transaction.atomic
def do_subscribe_web(
    *,
    unit: Unit,
    name: str,
    phone: str,
    village: Village | None,
    topics: str,
    ip: str = "",
    now: dt.datetime | None = None,
) -> Contact:
    """Đăng ký nhận tin on the commune's page: consent is the ticked box, recorded. A
    number, or an address, that subscribed too often in the last hour is refused."""
    try:
        number = normalise_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": str(exc)}) from None
    now = now or timezone.now()
    by_phone, by_ip = recent_subscriptions(
        unit_id=unit.pk, phone=number, ip=ip, since=now - dt.timedelta(hours=1)
    )
    if by_phone >= SUBSCRIBE_PHONE_LIMIT_PER_HOUR or by_ip >= SUBSCRIBE_IP_LIMIT_PER_HOUR:
        raise IntakeError(
            "Bạn đã đăng ký nhận tin nhiều lần trong một giờ qua. Vui lòng thử lại sau một "
            "giờ, hoặc liên hệ UBND xã.",
            code="throttled",
        )
    contact, _ = Contact.objects.get_or_create(
        unit=unit, phone=number, defaults={"name": name.strip()[:150] or "Người đăng ký"}
    )
    contact.village = village or contact.village
    contact.topics = _tags(f"{contact.topics},{topics}")
    contact.consent_at, contact.consent_via, contact.opt_out_sms = now, "web", False
    contact.save()
    record_audit(
        actor=None,
        action="citizens.subscribe",
        target=contact,
        changes={"via": "web"},
        province_id=unit.province_id,
    )
    return contact


@transaction.atomic
def do_opt_out(*, contact: Contact, channel: str, actor: User | None) -> Contact:
    _check(actor, "edit", contact.unit_id, FAMILY_CONTACTS)
    if channel not in ("sms", "zalo"):
        raise ValidationError("Kênh không hợp lệ.")
    setattr(contact, f"opt_out_{channel}", True)
    contact.save()
    record_audit(
        actor=actor,
        action="citizens.optout",
        target=contact,
        changes={"channel": channel},
        province_id=contact.unit.province_id,
    )
    return contact


# --- announcements -------------------------------------------------------------------------

CHANNELS = ("sms", "zalo", "web", "loudspeaker")


@transaction.atomic
def do_save_template(
    *,
    unit: Unit,
    name: str,
    title: str,
    body: str,
    urgency: str,
    channels: Sequence[str],
    actor: User | None,
) -> AnnouncementTemplate:
    _check(actor, "edit", unit.pk)
    template, _ = AnnouncementTemplate.objects.update_or_create(
        unit=unit,
        name=name,
        defaults={
            "title": title,
            "body": body,
            "urgency": urgency,
            "channels": f",{','.join(c for c in channels if c in CHANNELS)},",
        },
    )
    record_audit(
        actor=actor,
        action="citizens.save_template",
        target=template,
        province_id=unit.province_id or unit.pk,
    )
    return template


def _clean_announcement(
    title: str, body: str, urgency: str, channels: Sequence[str], audience: Audience, unit: Unit
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Hãy nhập tiêu đề."
    if len(body.strip()) < 10:
        errors["body"] = "Nội dung thông báo quá ngắn."
    if urgency not in Urgency.values:
        errors["urgency"] = "Mức độ không hợp lệ."
    if not channels or any(c not in CHANNELS for c in channels):
        errors["channels"] = "Hãy chọn ít nhất một kênh hợp lệ."
    if (
        audience.villages
        and Village.objects.filter(pk__in=audience.villages).exclude(unit=unit).exists()
    ):
        errors["villages"] = "Có thôn không thuộc xã này."
    return errors


@transaction.atomic
def do_create_announcement(
    *,
    unit: Unit,
    title: str,
    body: str,
    urgency: str = "normal",
    channels: Sequence[str] = ("web",),
    audience: Audience | None = None,
    sms_text: str = "",
    category: str = "",
    scheduled_at: dt.datetime | None = None,
    actor: User | None,
) -> Announcement:
    _check(actor, "edit", unit.pk)
    audience = audience or Audience()
    if urgency == Urgency.EMERGENCY:
        channels = CHANNELS  # an emergency goes out on every channel, at once
        scheduled_at = None
    errors = _clean_announcement(title, body, urgency, channels, audience, unit)
    if errors:
        raise ValidationError(errors)
    announcement = Announcement.objects.create(
        unit=unit,
        title=title.strip()[:200],
        body=body.strip(),
        sms_text=(sms_text.strip() or unaccent(f"{unit.name}: {title.strip()}. {body.strip()}"))[
            :640
        ],
        category=category[:60],
        urgency=urgency,
        channels=f",{','.join(channels)},",
        audience=audience.to_json(),
        scheduled_at=scheduled_at,
        created_by=active_user(actor),
    )
    record_audit(
        actor=actor,
        action="citizens.create_announcement",
        target=announcement,
        changes={"urgency": urgency, "channels": list(channels)},
        province_id=unit.province_id,
    )
    return announcement


def do_submit_announcement(
    *, announcement: Announcement, actor: User | None, now: dt.datetime | None = None
) -> Announcement:
    """An emergency goes now; otherwise to the chairman if the commune asks for approval,
    else it is scheduled (or sent now when no time was set)."""
    _check(actor, "edit", announcement.unit_id)
    now = now or timezone.now()
    if announcement.state != AnnouncementState.DRAFT:
        raise ValidationError("Chỉ gửi được thông báo đang ở trạng thái nháp.")
    with transaction.atomic():
        if not announcement.is_emergency and settings_for(announcement.unit_id).approval_required:
            announcement.state = AnnouncementState.PENDING
        else:
            announcement.state = AnnouncementState.SCHEDULED
        announcement.save(update_fields=["state"])
        record_audit(
            actor=actor,
            action="citizens.submit_announcement",
            target=announcement,
            changes={"state": announcement.state},
            province_id=announcement.unit.province_id,
        )
    if announcement.state == AnnouncementState.SCHEDULED and (
        announcement.scheduled_at is None or announcement.scheduled_at <= now
    ):
        do_send_announcement(announcement=announcement, actor=actor, now=now)
    return announcement


def do_approve_announcement(
    *, announcement: Announcement, actor: User, now: dt.datetime | None = None
) -> Announcement:
    chairman = settings_for(announcement.unit_id).chairman_id
    if not (actor.is_superuser or actor.pk == chairman):
        raise PermissionDenied("Chỉ chủ tịch UBND xã duyệt thông báo.")
    if announcement.state != AnnouncementState.PENDING:
        raise ValidationError("Thông báo không ở trạng thái chờ duyệt.")
    now = now or timezone.now()
    with transaction.atomic():
        announcement.state, announcement.approved_by = AnnouncementState.SCHEDULED, actor
        announcement.save(update_fields=["state", "approved_by"])
        record_audit(
            actor=actor,
            action="citizens.approve_announcement",
            target=announcement,
            province_id=announcement.unit.province_id,
        )
    if announcement.scheduled_at is None or announcement.scheduled_at <= now:
        do_send_announcement(announcement=announcement, actor=actor, now=now)
    return announcement


def _fan_out(announcement: Announcement, now: dt.datetime) -> int:
    """One outbox row per (announcement, recipient, channel), inserted in bulk; rerunning
    adds nothing (the keys exist). Opted-out channels are skipped."""
    audience = audience_contacts(announcement.unit_id, Audience.from_json(announcement.audience))
    urgent = announcement.urgency != Urgency.NORMAL
    wanted = [c for c in ("sms", "zalo") if c in announcement.channel_list]
    text_sms = announcement.sms_text or unaccent(announcement.body)[:640]
    text_zalo = f"{announcement.title}\n\n{announcement.body}"
    sms_first = outbox.first_attempt("sms", urgent, now)
    expires = outbox.expiry(urgent, now)
    created = 0
    for channel, address, opted_out, text, first in (
        ("sms", "phone", "opt_out_sms", text_sms, sms_first),
        ("zalo", "zalo_id", "opt_out_zalo", text_zalo, now),
    ):
        if channel not in wanted:
            continue
        reachable = audience.exclude(**{address: ""}).filter(**{opted_out: False})
        created += outbox.enqueue_select(
            reachable.values("pk", address, "village_id"),
            address_column=address,
            unit_id=announcement.unit_id,
            announcement_id=announcement.pk,
            channel=channel,
            text=text,
            urgent=urgent,
            first=first,
            expires=expires,
            now=now,
        )
    return created


def do_send_announcement(
    *, announcement: Announcement, actor: User | None, now: dt.datetime | None = None
) -> Announcement:
    """Publishes on the web page, queues SMS/Zalo for every recipient, and synthesises
    the loudspeaker audio per cluster."""
    _check(actor, "edit", announcement.unit_id)
    if announcement.state not in (
        AnnouncementState.SCHEDULED,
        AnnouncementState.SENDING,
        AnnouncementState.SENT,
    ):
        raise ValidationError("Thông báo chưa được duyệt hoặc lên lịch.")
    now = now or timezone.now()
    with transaction.atomic():
        announcement.state = AnnouncementState.SENDING
        queued = _fan_out(announcement, now)
        announcement.recipients = audience_contacts(
            announcement.unit_id, Audience.from_json(announcement.audience)
        ).count()
        announcement.published_at = announcement.published_at or now
        announcement.state = AnnouncementState.SENT
        announcement.save(update_fields=["state", "recipients", "published_at"])
        record_audit(
            actor=actor,
            action="citizens.send_announcement",
            target=announcement,
            changes={"queued": queued, "recipients": announcement.recipients},
            province_id=announcement.unit.province_id,
        )
    if "loudspeaker" in announcement.channel_list:
        do_synthesise_audio(announcement=announcement, actor=actor, now=now)
    return announcement


def do_dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Sends scheduled announcements whose time has come (the scheduler task)."""
    from xaso.citizens.queries import pending_announcements

    now = now or timezone.now()
    sent = 0
    for announcement in pending_announcements(now)[:100]:
        do_send_announcement(announcement=announcement, actor=None, now=now)
        sent += 1
    return sent


@transaction.atomic
def do_cancel_announcement(*, announcement: Announcement, actor: User | None) -> Announcement:
    _check(actor, "edit", announcement.unit_id)
    if announcement.state not in (
        AnnouncementState.DRAFT,
        AnnouncementState.PENDING,
        AnnouncementState.SCHEDULED,
    ):
        raise ValidationError("Thông báo đã gửi, không huỷ được.")
    announcement.state = AnnouncementState.CANCELLED
    announcement.save(update_fields=["state"])
    record_audit(
        actor=actor,
        action="citizens.cancel_announcement",
        target=announcement,
        province_id=announcement.unit.province_id,
    )
    return announcement


# --- loudspeaker ---------------------------------------------------------------------------


@transaction.atomic
def do_save_lexicon(*, unit: Unit, written: str, spoken: str, actor: User | None) -> Lexicon:
    _check(actor, "edit", unit.pk)
    written, spoken = " ".join(written.split()), " ".join(spoken.split())
    if not written or not spoken:
        raise ValidationError("Hãy nhập cả cách viết và cách đọc.")
    entry, _ = Lexicon.objects.update_or_create(
        unit=unit, written=written, defaults={"spoken": spoken}
    )
    record_audit(
        actor=actor, action="citizens.save_lexicon", target=entry, province_id=unit.province_id
    )
    return entry


@transaction.atomic
def do_save_cluster(
    *, unit: Unit, name: str, villages: Sequence[Village], schedule: str, actor: User | None
) -> SpeakerCluster:
    _check(actor, "edit", unit.pk)
    try:
        times = speech.parse_schedule(schedule)
    except ValueError as exc:
        raise ValidationError({"schedule": str(exc)}) from None
    cluster, _ = SpeakerCluster.objects.update_or_create(
        unit=unit, name=name.strip(), defaults={"schedule": ",".join(times)}
    )
    cluster.villages.set([v for v in villages if v.unit_id == unit.pk])
    record_audit(
        actor=actor, action="citizens.save_cluster", target=cluster, province_id=unit.province_id
    )
    return cluster


def do_synthesise_audio(
    *, announcement: Announcement, actor: User | None, now: dt.datetime | None = None
) -> list[AudioClip]:
    """Speaks the bulletin with the commune's lexicon, once, and files it for every
    loudspeaker cluster with the cluster's next play times."""
    from xaso.citizens.queries import clusters_of, lexicon_for

    _check(actor, "edit", announcement.unit_id)
    now = now or timezone.now()
    text = speech.bulletin_text(announcement.unit.name, announcement.title, announcement.body)
    spoken = speech.normalise(text, lexicon_for(announcement.unit_id))
    audio = speech.synthesise(spoken)
    clips = []
    with transaction.atomic():
        for cluster in clusters_of(announcement.unit_id):
            plays = speech.next_plays(
                cluster.schedule, now, urgent=announcement.urgency != Urgency.NORMAL
            )
            clip, _ = AudioClip.objects.get_or_create(
                announcement=announcement,
                cluster=cluster,
                defaults={
                    "spoken_text": spoken,
                    "seconds": audio.seconds,
                    "plays_at": [p.isoformat() for p in plays],
                },
            )
            stem = f"a{announcement.pk}-k{cluster.pk}"
            clip.spoken_text, clip.seconds = spoken, audio.seconds
            clip.plays_at = [p.isoformat() for p in plays]
            clip.ogg.save(f"{stem}.ogg", ContentFile(audio.ogg), save=False)
            clip.mp3.save(f"{stem}.mp3", ContentFile(audio.mp3), save=False)
            clip.save()
            clips.append(clip)
        record_audit(
            actor=actor,
            action="citizens.synthesise_audio",
            target=announcement,
            changes={"clusters": len(clips), "seconds": round(audio.seconds, 1)},
            province_id=announcement.unit.province_id,
        )
    return clips
