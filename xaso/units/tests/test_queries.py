"""Accent-insensitive search and unambiguous lookup."""

from __future__ import annotations

import pytest

from xaso.core.text import fold
from xaso.units import queries
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_fold_removes_marks_and_d_stroke() -> None:
    assert fold("Xã Hòa Phú, Đắk Lắk") == "xa hoa phu dak lak"
    assert fold("  ĐỨC   VÂN ") == "duc van"


def test_hoa_phu_finds_both_generations_first(hoa_phu: Unit, hoa_phu_legacy: Unit) -> None:
    results = list(queries.search("hoa phu", limit=50))
    assert hoa_phu in results and hoa_phu_legacy in results
    # Units named exactly Hòa Phú come before those merely in a Hòa Phú district.
    exact = [u for u in results if u.short_name == "Hòa Phú"]
    assert results[: len(exact)] == exact


def test_search_shows_province_and_district(hoa_phu_legacy: Unit) -> None:
    found = [u for u in queries.search("hoa phu buon ma thuot") if u.level == "commune"]
    assert found == [hoa_phu_legacy]


def test_song_cau_finds_the_ward_and_its_successor(bac_kan_ward: Unit) -> None:
    results = list(queries.search("song cau"))
    song_cau = next(u for u in results if u.name == "Phường Sông Cầu")
    assert not song_cau.is_current
    successor_names = {link.unit.name for link in queries.successors(song_cau)}
    assert successor_names == {bac_kan_ward.name}


def test_search_with_accents_equals_search_without() -> None:
    assert list(queries.search("Hòa Phú")) == list(queries.search("hoa phu"))


def test_search_by_code_prefix(hoa_phu: Unit) -> None:
    assert hoa_phu in list(queries.search("24175"))


def test_empty_query_is_a_clear_error() -> None:
    with pytest.raises(queries.UnitLookupError, match="Hãy nhập"):
        queries.search("  ?! ")


def test_ambiguous_name_lists_candidates() -> None:
    with pytest.raises(queries.UnitLookupError) as exc:
        queries.resolve("Hòa Phú", generation="current")
    assert "ứng với" in exc.value.message
    assert {u.province.short_name for u in exc.value.candidates} >= {"Đắk Lắk", "Hà Nội"}  # type: ignore[union-attr]


def test_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(queries.UnitLookupError, match="mã '99999'"):
        queries.resolve("99999")


def test_unknown_name_suggests_near_candidates() -> None:
    with pytest.raises(queries.UnitLookupError, match="Không tìm thấy"):
        queries.resolve("Hòa Phú Xyz")


def test_resolve_unique_name_with_generation(hoa_phu: Unit) -> None:
    assert queries.resolve("24175", generation="current") == hoa_phu


def test_name_with_district_and_province_resolves(hoa_phu_legacy: Unit) -> None:
    assert queries.resolve("hoa phu buon ma thuot") == hoa_phu_legacy
    assert queries.resolve("Xã Hòa Phú, Buôn Ma Thuột, Đắk Lắk") == hoa_phu_legacy


def test_code_in_two_generations_asks_for_the_generation(hoa_phu: Unit) -> None:
    with pytest.raises(queries.UnitLookupError, match="cả hai thế hệ") as exc:
        queries.resolve("24175")
    assert exc.value.ambiguous and hoa_phu in exc.value.candidates
