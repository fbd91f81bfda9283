"""Periodic sweeps (reminders, escalations, retraining) without a scheduler process.

The database task queue has no clock of its own, so each app registers its sweeping
tasks here (in AppConfig.ready) and the host's cron or systemd timer runs
``xaso periodic hourly`` / ``xaso periodic daily``, which only enqueues them: the work
itself is done by the ordinary workers, retried and logged like any other task.
"""

from __future__ import annotations

from typing import Any, Literal

Every = Literal["hourly", "daily"]

_periodic: dict[Every, dict[str, Any]] = {"hourly": {}, "daily": {}}


def register_periodic(task: Any, *, every: Every) -> None:
    """``task`` is a ``django.tasks`` Task taking no arguments."""
    _periodic[every][task.module_path] = task


def periodic(every: Every) -> list[Any]:
    return list(_periodic[every].values())
