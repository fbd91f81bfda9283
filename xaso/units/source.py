"""Reads both generations of units and their lineage from the vietnamadminunits package.

The package (MIT) ships an SQLite file of current and legacy units and a JSON file of the
legacy → current conversion. We read those files directly: the package's own converter
calls an online geocoder for split communes, which must never happen here.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xaso.core.text import fold

PROVINCE_TYPES = {"Tỉnh": "tinh", "Thành phố": "thanh_pho_tw"}
DISTRICT_TYPES = {"Quận": "quan", "Huyện": "huyen", "Thị xã": "thi_xa", "Thành phố": "thanh_pho"}
COMMUNE_TYPES = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}


@dataclass(frozen=True, slots=True)
class UnitRecord:
    generation: str
    level: str
    code: str
    unit_type: str
    name: str
    short_name: str
    parent_code: str | None
    province_code: str
    latitude: float | None
    longitude: float | None
    area_km2: float | None
    source_key: str
    search_text: str

    @property
    def name_key(self) -> str:
        return fold(self.short_name)


@dataclass(frozen=True, slots=True)
class LineageRecord:
    predecessor_key: str  # legacy source_key
    successor_key: str  # current source_key
    partly: bool
    is_main_successor: bool


class SourceError(Exception):
    """The package's data does not have the shape this importer was written for."""


def _province_type(full_name: str) -> str:
    for prefix, unit_type in PROVINCE_TYPES.items():
        if full_name.startswith(prefix):
            return unit_type
    raise SourceError(f"Không nhận ra loại tỉnh: {full_name!r}")


def _search_text(*names: str) -> str:
    # Padded with spaces so a word-prefix search is a plain " word" substring match.
    return " " + " | ".join(fold(n) for n in names if n) + " "


def _data_file(name: str) -> Path:
    # Locate the package without importing it: its __init__ loads an address parser that
    # needs Unidecode (GPL), which xaso keeps out of the install (pyproject.toml).
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError("Chưa cài gói vietnamadminunits.")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _rows(sql: str) -> Iterator[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{_data_file('dataset.db')}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        yield from conn.execute(sql)
    finally:
        conn.close()


def legacy_units() -> list[UnitRecord]:
    provinces: dict[str, UnitRecord] = {}
    districts: dict[str, UnitRecord] = {}
    communes: list[UnitRecord] = []
    for r in _rows("SELECT * FROM admin_units_legacy ORDER BY wardCode"):
        pcode, dcode = r["provinceCode"], r["districtCode"]
        if pcode not in provinces:
            provinces[pcode] = UnitRecord(
                "legacy",
                "province",
                pcode,
                _province_type(r["province"]),
                r["province"],
                r["provinceShort"],
                None,
                pcode,
                r["provinceLat"],
                r["provinceLon"],
                None,
                r["provinceKey"],
                _search_text(r["province"]),
            )
        if dcode not in districts:
            districts[dcode] = UnitRecord(
                "legacy",
                "district",
                dcode,
                DISTRICT_TYPES[r["districtType"]],
                r["district"],
                r["districtShort"],
                pcode,
                pcode,
                r["districtLat"],
                r["districtLon"],
                None,
                f"{r['provinceKey']}_{r['districtKey']}",
                _search_text(r["district"], r["province"]),
            )
        # A few island districts had no communes; their row has no ward.
        if r["wardCode"]:
            communes.append(
                UnitRecord(
                    "legacy",
                    "commune",
                    r["wardCode"],
                    COMMUNE_TYPES[r["wardType"]],
                    r["ward"],
                    r["wardShort"],
                    dcode,
                    pcode,
                    r["wardLat"],
                    r["wardLon"],
                    None,
                    f"{r['provinceKey']}_{r['districtKey']}_{_nfc(r['wardKey'])}",
                    _search_text(r["ward"], r["district"], r["province"]),
                )
            )
    return [*provinces.values(), *districts.values(), *communes]


def current_units() -> list[UnitRecord]:
    provinces: dict[str, UnitRecord] = {}
    communes: list[UnitRecord] = []
    for r in _rows("SELECT * FROM admin_units ORDER BY wardCode"):
        pcode = r["provinceCode"]
        if pcode not in provinces:
            provinces[pcode] = UnitRecord(
                "current",
                "province",
                pcode,
                _province_type(r["province"]),
                r["province"],
                r["provinceShort"],
                None,
                pcode,
                r["provinceLat"],
                r["provinceLon"],
                None,
                r["provinceKey"],
                _search_text(r["province"]),
            )
        communes.append(
            UnitRecord(
                "current",
                "commune",
                r["wardCode"],
                COMMUNE_TYPES[r["wardType"]],
                r["ward"],
                r["wardShort"],
                pcode,
                pcode,
                r["wardLat"],
                r["wardLon"],
                r["wardAreaKm2"],
                f"{r['provinceKey']}_{_nfc(r['wardKey'])}",
                _search_text(r["ward"], r["province"]),
            )
        )
    return [*provinces.values(), *communes]


def _nfc(key: str) -> str:
    # Keys are ASCII except where two units of one district differ only by their marks
    # ("xãtamđàn" / "xãtamdân"): those keep their accents, so compare them exactly (in NFC).
    return unicodedata.normalize("NFC", key)


def lineage() -> list[LineageRecord]:
    data = json.loads(_data_file("converter_2025.json").read_text(encoding="utf-8"))
    links: list[LineageRecord] = []
    for new_province, old_provinces in data["DICT_PROVINCE"].items():
        for old in old_provinces:
            links.append(LineageRecord(_nfc(old), new_province, False, True))
    # An island district without communes appears as "province_district_" (empty ward):
    # its successor descends from the district itself.
    for new_province, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, olds in wards.items():
            for old in olds:
                links.append(
                    LineageRecord(
                        _nfc(old.rstrip("_")), f"{new_province}_{_nfc(new_ward)}", False, True
                    )
                )
    for new_province, olds in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, targets in olds.items():
            for target in targets:
                links.append(
                    LineageRecord(
                        _nfc(old),
                        f"{new_province}_{_nfc(target['newWardKey'])}",
                        True,
                        bool(target["isDefaultNewWard"]),
                    )
                )
    return links
