"""Background tasks of assessments: thin wrappers that load by id and call one action.
The pages enqueue them (an upload checked by the worker, reminders when a period opens)."""

from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone

from xaso.assessments.actions import do_run_import, do_send_deadline_reminders
from xaso.assessments.models import ImportJob, Period


@task
def send_deadline_reminders(period_id: int) -> int:
    """Reminds units not yet submitted; queued for each reminder day of a period."""
    period = Period.objects.filter(pk=period_id).first()
    if period is None:
        return 0
    return do_send_deadline_reminders(period=period)


@task
def remind_open_periods() -> int:
    """Sweeps every open period (for a scheduler that runs it daily)."""
    now = timezone.now()
    return sum(
        do_send_deadline_reminders(period=p, now=now)
        for p in Period.objects.filter(opens_at__lte=now, closes_at__gt=now)
    )


@task
def run_import(job_id: int) -> str:
    """Checks and applies an uploaded workbook as the person who uploaded it."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return do_run_import(job=job, actor=job.created_by).state


def schedule_reminders(period: Period) -> int:
    """Queues one reminder run per reminder day still ahead; returns how many."""
    now = timezone.now()
    queued = 0
    for days in period.reminder_offsets():
        when = period.closes_at - dt.timedelta(days=days)
        if when > now:
            send_deadline_reminders.using(run_after=when).enqueue(period.pk)
            queued += 1
    return queued
