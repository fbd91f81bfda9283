"""The daily retention sweep (``xaso periodic daily``): a thin wrapper over the action."""

from __future__ import annotations

from django.tasks import task

from xaso.privacy import actions


@task
def sweep_retention() -> dict[str, int]:
    return actions.do_sweep_retention(actor=None).counts
