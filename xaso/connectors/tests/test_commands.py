"""``xaso import-records KIND FILE`` on CSV, XLSX and JSON: the per-row error report in
Vietnamese, nothing stored from a bad file, the progress bar, idempotent re-runs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from xaso.connectors.models import BatchState, Dossier, ImportBatch, Source
from xaso.connectors.tests.factories import DOSSIER_HEADER, csv_bytes, dossier
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

GOOD = [
    dossier("F1", "01843", "2025-08-01 08:00"),
    dossier("F2", "01843", "15/08/2025 09:30", channel="trực tiếp", full_online="không"),
]
BAD = [*GOOD, dossier("F3", "01843", "2025-08-02 08:00", fee="mười nghìn")]


def _xlsx(rows: list[dict[str, object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(DOSSIER_HEADER)
    for row in rows:
        sheet.append([row[k] for k in DOSSIER_HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS = {
    "csv": lambda rows: csv_bytes(rows, DOSSIER_HEADER),
    "xlsx": _xlsx,
    "json": lambda rows: json.dumps({"records": rows}, ensure_ascii=False).encode(),
}
FIRST_DATA_ROW = {"csv": "Dòng 4", "xlsx": "Dòng 4", "json": "Bản ghi 3"}


def run(path: Path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", "dossier", str(path), "--province", "19", *extra,
                 stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_format_loads_and_reloads_without_change(
    fmt: str, tmp_path: Path, song_cau: Unit
) -> None:
    path = tmp_path / f"ho-so.{fmt}"
    path.write_bytes(WRITERS[fmt](GOOD))
    out, err = run(path)
    assert "2 mới" in out and "tính lại chỉ số cho 1 đơn vị" in out
    assert "100,0 %" in err  # the progress bar reached the end
    assert Dossier.objects.get(source_sid="F2").channel == "in_person"
    out, _ = run(path, "--no-progress")
    assert "0 mới, 0 cập nhật, 2 không đổi" in out
    source = Source.objects.get(code="tep")
    assert source.token_hash == ""  # created for files: it cannot push
    batches = ImportBatch.objects.filter(source=source)
    assert batches.count() == 2 and {b.filename for b in batches} == {path.name}
    assert len({b.sha256 for b in batches}) == 1


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_each_format_reports_the_bad_row_and_stores_nothing(
    fmt: str, tmp_path: Path, song_cau: Unit
) -> None:
    path = tmp_path / f"ho-so.{fmt}"
    path.write_bytes(WRITERS[fmt](BAD))
    with pytest.raises(CommandError, match="Không nhập gì: 1 lỗi trong 3 dòng"):
        run(path, "--no-progress")
    batch = ImportBatch.objects.get()
    assert batch.state == BatchState.FAILED and Dossier.objects.count() == 0
    error = batch.errors[0]
    assert error["row"].capitalize() == FIRST_DATA_ROW[fmt]
    assert error["field"] == "fee" and "không phải số tiền" in error["message"]


def test_the_error_report_names_row_and_column(tmp_path: Path, song_cau: Unit) -> None:
    path = tmp_path / "ho-so.csv"
    path.write_bytes(csv_bytes(BAD, DOSSIER_HEADER))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_records", "ho-so", str(path), "--province", "19", "--no-progress",
                     stderr=err)  # fmt: skip
    assert "Dòng 4, cột fee: “mười nghìn” không phải số tiền" in err.getvalue()


def test_unknown_kind_province_or_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(GOOD, DOSSIER_HEADER))
    with pytest.raises(CommandError, match="Loại bản ghi"):
        call_command("import_records", "hoa-don", str(path), "--province", "19")
    with pytest.raises(CommandError, match="Không có tỉnh"):
        call_command("import_records", "dossier", str(path), "--province", "99")
    with pytest.raises(CommandError, match="Không có tệp"):
        call_command("import_records", "dossier", str(tmp_path / "nope.csv"), "--province", "19")
    odd = tmp_path / "x.txt"
    odd.write_text("a")
    with pytest.raises(CommandError, match=r"chỉ nhận \.csv, \.xlsx hoặc \.json"):
        call_command("import_records", "dossier", str(odd), "--province", "19")


def test_a_semicolon_csv_from_a_vietnamese_spreadsheet_loads(
    tmp_path: Path, song_cau: Unit
) -> None:
    text = csv_bytes(GOOD, DOSSIER_HEADER).decode().replace(",", ";")
    path = tmp_path / "ho-so.csv"
    path.write_bytes(("\ufeff" + text).encode())
    out, _ = run(path, "--no-progress")
    assert "2 mới" in out
