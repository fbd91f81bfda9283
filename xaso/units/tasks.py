"""Background tasks of the units app: thin wrappers that call one action."""

from __future__ import annotations

from django.tasks import task

from xaso.units.actions import do_import_units


@task
def refresh_units() -> dict[str, int]:
    """Re-reads the package's unit data (after an upgrade); idempotent like the command."""
    report = do_import_units()
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
