"""Lineage of the ten pilot communes of the seeds, from their legacy names to today's units."""

from __future__ import annotations

import pytest

from xaso.units import demo
from xaso.units.models import Unit
from xaso.units.queries import legacy_predecessor_ids, predecessors, successors

pytestmark = pytest.mark.django_db

# (legacy province, legacy district, legacy commune) → (current province, current unit)
PILOTS = [
    ("Đắk Lắk", "Buôn Ma Thuột", "Hòa Phú", "Đắk Lắk", "Xã Hòa Phú"),
    ("Đắk Lắk", "Krông Năng", "Phú Lộc", "Đắk Lắk", "Xã Krông Năng"),
    ("Bắc Kạn", "Bắc Kạn", "Sông Cầu", "Thái Nguyên", "Phường Bắc Kạn"),
    ("Bắc Kạn", "Bạch Thông", "Quang Thuận", "Thái Nguyên", "Xã Bạch Thông"),
    ("Bắc Kạn", "Ba Bể", "Thượng Giáo", "Thái Nguyên", "Xã Chợ Rã"),
    ("Bắc Kạn", "Chợ Đồn", "Nghĩa Tá", "Thái Nguyên", "Xã Nghĩa Tá"),
    ("Bắc Kạn", "Chợ Mới", "Như Cố", "Thái Nguyên", "Xã Chợ Mới"),
    ("Bắc Kạn", "Ngân Sơn", "Đức Vân", "Thái Nguyên", "Xã Ngân Sơn"),
    ("Bắc Kạn", "Na Rì", "Côn Minh", "Thái Nguyên", "Xã Côn Minh"),
    ("Bắc Kạn", "Pác Nặm", "Giáo Hiệu", "Thái Nguyên", "Xã Bằng Thành"),
]


@pytest.mark.parametrize(("province", "district", "commune", "new_province", "new_name"), PILOTS)
def test_seed_pilot_commune_leads_to_its_current_unit(
    province: str, district: str, commune: str, new_province: str, new_name: str
) -> None:
    legacy = demo.legacy_commune(province, district, commune)
    current = demo.main_successor(legacy)
    assert current.name == new_name
    assert current.province is not None and current.province.short_name == new_province
    assert current.is_current and not legacy.is_current
    assert legacy.pk in legacy_predecessor_ids({current.pk})


def test_hoa_phu_was_merged_with_hoa_khanh_and_hoa_xuan(hoa_phu: Unit) -> None:
    names = {link.unit.name for link in predecessors(hoa_phu)}
    assert names == {"Xã Hòa Phú", "Xã Hòa Khánh", "Xã Hòa Xuân"}
    assert all(link.unit.parent.short_name == "Buôn Ma Thuột" for link in predecessors(hoa_phu))  # type: ignore[union-attr]


def test_song_cau_ward_leads_to_bac_kan_ward_in_thai_nguyen(bac_kan_ward: Unit) -> None:
    song_cau = demo.legacy_commune("Bắc Kạn", "Bắc Kạn", "Sông Cầu")
    assert [link.unit for link in successors(song_cau)] == [bac_kan_ward]
    assert bac_kan_ward.province.short_name == "Thái Nguyên"  # type: ignore[union-attr]


def test_legacy_province_leads_to_merged_province(thai_nguyen: Unit) -> None:
    bac_kan = Unit.objects.get(generation="legacy", level="province", short_name="Bắc Kạn")
    assert [link.unit for link in successors(bac_kan)] == [thai_nguyen]
