"""Imports (idempotence, atomicity, lineage, the log), tallies and every formula, sources
and tokens, the trust store."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from xaso.accounts.tests.factories import make_user
from xaso.connectors import actions, queries
from xaso.connectors.models import (
    BatchState,
    Document,
    Dossier,
    DossierTally,
    ImportBatch,
    Payment,
    Source,
)
from xaso.connectors.tests.factories import document, dossier, load, make_source, payment
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

Y2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def value(key: str, unit: Unit, start: dt.date, end: dt.date) -> tuple[int, int]:
    result = queries.measured(key, unit, start, end)
    return result.numerator, result.denominator


def test_a_batch_is_stored_logged_and_tallied(source: Source, song_cau: Unit) -> None:
    report = load(source, "dossier", [
        dossier("A1", "01843", "2025-08-01 08:00"),
        dossier("A2", "01843", "2025-08-02 09:30", channel="in_person", full_online="không"),
    ], filename="mot-cua.json")  # fmt: skip
    assert report.ok, report.errors
    batch = report.batch
    assert (batch.rows, batch.created, batch.updated, batch.unchanged) == (2, 2, 0, 0)
    assert batch.units_recomputed == 1 and batch.actor_label == "system"
    assert len(batch.sha256) == 64 and batch.filename == "mot-cua.json"
    assert Dossier.objects.filter(unit=song_cau).count() == 2
    tally = DossierTally.objects.get(unit=song_cau, month=202508)
    assert (tally.records, tally.online, tally.full_online) == (2, 1, 1)
    assert AuditEntry.objects.filter(action="connectors.import_records").count() == 1


def test_reimporting_the_same_records_changes_nothing(source: Source, song_cau: Unit) -> None:
    rows = [dossier(f"B{i}", "01843", "2025-09-01 08:00") for i in range(5)]
    load(source, "dossier", rows)
    first = list(Dossier.objects.order_by("pk").values_list("pk", "batch_id", "digest"))
    again = load(source, "dossier", rows)
    assert again.ok
    assert (again.batch.created, again.batch.updated, again.batch.unchanged) == (0, 0, 5)
    assert again.batch.units_recomputed == 0
    assert list(Dossier.objects.order_by("pk").values_list("pk", "batch_id", "digest")) == first


def test_a_changed_record_is_updated_in_place(source: Source, song_cau: Unit) -> None:
    load(source, "dossier", [dossier("C1", "01843", "2025-09-01 08:00", channel="in_person",
                                     full_online="không")])  # fmt: skip
    report = load(source, "dossier", [dossier("C1", "01843", "2025-09-01 08:00")])
    assert (report.batch.created, report.batch.updated) == (0, 1)
    assert Dossier.objects.get(source_sid="C1").channel == "online"
    september = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
    assert value("dossiers.online_share", song_cau, *september) == (1, 1)


def test_the_same_source_id_in_another_source_is_another_record(
    source: Source, thai_nguyen: Unit
) -> None:
    other = make_source(thai_nguyen, "dvc-quoc-gia")
    load(source, "dossier", [dossier("D1", "01843", "2025-09-01 08:00")])
    load(other, "dossier", [dossier("D1", "01843", "2025-09-01 08:00")])
    assert Dossier.objects.filter(source_sid="D1").count() == 2


def test_one_bad_row_rejects_the_whole_batch_with_every_problem(
    source: Source, song_cau: Unit
) -> None:
    load(source, "dossier", [dossier("E0", "01843", "2025-09-01 08:00")])
    before = list(Dossier.objects.values_list("source_sid", "channel"))
    report = load(source, "dossier", [
        dossier("E0", "01843", "2025-09-01 08:00", channel="post", full_online="không"),
        dossier("E1", "01843", "2025-09-01 08:00"),
        dossier("E2", "99999", "32/13/2025", channel="fax", fee="-5"),
        dossier("E1", "01843", "2025-09-02 08:00"),
    ])  # fmt: skip
    assert not report.ok
    assert Dossier.objects.count() == 1
    assert list(Dossier.objects.values_list("source_sid", "channel")) == before
    problems = {(e["row"], e["field"]) for e in report.errors}
    assert ("bản ghi 3", "received_at") in problems
    assert ("bản ghi 3", "channel") in problems
    assert ("bản ghi 3", "fee") in problems
    assert ("bản ghi 4", "source_id") in problems
    duplicate = next(e for e in report.errors if e["row"] == "bản ghi 4")
    assert "trùng với bản ghi 2" in duplicate["message"]
    batch = ImportBatch.objects.get(pk=report.batch.pk)
    assert batch.state == BatchState.FAILED and batch.error_count == len(report.errors)
    assert batch.errors == report.errors and batch.created == 0
    # Only the first import's tallies exist: nothing of the failed one reached them.
    assert DossierTally.objects.get(unit=song_cau).records == 1


def test_unknown_and_missing_columns_are_reported_before_any_row(source: Source) -> None:
    report = load(source, "dossier", [{"source_id": "X", "ma_xa": "01843"}])
    assert not report.ok
    text = " ".join(e["message"] for e in report.errors)
    assert "ma_xa" in text and "thiếu cột bắt buộc" in text and "received_at" in text


def test_a_unit_outside_the_sources_province_is_refused(source: Source) -> None:
    report = load(source, "dossier", [dossier("F1", "24175", "2025-09-01 08:00")])
    assert not report.ok
    assert "không thuộc Tỉnh Thái Nguyên" in report.errors[0]["message"]


# --- lineage --------------------------------------------------------------------------------


def test_records_are_attributed_across_the_reform_date(
    source: Source, song_cau: Unit, song_cau_legacy: Unit
) -> None:
    load(source, "dossier", [
        # Sông Cầu's code before the reform: the legacy ward.
        dossier("G1", "01837", "2025-06-30 16:59"),
        # 01843 was Phùng Chí Kiên's code before, and is Phường Bắc Kạn's now.
        dossier("G2", "01843", "2025-06-30 10:00"),
        dossier("G3", "01843", "2025-07-01 07:30"),
        # A system still sending Sông Cầu's old code after the reform: today's ward.
        dossier("G4", "01837", "2025-07-02 07:30"),
        # Midnight in Vietnam is still 30 June in UTC: the local date decides.
        dossier("G5", "01837", "2025-06-30T18:00:00+00:00"),
    ])  # fmt: skip
    units = dict(Dossier.objects.values_list("source_sid", "unit__name"))
    assert units["G1"] == "Phường Sông Cầu"
    assert units["G2"] == "Phường Phùng Chí Kiên"
    assert units["G3"] == units["G4"] == units["G5"] == "Phường Bắc Kạn"
    assert Dossier.objects.get(source_sid="G1").unit.generation == "legacy"
    # Today's ward counts its predecessors' records; the legacy ward only its own.
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert queries.measured("dossiers.online_share", song_cau, *year).records == 5
    assert queries.measured("dossiers.online_share", song_cau_legacy, *year).records == 1


# --- formulas -------------------------------------------------------------------------------


def test_every_dossier_formula(source: Source, song_cau: Unit) -> None:
    load(source, "dossier", [
        dossier("H1", "01843", "2025-08-01 08:00", due_at="2025-08-05 17:00",
                resolved_at="2025-08-04 10:00", status="resolved", fee="8000", paid_online="có"),
        dossier("H2", "01843", "2025-08-02 08:00", due_at="2025-08-05 17:00",
                resolved_at="2025-08-07 10:00", status="resolved", fee="8.000",
                paid_online="không", full_online="không"),
        dossier("H3", "01843", "2025-08-03 08:00", channel="in_person", full_online="không",
                fee="5000"),
        dossier("H4", "01843", "2025-08-04 08:00", channel="post", full_online="không",
                resolved_at="2025-08-04 09:00", status="resolved"),
    ])  # fmt: skip
    month = (dt.date(2025, 8, 1), dt.date(2025, 8, 31))
    assert value("dossiers.online_share", song_cau, *month) == (2, 4)
    assert value("dossiers.full_online_share", song_cau, *month) == (1, 4)
    # H4 has no due date: it is not in the on-time denominator.
    assert value("dossiers.on_time_share", song_cau, *month) == (1, 2)
    assert value("dossiers.online_payment_share", song_cau, *month) == (1, 3)


def test_every_document_formula(source: Source, song_cau: Unit) -> None:
    load(source, "document", [
        document("V1", "01843", "2025-08-01"),
        document("V2", "01843", "2025-08-02", signed="không"),
        document("V3", "01843", "2025-08-03", processed_online="không"),
        document("V4", "01843", "2025-08-04", direction="in", signed="không"),
    ])  # fmt: skip
    month = (dt.date(2025, 8, 1), dt.date(2025, 8, 31))
    assert value("documents.outgoing_signed_share", song_cau, *month) == (2, 3)
    assert value("documents.outgoing_signed_online_share", song_cau, *month) == (1, 3)
    assert value("documents.online_share", song_cau, *month) == (3, 4)
    assert Document.objects.get(source_sid="V1").issued_on == dt.date(2025, 8, 1)


def test_every_payment_formula_and_payments_follow_their_dossier(
    source: Source, song_cau: Unit, thai_nguyen: Unit
) -> None:
    load(source, "dossier", [dossier("P-D1", "01843", "2025-08-01 08:00", fee="8000"),
                             dossier("P-D2", "01837", "2025-05-01 08:00", fee="2000")])  # fmt: skip
    platform = make_source(thai_nguyen, "thanh-toan")
    report = load(platform, "payment", [
        payment("T1", "P-D1", "2025-08-01 08:10", amount="8000"),
        payment("T2", "P-D2", "2025-08-02 08:10", amount="2000", method="cash"),
        payment("T3", "P-D9", "2025-08-02 08:10"),
    ])  # fmt: skip
    assert not report.ok and report.errors[0]["field"] == "dossier_id"
    assert Payment.objects.count() == 0
    report = load(platform, "payment", [
        payment("T1", "P-D1", "2025-08-01 08:10", amount="8000"),
        payment("T2", "P-D2", "2025-08-02 08:10", amount="2000", method="cash"),
    ])  # fmt: skip
    assert report.ok, report.errors
    # T2 pays a dossier of pre-reform Sông Cầu: it stays with that dossier's unit.
    assert Payment.objects.get(source_sid="T2").unit.name == "Phường Sông Cầu"
    month = (dt.date(2025, 8, 1), dt.date(2025, 8, 31))
    assert value("payments.online_share", song_cau, *month) == (1, 2)
    assert value("payments.online_amount_share", song_cau, *month) == (8000, 10000)


def test_partial_months_are_counted_from_the_records(source: Source, song_cau: Unit) -> None:
    load(source, "dossier", [
        dossier("K1", "01843", "2025-08-10 08:00"),
        dossier("K2", "01843", "2025-08-20 08:00", channel="in_person", full_online="không"),
        dossier("K3", "01843", "2025-09-05 08:00"),
    ])  # fmt: skip
    late_august = (dt.date(2025, 8, 15), dt.date(2025, 9, 30))
    early_august = (dt.date(2025, 8, 1), dt.date(2025, 8, 15))
    assert value("dossiers.online_share", song_cau, *late_august) == (1, 2)
    assert value("dossiers.online_share", song_cau, *early_august) == (1, 1)


def test_only_units_touched_are_recomputed(source: Source, song_cau: Unit, duc_van: Unit) -> None:
    load(source, "dossier", [dossier("L1", "01843", "2025-08-01 08:00"),
                             dossier("L2", "01954", "2025-08-01 08:00")])  # fmt: skip
    stamp = DossierTally.objects.get(unit=duc_van).computed_at
    report = load(source, "dossier", [dossier("L1", "01843", "2025-08-01 08:00", channel="post",
                                              full_online="không")])  # fmt: skip
    assert report.batch.units_recomputed == 1
    assert DossierTally.objects.get(unit=duc_van).computed_at == stamp
    assert DossierTally.objects.get(unit=song_cau).online == 0


def test_a_record_moving_to_another_unit_recomputes_both(
    source: Source, song_cau: Unit, duc_van: Unit
) -> None:
    load(source, "dossier", [dossier("M1", "01843", "2025-08-01 08:00")])
    report = load(source, "dossier", [dossier("M1", "01954", "2025-08-01 08:00")])
    assert report.batch.units_recomputed == 2
    assert not DossierTally.objects.filter(unit=song_cau).exists()
    assert DossierTally.objects.get(unit=duc_van).records == 1


# --- permissions, sources, tokens -----------------------------------------------------------


def test_only_the_provinces_administrator_imports(source: Source, song_cau: Unit) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    with pytest.raises(PermissionDenied):
        actions.do_import_records(source=source, kind="dossier", rows=None,  # type: ignore[arg-type]
                                  sha256="0" * 64, actor=officer)  # fmt: skip


def test_a_source_token_is_shown_once_and_kept_hashed(thai_nguyen: Unit) -> None:
    source, raw = actions.do_create_source(province=thai_nguyen, code="vbdh", name="VBĐH",
                                           actor=None)  # fmt: skip
    assert raw.startswith("xsrc_") and raw not in source.token_hash
    assert queries.source_by_token(raw) == source
    new = actions.do_rotate_source_token(source=source, actor=None)
    assert queries.source_by_token(raw) is None
    assert queries.source_by_token(new) == source
    actions.do_set_source_active(source=source, active=False, actor=None)
    assert queries.source_by_token(new) is None
    with pytest.raises(actions.ConnectorError):
        actions.do_create_source(province=thai_nguyen, code="vbdh", name="x", actor=None)


def test_an_inactive_source_cannot_import(source: Source) -> None:
    actions.do_set_source_active(source=source, active=False, actor=None)
    with pytest.raises(actions.ConnectorError):
        load(source, "dossier", [dossier("N1", "01843", "2025-08-01 08:00")])
