"""Background tasks of assessments (defined in ``jobs`` so that the pages can enqueue
them; see there)."""

from xaso.assessments.jobs import (
    remind_open_periods,
    run_import,
    schedule_reminders,
    send_deadline_reminders,
)

__all__ = ["remind_open_periods", "run_import", "schedule_reminders", "send_deadline_reminders"]
