"""Background tasks of the residents' channel: thin wrappers that call one action.
Run them from the worker (``xaso worker``) on a schedule: the outbox every few seconds,
due announcements every minute, clocks every hour, retraining nightly."""

from __future__ import annotations

from django.tasks import task

from xaso.citizens import actions
from xaso.units.models import Unit


@task
def drain_outbox(worker: str = "task") -> dict[str, int]:
    report = actions.do_drain_outbox(worker=worker)
    return {
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "deferred": report.deferred,
        "expired": report.expired,
    }


@task
def send_reminders() -> dict[str, int]:
    """Reminders before deadlines, escalation to the chairman after them."""
    run = actions.do_send_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated}


@task
def dispatch_due_announcements() -> int:
    return actions.do_dispatch_due()


@task
def retrain_classifier(province_id: int) -> dict[str, float | int | None]:
    model = actions.do_retrain_classifier(province=Unit.objects.get(pk=province_id), actor=None)
    return {"samples": model.samples, "accuracy": model.accuracy}
