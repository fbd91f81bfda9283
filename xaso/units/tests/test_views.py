"""Unit pages and the units API, including the answers to bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_province_list_shows_34_current_provinces(client: Client) -> None:
    response = client.get("/don-vi/")
    assert response.status_code == 200
    assert response.content.decode().count('class="code"') == 34
    assert "Tỉnh Đắk Lắk" in response.content.decode()


def test_legacy_province_list_shows_63(client: Client) -> None:
    response = client.get("/don-vi/?the-he=truoc-2025")
    assert response.content.decode().count('class="code"') == 63


def test_current_province_page_lists_communes_with_type_counts(
    client: Client, dak_lak: Unit
) -> None:
    html = client.get(dak_lak.get_absolute_url()).content.decode()
    assert "Xã Hòa Phú" in html
    assert "Phường:" in html and "Xã:" in html


def test_legacy_province_page_lists_districts(client: Client) -> None:
    html = client.get("/don-vi/truoc-2025/66/").content.decode()
    assert "Thành phố Buôn Ma Thuột" in html


def test_unit_page_shows_predecessors_coordinates_and_groups(client: Client, hoa_phu: Unit) -> None:
    from xaso.units.actions import do_save_group

    do_save_group(slug="thi-diem", name="Thí điểm CĐS cấp xã 2022 — Đắk Lắk", description="",
                  province=hoa_phu.province, members=[hoa_phu], actor=None)  # fmt: skip
    html = client.get(hoa_phu.get_absolute_url()).content.decode()
    assert "Xã Hòa Khánh" in html and "Xã Hòa Xuân" in html
    assert "Toạ độ" in html
    assert "Thí điểm CĐS cấp xã 2022 — Đắk Lắk" in html


def test_legacy_unit_page_shows_successor(
    client: Client, hoa_phu_legacy: Unit, hoa_phu: Unit
) -> None:
    html = client.get(hoa_phu_legacy.get_absolute_url()).content.decode()
    assert hoa_phu.get_absolute_url() in html


def test_unknown_unit_is_404(client: Client) -> None:
    assert client.get("/don-vi/hien-nay/99999/").status_code == 404
    assert client.get("/don-vi/the-he-la/24175/").status_code == 404


def test_bare_code_in_two_generations_offers_a_choice(client: Client) -> None:
    response = client.get("/don-vi/ma/66/")
    assert response.status_code == 200
    assert "/don-vi/hien-nay/66/" in response.content.decode()
    assert "/don-vi/truoc-2025/66/" in response.content.decode()


def test_bare_unique_code_redirects(client: Client, hoa_phu_legacy: Unit) -> None:
    response = client.get("/don-vi/ma/24172/")
    assert response.status_code == 302 and response["Location"] == hoa_phu_legacy.get_absolute_url()


def test_bare_unknown_code_explains(client: Client) -> None:
    response = client.get("/don-vi/ma/1234/")
    assert response.status_code == 404
    assert "Không có đơn vị nào mang mã 1234" in response.content.decode()


def test_search_page_and_htmx_fragment(client: Client) -> None:
    page = client.get("/don-vi/tim-kiem/", {"q": "hoa phu"}).content.decode()
    assert "<html" in page and "Xã Hòa Phú" in page
    fragment = client.get("/don-vi/tim-kiem/", {"q": "hoa phu"}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and "Xã Hòa Phú" in body


def test_malformed_search_gets_a_message_not_a_500(client: Client) -> None:
    response = client.get("/don-vi/tim-kiem/", {"q": "%%%"})
    assert response.status_code == 200
    assert "Hãy nhập tên hoặc mã" in response.content.decode()


def test_api_search_accent_insensitive(client: Client) -> None:
    data = client.get("/api/units", {"q": "hoa phu", "generation": "legacy"}).json()
    assert any(u["district"] == "Thành phố Buôn Ma Thuột" for u in data)
    assert all(u["generation"] == "legacy" for u in data)


def test_api_detail_with_lineage(client: Client) -> None:
    data = client.get("/api/units/current/24175").json()
    assert data["name"] == "Xã Hòa Phú" and data["province"] == "Tỉnh Đắk Lắk"
    assert {p["unit"]["name"] for p in data["predecessors"]} == {
        "Xã Hòa Phú",
        "Xã Hòa Khánh",
        "Xã Hòa Xuân",
    }


def test_api_ambiguous_name_is_409_with_candidates(client: Client) -> None:
    response = client.get("/api/units/resolve", {"name": "Hòa Phú"})
    assert response.status_code == 409
    body = response.json()
    assert "ứng với" in body["detail"] and len(body["candidates"]) > 5


def test_api_unknown_code_is_404_in_vietnamese(client: Client) -> None:
    response = client.get("/api/units/current/99999")
    assert response.status_code == 404
    assert "99999" in response.json()["detail"]


def test_api_rejects_bad_generation(client: Client) -> None:
    assert client.get("/api/units/sometime/24175").status_code == 422


def test_openapi_documents_the_units_endpoints(client: Client) -> None:
    spec = client.get("/api/openapi.json").json()
    assert "/api/units" in spec["paths"] and "/api/units/resolve" in spec["paths"]


def test_api_docs_use_local_assets(client: Client) -> None:
    html = client.get("/api/docs").content.decode()
    assert "cdn" not in html.lower()
