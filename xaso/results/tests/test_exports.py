from __future__ import annotations

import datetime as dt

from xaso.results import charts, exports


def test_vietnamese_numbers() -> None:
    assert exports.vn(114.98) == "114,98"
    assert exports.vn(0.80021, 4) == "0,8002"
    assert exports.vn(3321.5, 1) == "3.321,5"
    assert exports.vn(None) == "—"


def test_formula_cells_become_text() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1"):
        assert exports.safe(bad) == "'" + bad
    assert exports.safe("Xã Hòa Phú") == "Xã Hòa Phú"
    assert exports.safe(-1.5) == -1.5  # numbers are numbers


def test_decree_30_date_line() -> None:
    options = exports.ReportOptions("UBND TỈNH ĐẮK LẮK", "SỞ KH&CN", "", "BC-SKHCN", "Đắk Lắk",
                                    dt.date(2026, 2, 5), "", "GIÁM ĐỐC", [])  # fmt: skip
    assert options.date_line == "Đắk Lắk, ngày 05 tháng 02 năm 2026"
    later = exports.ReportOptions(**{**options.__dict__, "day": dt.date(2026, 11, 20)})
    assert later.date_line.endswith("ngày 20 tháng 11 năm 2026")
    assert options.number_line.startswith("Số:") and options.number_line.endswith("/BC-SKHCN")


def test_chart_geometry_uses_decimal_points() -> None:
    band = charts.rank_band(3, 2, 5, 10)
    assert "," not in band.x05 and float(band.x05) < float(band.xrank) < float(band.x95)
    assert charts.meter(0.5) == "50.0" and charts.meter(None) == "0.0"
