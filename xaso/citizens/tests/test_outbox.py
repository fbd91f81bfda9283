"""The outbox: idempotent retries, backoff, circuit breaker, failover, quiet hours,
delivery reports (late, twice), two workers at once, and a small chaos run."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xaso.citizens import actions, channels, clocks, outbox
from xaso.citizens.fakegateway import FakeGateway, post_reports
from xaso.citizens.models import Gateway, OutboxMessage
from xaso.citizens.tests import factories
from xaso.units.models import Unit

VN = clocks.VN_TZ
NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=VN)


@pytest.fixture
def fakes() -> Iterator[dict[str, FakeGateway]]:
    made: dict[str, FakeGateway] = {}
    for name in ("primary", "backup"):
        made[name] = FakeGateway(name=name, secret="bi-mat")
        channels.register_fake(name, made[name])
    yield made
    for name in made:
        channels.unregister_fake(name)


@pytest.fixture
def primary(hoa_phu: Unit, fakes: dict[str, FakeGateway]) -> Gateway:
    return factories.gateway(hoa_phu, name="primary", secret="bi-mat", priority=1)


def queue(
    unit: Unit, n: int, *, urgent: bool = True, now: dt.datetime = NOON
) -> list[OutboxMessage]:
    rows = [
        outbox.row(
            unit_id=unit.pk,
            key=f"t:{i}",
            channel="sms",
            address=f"09120{i:05d}",
            text=f"Tin {i}",
            urgent=urgent,
            now=now,
        )
        for i in range(n)
    ]
    outbox.enqueue(rows)
    return list(OutboxMessage.objects.order_by("pk"))


def states() -> dict[str, int]:
    return {
        s: OutboxMessage.objects.filter(state=s).count()
        for s in ("queued", "sending", "sent", "delivered", "failed", "expired")
    }


@pytest.mark.django_db
def test_sends_and_records_provider_ids(hoa_phu: Unit, primary: Gateway, fakes: Any) -> None:
    queue(hoa_phu, 5)
    report = actions.do_drain_outbox(worker="w1", clock=lambda: NOON)
    assert report.sent == 5 and states()["sent"] == 5
    assert all(m.provider_message_id.startswith("primary-") for m in OutboxMessage.objects.all())
    assert sum(fakes["primary"].handset.values()) == 5


@pytest.mark.django_db
def test_a_retry_never_sends_twice(hoa_phu: Unit, primary: Gateway, fakes: Any) -> None:
    queue(hoa_phu, 3)
    rows = outbox.claim("w1", 10, NOON)
    adapter = channels.SmsHttpAdapter("fake://primary", "fake-key")
    # The gateway took the batch but the answer was lost: the worker sends it again.
    adapter.send([channels.Outgoing(m.key, m.address, m.text) for m in rows])
    OutboxMessage.objects.update(state="queued", claimed_by="", lease_until=None)
    actions.do_drain_outbox(worker="w2", clock=lambda: NOON)
    gateway = fakes["primary"]
    assert set(gateway.received.values()) == {2} and set(gateway.handset.values()) == {1}
    # Queuing the same message again (same key) adds no row.
    assert (
        outbox.enqueue(
            [
                outbox.row(
                    unit_id=hoa_phu.pk,
                    key="t:0",
                    channel="sms",
                    address="0912000000",
                    text="x",
                    urgent=True,
                    now=NOON,
                )
            ]
        )
        == 0
    )


@pytest.mark.django_db
def test_backoff_then_breaker_then_failover(
    hoa_phu: Unit, dak_lak: Unit, primary: Gateway, fakes: Any, settings: Any
) -> None:
    settings.XASO_OUTBOX_BREAKER_SECONDS = 600
    fakes["primary"].go_down(3600)
    queue(hoa_phu, 4)
    now = NOON
    first = actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
    assert first.retried == 4 and states()["queued"] == 4
    waits = {m.next_attempt_at - now for m in OutboxMessage.objects.all()}
    assert all(dt.timedelta(seconds=2) <= w <= dt.timedelta(seconds=5) for w in waits)
    for step in range(1, 4):
        now = NOON + dt.timedelta(hours=step)
        actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
    primary.refresh_from_db()
    assert primary.opened_until is not None and primary.opened_until > now  # breaker open
    attempts = set(OutboxMessage.objects.values_list("attempts", flat=True))
    now += dt.timedelta(minutes=2)
    deferred = actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
    assert (
        deferred.deferred == 4
        and set(OutboxMessage.objects.values_list("attempts", flat=True)) == attempts
    )
    # A province gateway as failover takes over while the primary rests.
    factories.gateway(dak_lak, name="backup", secret="bi-mat", priority=2)
    now += dt.timedelta(minutes=2)
    report = actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
    assert report.by_gateway == {"backup": 4} and states()["sent"] == 4
    assert sum(fakes["backup"].handset.values()) == 4 and not fakes["primary"].handset


@pytest.mark.django_db
def test_nothing_is_lost_while_the_gateway_is_down(
    hoa_phu: Unit, primary: Gateway, fakes: Any
) -> None:
    fakes["primary"].go_down(3600)
    queue(hoa_phu, 6)
    now = NOON
    for _ in range(6):
        actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
        now += dt.timedelta(minutes=10)
    assert states()["queued"] == 6 and not states()["failed"]
    fakes["primary"].down_until = 0
    now += dt.timedelta(hours=2)
    actions.do_drain_outbox(worker="w1", clock=lambda now=now: now)
    assert states()["sent"] == 6 and set(fakes["primary"].handset.values()) == {1}


@pytest.mark.django_db
def test_quiet_hours_hold_non_urgent_sms_until_seven(hoa_phu: Unit, primary: Gateway) -> None:
    night = dt.datetime(2026, 11, 20, 22, 30, tzinfo=VN)
    queue(hoa_phu, 2, urgent=False, now=night)
    outbox.enqueue(
        [
            outbox.row(
                unit_id=hoa_phu.pk,
                key="khan",
                channel="sms",
                address="0912999000",
                text="Lũ",
                urgent=True,
                now=night,
            )
        ]
    )
    held = OutboxMessage.objects.filter(urgent=False)
    assert {m.next_attempt_at for m in held} == {dt.datetime(2026, 11, 21, 7, 0, tzinfo=VN)}
    report = actions.do_drain_outbox(worker="w1", clock=lambda: night + dt.timedelta(hours=3))
    assert report.sent == 1 and OutboxMessage.objects.get(key="khan").state == "sent"
    morning = dt.datetime(2026, 11, 21, 7, 1, tzinfo=VN)
    assert actions.do_drain_outbox(worker="w1", clock=lambda: morning).sent == 2


@pytest.mark.django_db
def test_permanent_errors_fail_and_old_messages_expire(hoa_phu: Unit, primary: Gateway) -> None:
    outbox.enqueue(
        [
            outbox.row(
                unit_id=hoa_phu.pk,
                key="sai-so",
                channel="sms",
                address="12",
                text="x",
                urgent=True,
                now=NOON,
            )
        ]
    )
    old = outbox.row(
        unit_id=hoa_phu.pk,
        key="cu",
        channel="sms",
        address="0912000001",
        text="x",
        urgent=True,
        now=NOON - dt.timedelta(days=2),
    )
    outbox.enqueue([old])
    actions.do_drain_outbox(worker="w1", clock=lambda: NOON)
    assert OutboxMessage.objects.get(key="sai-so").state == "failed"
    assert OutboxMessage.objects.get(key="cu").state == "expired"


@pytest.mark.django_db
def test_delivery_reports_late_twice_and_signed(
    hoa_phu: Unit, primary: Gateway, fakes: Any
) -> None:
    fakes["primary"].duplicate_reports = True
    queue(hoa_phu, 3)
    actions.do_drain_outbox(worker="w1", clock=lambda: NOON)
    client = Client()
    answers: list[int] = []

    def deliver(url: str, headers: dict[str, str], body: bytes) -> None:
        path = reverse("citizens:sms_report", args=["primary"])
        assert url.endswith(path)
        answers.append(
            client.post(path, body, content_type="application/json", headers=headers).json()[
                "status"
            ]
            == "updated"
        )

    assert post_reports(fakes["primary"], deliver) == 6
    assert sorted(answers) == [False, False, False, True, True, True]
    assert states()["delivered"] == 3
    forged = client.post(
        reverse("citizens:sms_report", args=["primary"]),
        b'{"status":"failed"}',
        content_type="application/json",
    )
    assert forged.status_code == 401 and states()["delivered"] == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_message_twice(hoa_phu: Unit, fakes: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrent claiming needs PostgreSQL (SKIP LOCKED); SQLite serialises "
            "writers, so two threads here would only take turns."
        )
    factories.gateway(hoa_phu, name="primary", secret="bi-mat")
    queue(hoa_phu, 600, now=timezone.now())
    fakes["primary"].slow_seconds = 0.002
    reports: dict[str, Any] = {}

    def work(name: str) -> None:
        try:
            reports[name] = actions.do_drain_outbox(worker=name, batch=50)
        except Exception as exc:  # surfaced by the assertion below
            reports[name] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert states()["sent"] == 600, reports
    assert set(fakes["primary"].received.values()) == {1}  # no message submitted twice
    assert reports["w1"].sent > 0 and reports["w2"].sent > 0


@pytest.mark.django_db
def test_small_chaos_run_loses_nothing_and_duplicates_nothing(
    hoa_phu: Unit, dak_lak: Unit, settings: Any
) -> None:
    settings.XASO_OUTBOX_LEASE_SECONDS = 30
    flaky = FakeGateway(name="flaky", fail_rate=0.3, seed=5)
    channels.register_fake("flaky", flaky)
    try:
        factories.gateway(hoa_phu, name="flaky", secret="bi-mat")
        queue(hoa_phu, 300)
        now = NOON
        # A worker dies holding a batch: its rows stay "sending" until the lease ends.
        dead = outbox.claim("dead", 40, now)
        assert len(dead) == 40
        flaky.go_down(0)  # and the gateway is about to be down for a while
        for step in range(400):
            if step == 3:
                flaky.go_down(5)
            now += dt.timedelta(seconds=20)
            actions.do_drain_outbox(worker="live", batch=60, clock=lambda now=now: now, seed=step)
            if states()["sent"] == 300:
                break
        lost = 300 - states()["sent"]
        duplicates = sum(1 for n in flaky.handset.values() if n > 1)
        assert (lost, duplicates) == (0, 0)
        assert len(flaky.handset) == 300
    finally:
        channels.unregister_fake("flaky")


@pytest.mark.django_db
def test_the_outbox_command_sends_what_is_due_and_exits_with_once(
    hoa_phu: Unit,
    primary: Gateway,
    fakes: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.management import call_command

    # The loop recycles connections between batches; inside the test's transaction that
    # would drop the connection holding the queued messages.
    monkeypatch.setattr(
        "xaso.citizens.management.commands.outbox.close_old_connections", lambda: None
    )
    queue(hoa_phu, 4, now=timezone.now())
    call_command("outbox", "--once")
    assert states()["sent"] == 4
    assert "đã gửi 4" in capsys.readouterr().out
