"""The outbox engine behind ``actions.do_drain_outbox`` and the enqueueing actions.

A row is one message to one recipient on one channel. Workers *claim* ready rows with a
lease (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose writers are
serialised, an UPDATE inside an IMMEDIATE transaction), send them through the unit's
gateways in priority order (circuit breaker per gateway, failover to the next), and
record the outcome. A worker that dies leaves rows whose lease runs out; another worker
takes them again and resends with the same idempotency key, which the gateway honours,
so a phone gets the message once.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xaso.citizens.channels import Outgoing, Result, adapter_for
from xaso.citizens.clocks import end_of_quiet_hours, quiet_hours
from xaso.citizens.models import Gateway, OutboxMessage, OutboxState

MAX_ATTEMPTS = 10
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 3600.0
BREAKER_THRESHOLD = 3
SEND_CHUNK = 100


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def lease_seconds() -> float:
    return _setting("XASO_OUTBOX_LEASE_SECONDS", 60.0)


def breaker_cooldown() -> float:
    return _setting("XASO_OUTBOX_BREAKER_SECONDS", 30.0)


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential with full jitter on the upper half, capped at an hour."""
    base = _setting("XASO_OUTBOX_BACKOFF_SECONDS", BACKOFF_BASE_SECONDS)
    ceiling = min(BACKOFF_CAP_SECONDS, base * (2 ** max(attempts - 1, 0)))
    r = (rng or random).random()
    return dt.timedelta(seconds=ceiling / 2 + r * ceiling / 2)


def first_attempt(channel: str, urgent: bool, now: dt.datetime) -> dt.datetime:
    """Non-urgent SMS wait for 07:00 when queued during quiet hours."""
    if channel == "sms" and not urgent and quiet_hours(now):
        return end_of_quiet_hours(now)
    return now


def expiry(urgent: bool, now: dt.datetime) -> dt.datetime:
    return now + (dt.timedelta(hours=12) if urgent else dt.timedelta(days=3))


def row(
    *,
    unit_id: int,
    key: str,
    channel: str,
    address: str,
    text: str,
    urgent: bool,
    now: dt.datetime,
    announcement_id: int | None = None,
    case_id: int | None = None,
    contact_id: int | None = None,
    village_id: int | None = None,
) -> OutboxMessage:
    return OutboxMessage(
        unit_id=unit_id,
        key=key,
        channel=channel,
        address=address,
        text=text,
        urgent=urgent,
        announcement_id=announcement_id,
        case_id=case_id,
        contact_id=contact_id,
        village_id_cache=village_id,
        next_attempt_at=first_attempt(channel, urgent, now),
        expires_at=expiry(urgent, now),
        queued_at=now,
    )


def enqueue(rows: Iterable[OutboxMessage], *, batch_size: int = 5000, count: bool = True) -> int:
    """Inserts rows whose key is new; an existing key is the same message and is kept.
    Returns how many rows were new (or -1 when ``count`` is off, for the hot path)."""
    before = OutboxMessage.objects.count() if count else 0
    chunk: list[OutboxMessage] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= batch_size:
            OutboxMessage.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        OutboxMessage.objects.bulk_create(chunk, ignore_conflicts=True)
    return OutboxMessage.objects.count() - before if count else -1


def enqueue_select(
    contacts: QuerySet[Any, Any],
    *,
    address_column: str,
    unit_id: int,
    announcement_id: int,
    channel: str,
    text: str,
    urgent: bool,
    first: dt.datetime,
    expires: dt.datetime,
    now: dt.datetime,
) -> int:
    """One row per contact in ``contacts`` (a ``values("pk", address, "village_id")``
    queryset) as a single INSERT … SELECT: the database copies, Python never sees the
    100,000 rows. Keys already present are skipped (ON CONFLICT DO NOTHING, SQLite and
    PostgreSQL alike), so running it twice queues nothing new."""
    sql, params = contacts.order_by().query.sql_with_params()
    table = OutboxMessage._meta.db_table
    ops = connection.ops
    when = [ops.adapt_datetimefield_value(v) for v in (first, expires, now)]
    insert = (
        f'INSERT INTO "{table}" ("unit_id", "key", "announcement_id", "contact_id", '
        '"village_id_cache", "channel", "address", "text", "urgent", "state", "attempts", '
        '"next_attempt_at", "expires_at", "claimed_by", "provider_message_id", "last_error", '
        '"queued_at") '
        "SELECT %s, %s || CAST(c.pk AS TEXT) || %s, %s, c.pk, c.village_id, %s, "
        f'c."{address_column}", %s, %s, %s, 0, %s, %s, %s, %s, %s, %s '
        # "WHERE 1 = 1": SQLite needs a WHERE before an upsert clause on INSERT … SELECT.
        f"FROM ({sql}) AS c WHERE 1 = 1 "
        'ON CONFLICT ("key") DO NOTHING'
    )
    values = [
        unit_id,
        f"a{announcement_id}:c",
        f":{channel}",
        announcement_id,
        channel,
        text,
        urgent,
        OutboxState.QUEUED,
        when[0],
        when[1],
        "",
        "",
        "",
        when[2],
    ]
    with connection.cursor() as cursor:
        params_all: list[Any] = [*values, *params]
        cursor.execute(insert, params_all)
        return int(cursor.rowcount)


def _ready(now: dt.datetime) -> Q:
    due = Q(state=OutboxState.QUEUED, next_attempt_at__lte=now)
    abandoned = Q(state=OutboxState.SENDING, lease_until__lt=now)
    ready = due | abandoned
    if quiet_hours(now):
        ready &= Q(urgent=True) | ~Q(channel="sms")
    return ready


def claim(worker: str, limit: int, now: dt.datetime) -> list[OutboxMessage]:
    token = f"{worker[:27]}:{uuid.uuid4().hex[:12]}"
    lease = now + dt.timedelta(seconds=lease_seconds())
    with transaction.atomic():
        ready = OutboxMessage.objects.filter(_ready(now)).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            ids = list(
                ready.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit]
            )
            claimed = OutboxMessage.objects.filter(pk__in=ids)
        else:
            # SQLite: the transaction holds the write lock from its start, so no other
            # worker can claim between this read and the update.
            claimed = OutboxMessage.objects.filter(
                pk__in=list(ready.values_list("pk", flat=True)[:limit])
            )
        claimed.update(state=OutboxState.SENDING, claimed_by=token, lease_until=lease)
    return list(
        OutboxMessage.objects.filter(claimed_by=token, state=OutboxState.SENDING)
        .select_related("unit")
        .order_by("pk")
    )


@dataclass
class DrainReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    expired: int = 0
    batches: int = 0
    by_gateway: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: DrainReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "deferred", "expired", "batches"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.by_gateway.items():
            self.by_gateway[k] += v


def gateways_for(kind: str, unit_id: int, province_id: int | None) -> list[Gateway]:
    units = [u for u in (unit_id, province_id) if u is not None]
    return list(
        Gateway.objects.filter(kind=kind, active=True, unit_id__in=units).order_by("priority", "pk")
    )


def _breaker_open(gateway: Gateway, now: dt.datetime) -> bool:
    return gateway.opened_until is not None and gateway.opened_until > now


def _note_call(gateway: Gateway, results: Sequence[Result], now: dt.datetime) -> None:
    """A call whose every message bounced as retryable counts as a gateway failure."""
    if results and all(not r.ok and r.retry for r in results):
        Gateway.objects.filter(pk=gateway.pk).update(failures=F("failures") + 1)
        gateway.refresh_from_db(fields=["failures", "opened_until"])
        if gateway.failures >= BREAKER_THRESHOLD:
            gateway.opened_until = now + dt.timedelta(seconds=breaker_cooldown())
            Gateway.objects.filter(pk=gateway.pk).update(opened_until=gateway.opened_until)
    elif gateway.failures or gateway.opened_until:
        Gateway.objects.filter(pk=gateway.pk).update(failures=0, opened_until=None)
        gateway.failures, gateway.opened_until = 0, None


def callback_url(gateway: Gateway) -> str:
    base = str(getattr(settings, "XASO_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("citizens:sms_report", args=[gateway.name])


def _send_via_chain(
    chain: list[Gateway], items: list[OutboxMessage], now: dt.datetime
) -> tuple[dict[str, tuple[Result, Gateway | None]], dt.datetime | None]:
    """Each message's last result and the gateway that gave it; tries the next gateway
    for what the previous one could not take. Also returns when an open breaker closes,
    if every gateway was open."""
    outcome: dict[str, tuple[Result, Gateway | None]] = {}
    pending = items
    reopen: dt.datetime | None = None
    tried_any = False
    for gateway in chain:
        if not pending:
            break
        if _breaker_open(gateway, now):
            assert gateway.opened_until is not None
            reopen = gateway.opened_until if reopen is None else min(reopen, gateway.opened_until)
            continue
        tried_any = True
        adapter = adapter_for(
            gateway.kind,
            gateway.base_url,
            gateway.api_key,
            callback_url(gateway) if gateway.kind == "sms" else "",
        )
        still: list[OutboxMessage] = []
        for start in range(0, len(pending), SEND_CHUNK):
            chunk = pending[start : start + SEND_CHUNK]
            results = adapter.send([Outgoing(m.key, m.address, m.text) for m in chunk])
            _note_call(gateway, results, now)
            by_key = {r.key: r for r in results}
            for m in chunk:
                result = by_key.get(m.key) or Result(m.key, False, retry=True, error="không rõ")
                outcome[m.key] = (result, gateway)
                if not result.ok and result.retry:
                    still.append(m)
        pending = still
    return outcome, (reopen if not tried_any else None)


_FIELDS = [
    "state",
    "attempts",
    "next_attempt_at",
    "provider_message_id",
    "gateway",
    "sent_at",
    "last_error",
    "claimed_by",
    "lease_until",
    "finished_at",
]


def process(rows: list[OutboxMessage], now: dt.datetime, rng: random.Random) -> DrainReport:
    report = DrainReport(claimed=len(rows))
    groups: dict[tuple[str, int, int | None], list[OutboxMessage]] = defaultdict(list)
    for m in rows:
        if m.expires_at <= now:
            m.state, m.finished_at, m.last_error = OutboxState.EXPIRED, now, "quá hạn gửi"
            m.claimed_by, m.lease_until = "", None
            report.expired += 1
            continue
        groups[(m.channel, m.unit_id, m.unit.province_id)].append(m)
    for (kind, unit_id, province_id), items in groups.items():
        chain = gateways_for(kind, unit_id, province_id)
        if not chain:
            for m in items:
                m.state, m.last_error = OutboxState.QUEUED, "chưa cấu hình cổng gửi"
                m.next_attempt_at, m.claimed_by, m.lease_until = now + backoff(5, rng), "", None
                report.deferred += 1
            continue
        outcome, reopen = _send_via_chain(chain, items, now)
        for m in items:
            m.claimed_by, m.lease_until = "", None
            if reopen is not None or m.key not in outcome:
                # Every gateway is resting: wait for the first to reopen (or a minute, in
                # case a gateway is added meanwhile), no attempt spent.
                m.state = OutboxState.QUEUED
                m.next_attempt_at = min(reopen or now, now + dt.timedelta(minutes=1))
                m.last_error = "mọi cổng đang tạm ngắt"
                report.deferred += 1
                continue
            result, gateway = outcome[m.key]
            m.attempts += 1
            m.gateway = gateway
            if result.ok:
                m.state, m.sent_at = OutboxState.SENT, now
                m.provider_message_id, m.last_error = result.provider_id, ""
                report.sent += 1
                if gateway is not None:
                    report.by_gateway[gateway.name] += 1
            elif result.retry and m.attempts < MAX_ATTEMPTS:
                m.state, m.last_error = OutboxState.QUEUED, result.error[:300]
                m.next_attempt_at = now + backoff(m.attempts, rng)
                report.retried += 1
            else:
                m.state, m.finished_at, m.last_error = OutboxState.FAILED, now, result.error[:300]
                report.failed += 1
    OutboxMessage.objects.bulk_update(rows, _FIELDS, batch_size=500)
    return report


def drain(
    worker: str,
    *,
    batch: int = 200,
    max_batches: int | None = None,
    clock: Callable[[], dt.datetime] = timezone.now,
    seed: int | None = None,
) -> DrainReport:
    """Claims and sends until nothing is ready (or ``max_batches``)."""
    rng = random.Random(seed)
    total = DrainReport()
    while max_batches is None or total.batches < max_batches:
        now = clock()
        rows = claim(worker, batch, now)
        if not rows:
            break
        total.add(process(rows, now, rng))
        total.batches += 1
    return total


_ORDER = {OutboxState.SENT: 1, OutboxState.DELIVERED: 2, OutboxState.FAILED: 2}


def apply_report(gateway: Gateway, data: dict[str, Any], now: dt.datetime) -> str:
    """A delivery report: ``{"message_id", "client_ref", "status"}``. Reports come late,
    twice, or out of order; a delivered message stays delivered."""
    status = str(data.get("status") or "")
    if status not in {"delivered", "failed", "expired"}:
        raise ValueError("Trạng thái báo cáo không hợp lệ.")
    message_id = str(data.get("message_id") or "")
    qs = OutboxMessage.objects.filter(provider_message_id=message_id, gateway=gateway)
    if not message_id or not qs.exists():
        key = str(data.get("client_ref") or "")
        qs = OutboxMessage.objects.filter(key=key, channel=gateway.kind) if key else qs.none()
    target = {
        "delivered": OutboxState.DELIVERED,
        "failed": OutboxState.FAILED,
        "expired": OutboxState.EXPIRED,
    }[status]
    changes: dict[str, Any] = {"state": target, "finished_at": now}
    if target == OutboxState.DELIVERED:
        changes["delivered_at"] = now
    else:
        changes["last_error"] = str(data.get("error") or status)[:300]
    updated = qs.filter(state__in=[OutboxState.SENT, OutboxState.SENDING]).update(**changes)
    return "updated" if updated else ("repeated" if qs.exists() else "unknown")
