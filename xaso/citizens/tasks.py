"""Background tasks of the residents' channel: thin wrappers that call one action.

The outbox and due announcements are sent by the long-running ``xaso outbox`` process;
clocks (hourly) and retraining (daily) are periodic sweeps (``xaso periodic``)."""

from __future__ import annotations

from django.tasks import task

from xaso.citizens import actions, queries
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


@task
def retrain_all_classifiers() -> int:
    """Retrains each province's category suggestions on its closed cases."""
    provinces = queries.provinces_with_cases()
    for province in provinces:
        actions.do_retrain_classifier(province=province, actor=None)
    return len(provinces)
