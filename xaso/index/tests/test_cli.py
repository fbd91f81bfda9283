"""``xaso score`` without a database: outputs, errors, and nothing half-written."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from xaso.index.cli import main

REPO = Path(__file__).resolve().parents[3]
COMMUNE = REPO / "frameworks" / "commune-dx.yaml"

DATA = """unit_code,unit_name,NT1.01,NT1.02,NT1.03,CQ.01.num,CQ.01.den,KT.03,XH.02
24175,Xã Hòa Phú,chu_tich,4,có,90,100,cho_4_0,80
24176,Xã Hòa Khánh,pho_chu_tich,2,không,50,100,chua_co,45
24177,Xã Hòa Xuân,pho_chu_tich,2,không,50,100,chua_co,45
"""


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "so-lieu.csv"
    path.write_text(DATA, encoding="utf-8")
    return path


def test_prints_a_vietnamese_table(data_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(COMMUNE), str(data_csv)]) == 0
    out = capsys.readouterr().out
    assert "Hạng" in out and "Xã Hòa Phú" in out
    lines = [line for line in out.splitlines() if "Hòa" in line]
    assert lines[0].split()[0] == "1"
    assert [line.split()[0] for line in lines[1:]] == ["2", "2"]


def test_json_output_has_the_documented_shape(data_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "ket-qua.json"
    assert main(["score", str(COMMUNE), str(data_csv), "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["framework"]["code"] == "commune-dx"
    first = document["units"][0]
    assert {"code", "name", "score", "points", "rank", "nodes"} <= set(first)
    assert first["code"] == "24175" and first["rank"] == 1
    assert first["nodes"]["NT1.02"] == {"value": 1.0, "points": 20.0, "rank": 1}


def test_csv_and_xlsx_outputs(data_csv: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out_csv = tmp_path / "ket-qua.csv"
    assert main(["score", str(COMMUNE), str(data_csv), "--out", str(out_csv)]) == 0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8-sig")))
    assert [r["rank"] for r in rows] == ["1", "2", "2"]
    out_xlsx = tmp_path / "ket-qua.xlsx"
    assert (
        main(["score", str(COMMUNE), str(data_csv), "--out", str(out_xlsx), "--uncertainty", "20"])
        == 0
    )
    workbook = load_workbook(out_xlsx)
    assert workbook.sheetnames[:2] == ["Xếp hạng", "Thành phần"]
    header = [c.value for c in workbook["Xếp hạng"][2]]
    assert "Hạng" in header and "Hạng trung vị" in header


def test_xlsx_input_and_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in csv.reader(DATA.splitlines()):
        sheet.append([float(c) if c.isdigit() else c for c in row])
    data = tmp_path / "so-lieu.xlsx"
    workbook.save(data)
    groups = tmp_path / "nhom.csv"
    groups.write_text("unit_code,loai\n24175,xa\n24176,phuong\n24177,xa\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["score", str(COMMUNE), str(data), "--groups", str(groups), "--out", str(out)]) == 0
    units = {u["code"]: u for u in json.loads(out.read_text(encoding="utf-8"))["units"]}
    assert units["24176"]["nodes"]["XDX"]["rank_loai"] == 1
    assert units["24177"]["nodes"]["XDX"]["rank_loai"] == 2


def test_bad_data_exits_non_zero_names_the_cell_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_code,NT1.02,CQ.01.num,CQ.01.den\nx1,-3,5,4\nx1,1,1,1\n", encoding="utf-8")
    out = tmp_path / "ket-qua.xlsx"
    assert main(["score", str(COMMUNE), str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv, dòng/row 2, cột/column NT1.02" in err
    assert "bad.csv, dòng/row 2, cột/column CQ.01.num" in err
    assert "dòng/row 3, cột/column unit_code" in err
    assert "must not be negative" in err and "không được âm" in err
    assert list(tmp_path.iterdir()) == [bad]


def test_bad_framework_exits_non_zero_with_node_path(
    tmp_path: Path, data_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "fw.yaml"
    bad.write_text(
        COMMUNE.read_text(encoding="utf-8").replace("max_points: 80", "max_points: 85"),
        encoding="utf-8",
    )
    assert main(["score", str(bad), str(data_csv)]) == 1
    assert "XDX/NEN/NT1/max_points" in capsys.readouterr().err


def test_unknown_output_format_is_a_usage_error(data_csv: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["score", str(COMMUNE), str(data_csv), "--out", "x.pdf"])
    assert caught.value.code == 2


def test_runs_as_a_module(data_csv: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xaso.index", "score", str(COMMUNE), str(data_csv)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Xã Hòa Phú" in done.stdout
