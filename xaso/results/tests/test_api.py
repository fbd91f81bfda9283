from __future__ import annotations

from django.test import Client

from xaso.assessments.tests.factories import make_period
from xaso.results.tests.factories import Published
from xaso.units.models import Unit


def test_periods_units_and_scorecard(client: Client, published: Published, hoa_phu: Unit) -> None:
    periods = client.get("/api/results/periods").json()
    assert {p["id"] for p in periods} >= {published.after.pk, published.before.pk}
    body = client.get(f"/api/results/periods/{published.after.pk}/units").json()
    assert [u["rank"] for u in body["units"]] == [1, 2, 2, 4]
    assert [u["tied"] for u in body["units"]] == [False, True, True, False]
    assert {m["kind"] for m in body["measures"]} == {"total", "pillar", "main"}
    xa = client.get(f"/api/results/periods/{published.after.pk}/units?unit_type=xa").json()
    assert sorted(u["peer_rank"] for u in xa["units"]) == [1, 1, 3]
    card = client.get(f"/api/results/periods/{published.after.pk}/units/{hoa_phu.code}").json()
    assert card["name"] == "Xã Hòa Phú" and card["total"]["of"] == 4
    assert card["total"]["rank_change"]


def test_unpublished_is_not_there(client: Client, dak_lak: Unit, hoa_phu: Unit) -> None:
    draft = make_period(dak_lak, [hoa_phu])
    assert client.get(f"/api/results/periods/{draft.pk}/units").status_code == 404
    assert client.get(f"/api/results/periods/{draft.pk}/units/{hoa_phu.code}").status_code == 404


def test_in_the_openapi_document(client: Client, db: None) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/results/periods/{period_id}/units" in paths
    assert "/api/results/periods/{period_id}/units/{code}" in paths
