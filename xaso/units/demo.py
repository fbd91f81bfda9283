"""The seeds' pilot communes, named as the articles name them (before the 2025 reform) and
resolved through lineage to the units that replaced them."""

from __future__ import annotations

from dataclasses import dataclass

from xaso.core.text import fold
from xaso.units.models import Generation, Level, Unit


@dataclass(frozen=True)
class PilotGroup:
    slug: str
    name: str
    description: str
    province: str  # legacy province short name
    communes: tuple[tuple[str, str], ...]  # (legacy district, legacy commune) short names


PILOT_GROUPS = (
    PilotGroup(
        "thi-diem-cds-2022-dak-lak",
        "Thí điểm CĐS cấp xã 2022 — Đắk Lắk",
        "Kế hoạch số 23/KH-STTTT ngày 14/6/2022 của Sở TT&TT Đắk Lắk: xã Hòa Phú "
        "(TP Buôn Ma Thuột) và xã Phú Lộc (huyện Krông Năng).",
        "Đắk Lắk",
        (("Buôn Ma Thuột", "Hòa Phú"), ("Krông Năng", "Phú Lộc")),
    ),
    PilotGroup(
        "thi-diem-cds-2023-bac-kan",
        "Thí điểm CĐS 2023 — Bắc Kạn",
        "8 xã/phường thí điểm chuyển đổi số năm 2023 của tỉnh Bắc Kạn (Quyết định 1431/QĐ-UBND), "
        "nay thuộc tỉnh Thái Nguyên.",
        "Bắc Kạn",
        (
            ("Bắc Kạn", "Sông Cầu"),
            ("Bạch Thông", "Quang Thuận"),
            ("Ba Bể", "Thượng Giáo"),
            ("Chợ Đồn", "Nghĩa Tá"),
            ("Chợ Mới", "Như Cố"),
            ("Ngân Sơn", "Đức Vân"),
            ("Na Rì", "Côn Minh"),
            ("Pác Nặm", "Giáo Hiệu"),
        ),
    ),
)


def legacy_commune(province: str, district: str, commune: str) -> Unit:
    """The one legacy commune with these short names; fails loudly if the data changed."""
    matches = [
        u
        for u in Unit.objects.filter(
            generation=Generation.LEGACY, level=Level.COMMUNE, search_text__contains=fold(commune)
        ).select_related("parent", "province")
        if fold(u.short_name) == fold(commune)
        and u.parent is not None
        and fold(u.parent.short_name) == fold(district)
        and u.province is not None
        and fold(u.province.short_name) == fold(province)
    ]
    if len(matches) != 1:
        raise LookupError(f"{commune}, {district}, {province}: {len(matches)} đơn vị khớp")
    return matches[0]


def main_successor(unit: Unit) -> Unit:
    links = list(unit.successor_links.select_related("successor"))
    main = [x for x in links if x.is_main_successor] or links
    if not main:
        raise LookupError(f"{unit} không có đơn vị kế thừa")
    return main[0].successor
