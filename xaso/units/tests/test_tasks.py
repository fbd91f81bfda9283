"""Tasks go through the database queue and a real worker run."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus

from xaso.units.tasks import refresh_units

pytestmark = pytest.mark.django_db


def test_refresh_units_runs_in_the_database_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker recycles connections between tasks; inside the test's transaction that
    # would drop the very connection holding the queued task.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    result = refresh_units.enqueue()
    assert result.status == TaskResultStatus.READY
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"created": 0, "updated": 0, "unchanged": 14149}
