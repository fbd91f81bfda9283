from __future__ import annotations

from xaso.results.models import AnalysisState
from xaso.results.tasks import analyse_snapshot
from xaso.results.tests.factories import Published


def test_task_analyses_by_id(published: Published) -> None:
    assert analyse_snapshot.call(published.snap_before.pk) == AnalysisState.DONE
    assert published.snap_before.results_analysis.units.count() == 4
