"""The demo record sets reproduce the seeds' figures through the real loader."""

from __future__ import annotations

import datetime as dt

import pytest

from xaso.connectors import actions, demo, queries
from xaso.connectors.readers import rows_from_objects
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_demo_records_reproduce_the_seed_figures(
    song_cau: Unit, duc_van: Unit, thai_nguyen: Unit, hoa_phu: Unit, dak_lak: Unit
) -> None:
    records = demo.all_records()
    assert 2_000 < sum(len(v) for kinds in records.values() for v in kinds.values()) < 12_000
    for province_name, kinds in records.items():
        province = thai_nguyen if province_name == "Thái Nguyên" else dak_lak
        sources = demo._sources(province)
        for kind, code in (("dossier", "mot-cua"), ("document", "vbdh"), ("payment", "thanh-toan")):
            report = actions.do_import_records(
                source=sources[code], kind=kind, rows=rows_from_objects(kinds[kind]),
                sha256="demo", actor=None,
            )  # fmt: skip
            assert report.ok, report.errors[:3]

    def percent(key: str, unit: Unit, year: int) -> float | None:
        return queries.measured(key, unit, dt.date(year, 1, 1), dt.date(year, 12, 31)).percent

    assert percent("dossiers.full_online_share", song_cau, 2024) == 91.0
    assert percent("dossiers.online_payment_share", song_cau, 2024) == 10.7
    assert percent("dossiers.full_online_share", song_cau, 2025) == 93.0
    assert percent("dossiers.online_payment_share", song_cau, 2025) == 14.2
    assert percent("dossiers.full_online_share", duc_van, 2024) == 99.0
    assert percent("documents.outgoing_signed_online_share", hoa_phu, 2024) == 100.0
    # 2025 straddles the reform: half the records are the legacy ward's.
    first_half = queries.measured("dossiers.online_share", song_cau, dt.date(2025, 1, 1),
                                  dt.date(2025, 6, 30))  # fmt: skip
    assert first_half.records > 0


def test_csv_files_are_written_for_the_same_records(tmp_path: object, song_cau: Unit) -> None:
    from pathlib import Path

    written = demo.write_csv(Path(str(tmp_path)))
    assert {p.name.split("-")[0] for p in written} == {"dossier", "document", "payment"}
    assert written[0].read_text(encoding="utf-8").startswith("source_id,")
