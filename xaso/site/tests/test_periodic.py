"""`xaso periodic` enqueues every registered sweep for the workers."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


def test_daily_enqueues_the_deadline_reminder_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("periodic", "daily")
    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {
        "xaso.assessments.tasks.remind_open_periods",
        "xaso.programs.tasks.send_reminders",
        "xaso.programs.tasks.refresh_measured_kpis",
        "xaso.citizens.tasks.retrain_all_classifiers",
    } <= queued
    assert "tác vụ daily" in capsys.readouterr().out


def test_hourly_enqueues_the_case_clock_sweep() -> None:
    call_command("periodic", "hourly")
    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "xaso.citizens.tasks.send_reminders" in queued
