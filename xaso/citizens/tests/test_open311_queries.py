"""Open311 ``GET requests`` lists up to 1,000 public cases: it looked up each case's photo
with a query of its own (a province's listing: 620 queries, 440 ms in the load test's
data). Now one query fetches every listed case's photos."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xaso.citizens.models import Attachment
from xaso.citizens.tests import factories
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def _cases(unit: Unit, n: int) -> None:
    for i in range(n):
        case = factories.case(unit, is_public=True)
        if i % 2 == 0:
            for kind, name in (("application/pdf", "don.pdf"), ("image/jpeg", f"anh{i}.jpg")):
                Attachment.objects.create(
                    case=case, file=f"citizens/{name}", name=name, content_type=kind, size=1,
                    sha256="0" * 64,
                )  # fmt: skip


def _listing(unit: Unit) -> tuple[int, list[dict[str, Any]]]:
    url = reverse("open311:requests", args=["json"])
    with CaptureQueriesContext(connection) as queries:
        rows = Client().get(url, {"jurisdiction_id": unit.code}).json()
    return len(queries.captured_queries), rows


def test_the_listing_costs_the_same_queries_for_3_cases_or_30(hoa_phu: Unit) -> None:
    _cases(hoa_phu, 3)
    few, rows = _listing(hoa_phu)
    assert len(rows) == 3
    _cases(hoa_phu, 27)
    many, rows = _listing(hoa_phu)
    assert len(rows) == 30 and many == few
    photos = [r["media_url"] for r in rows if r["media_url"]]
    assert len(photos) == 2 + 14 and all(p.endswith(".jpg") for p in photos)


def test_one_request_still_shows_its_photo(hoa_phu: Unit) -> None:
    _cases(hoa_phu, 1)
    code = Attachment.objects.get(content_type="image/jpeg").case.code
    row = Client().get(reverse("open311:request", args=[code, "json"])).json()[0]
    assert row["media_url"].endswith("/anh0.jpg")
