"""Background tasks of the programs app: thin wrappers that call one action."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from xaso.programs.actions import do_refresh_measured_kpis, do_send_reminders


@task
def send_reminders(on: str | None = None) -> dict[str, int]:
    """Nhắc việc hằng ngày: tasks due or overdue, KPI measurements due (idempotent: a
    reminder already sent is not sent again)."""
    report = do_send_reminders(on=dt.date.fromisoformat(on) if on else None)
    return {"notified": report.notified, "emailed": report.emailed}


@task
def refresh_measured_kpis(on: str | None = None) -> dict[str, int]:
    """Records today's value of every measured KPI from its registered source."""
    report = do_refresh_measured_kpis(on=dt.date.fromisoformat(on) if on else None)
    return {"recorded": report.recorded, "without_value": len(report.without_value)}
