"""Measured values reaching assessments and programme KPIs, the counters' SQL agreeing with
their drill-down filters, and scoped reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from xaso.accounts.tests.factories import make_user
from xaso.assessments import queries as assessment_queries
from xaso.assessments.tests.factories import make_period
from xaso.connectors import measures, queries
from xaso.connectors.models import Dossier, Kind, Source
from xaso.connectors.tests.factories import document, dossier, load
from xaso.programs.measured import kpi_source
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(source: Source, song_cau: Unit, thai_nguyen: Unit) -> Source:
    load(source, "dossier", [
        dossier("Q1", "01837", "2025-03-01 08:00", fee="8000", paid_online="có"),
        dossier("Q2", "01843", "2025-08-01 08:00", channel="in_person", full_online="không",
                fee="2000"),
        dossier("Q3", "01843", "2025-09-01 08:00", due_at="2025-09-03 17:00",
                resolved_at="2025-09-02 08:00", status="resolved"),
        dossier("Q4", "01843", "2025-09-02 08:00"),
    ])  # fmt: skip
    load(source, "document", [document("D1", "01843", "2025-08-05"),
                              document("D2", "01843", "2025-08-06", signed="không")])  # fmt: skip
    return source


def test_measured_values_appear_beside_the_self_reported_ones(
    loaded: Source, song_cau: Unit, thai_nguyen: Unit
) -> None:
    period = make_period(thai_nguyen, [song_cau])
    submission = period.submissions.get()
    found = assessment_queries.measured_for(submission)
    assert found["CQ.06"].cell == {"v": 75.0}  # 3 of 4 full-process online
    assert found["CQ.07"].cell == {"v": 50.0}  # 1 of 2 fee dossiers paid online
    assert found["CQ.01"].cell == {"num": 1.0, "den": 2.0}
    assert found["CQ.06"].source == queries.MEASURED_SOURCE
    # Self-reported criteria are never fed.
    assert "CQ.02" not in found


def test_a_period_before_any_record_has_no_measured_value(
    loaded: Source, song_cau: Unit, thai_nguyen: Unit
) -> None:
    period = make_period(thai_nguyen, [song_cau], year=2023)
    assert assessment_queries.measured_for(period.submissions.get()) == {}


def test_provenance_names_the_source_extraction_time_and_count(
    loaded: Source, song_cau: Unit
) -> None:
    result = queries.measured("dossiers.full_online_share", song_cau,
                              dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # fmt: skip
    assert result.records == 4 and result.percent == 75.0
    [share] = result.sources
    assert share.name == loaded.name and share.records == 4
    assert share.extracted_at is not None


def test_programme_kpis_can_take_measured_values(loaded: Source, song_cau: Unit) -> None:
    entry = kpi_source("connectors.dossiers.online_share")
    value = entry.fn(song_cau, dt.date(2025, 12, 31))
    assert value is not None and value.value == 75.0 and entry.measure_unit == "%"
    assert entry.fn(song_cau, dt.date(2024, 12, 31)) is None
    signed = kpi_source(f"connectors.{measures.SIGNED_EVIDENCE}").fn(
        song_cau, dt.date(2025, 12, 31)
    )
    assert signed is not None and signed.value == 0


@pytest.mark.parametrize("kind", list(Kind))
def test_every_counter_sql_matches_its_drilldown_filter(
    kind: Kind, loaded: Source, song_cau: Unit, thai_nguyen: Unit
) -> None:
    from xaso.connectors.tests.factories import make_source, payment

    if kind is Kind.PAYMENT:
        load(make_source(thai_nguyen, "tt"), "payment", [
            payment("T1", "Q1", "2025-03-01 09:00"),
            payment("T2", "Q2", "2025-08-01 09:00", method="cash", amount="2000"),
        ])  # fmt: skip
    ids = queries.counted_unit_ids(song_cau)
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    summed = queries.counters(kind, ids, *year)
    model = queries.RECORD_MODELS[kind]
    base = model.objects.filter(unit_id__in=ids)
    assert summed["records"] == base.count() > 0
    for counter in measures.COUNTERS[kind]:
        if counter.name.startswith("amount"):
            continue
        assert summed[counter.name] == base.filter(counter.q).count(), counter.name
    # Whole months from tallies and the partial edges from records agree.
    assert queries.counters(kind, ids, dt.date(2025, 2, 15), dt.date(2025, 12, 31)) == summed


def test_drilldown_records_are_scoped(loaded: Source, song_cau: Unit, duc_van: Unit) -> None:
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    officer = make_user(role="commune_officer", units=[song_cau])
    other = make_user(role="commune_officer", units=[duc_van])
    mine = queries.records_for(officer, Kind.DOSSIER, song_cau, *year)
    # The pre-reform Sông Cầu record is included: the officer's unit covers its predecessor.
    assert sorted(r.source_sid for r in mine) == ["Q1", "Q2", "Q3", "Q4"]
    assert not queries.records_for(other, Kind.DOSSIER, song_cau, *year).exists()
    with pytest.raises(Http404):
        queries.unit_or_404(other, song_cau.pk)
    paid = queries.records_for(officer, Kind.DOSSIER, song_cau, *year, counter="paid_online")
    assert [r.source_sid for r in paid] == ["Q1"]
    assert Dossier.objects.count() == 4
