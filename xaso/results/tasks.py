"""Background tasks of results: thin wrappers that load by id and call one action."""

from __future__ import annotations

from django.tasks import task

from xaso.assessments.models import Snapshot
from xaso.results.actions import do_analyse_snapshot


@task
def analyse_snapshot(snapshot_id: int) -> str:
    """The rank bands and change decomposition of one published snapshot, as the system."""
    snapshot = Snapshot.objects.select_related("period", "framework").get(pk=snapshot_id)
    return do_analyse_snapshot(snapshot=snapshot, actor=None).state
