"""Deadline reminders through the database queue and a real worker run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone

from xaso.accounts.models import User
from xaso.assessments import actions
from xaso.assessments.models import Period, Reminder
from xaso.assessments.tasks import schedule_reminders, send_deadline_reminders
from xaso.assessments.tests.factories import make_period, make_ready
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker recycles connections between tasks; inside the test's transaction that
    # would drop the very connection holding the queued task.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def test_units_not_yet_submitted_are_reminded_once_by_the_worker(
    dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit, framework: Any, officer: Any,
    officer_kn: Any, django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    User.objects.filter(pk=officer.pk).update(email="canbo.hp@example.vn")
    User.objects.filter(pk=officer_kn.pk).update(email="canbo.kn@example.vn")
    period = make_period(dak_lak, [hoa_phu, krong_nang], framework=framework,
                         closes_at=timezone.now() + dt.timedelta(days=2, hours=1))  # fmt: skip
    done = make_ready(period.submissions.get(unit=krong_nang), officer_kn)
    actions.do_submit_submission(submission=done, actor=officer_kn)
    result = send_deadline_reminders.enqueue(period.pk)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == 1
    reminder = Reminder.objects.get()
    assert (reminder.unit, reminder.days_before, reminder.recipients) == (hoa_phu, 3, 1)
    assert [m.to for m in mail.outbox] == [["canbo.hp@example.vn"]]
    assert "Còn 3 ngày" in mail.outbox[0].subject and hoa_phu.name in mail.outbox[0].body
    again = send_deadline_reminders.enqueue(period.pk)
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    again.refresh()
    assert again.return_value == 0 and Reminder.objects.count() == 1 and len(mail.outbox) == 1


def test_no_reminder_before_the_first_offset_or_after_the_close(period: Period) -> None:
    assert actions.do_send_deadline_reminders(period=period) == 0  # 30 days ahead
    later = period.closes_at + dt.timedelta(hours=1)
    assert actions.do_send_deadline_reminders(period=period, now=later) == 0
    with time_machine.travel(period.closes_at - dt.timedelta(days=6)):
        assert actions.do_send_deadline_reminders(period=period) == 2
    assert not Reminder.objects.exclude(days_before=7).exists()


def test_opening_a_period_queues_one_run_per_reminder_day(period: Period) -> None:
    from django_tasks_db.models import DBTaskResult

    assert schedule_reminders(period) == 3
    runs = sorted(DBTaskResult.objects.values_list("run_after", flat=True))
    assert runs == [period.closes_at - dt.timedelta(days=d) for d in (7, 3, 1)]
