"""Bad input the API fuzzer (xaso/api/tests/test_fuzz.py) found answered with a 500: each
must be a 4xx (or a sensible page) with a Vietnamese message."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [-2911402135, 0, 99999, 10000])
def test_statistics_api_refuses_a_year_out_of_range(hoa_phu: Unit, year: int) -> None:
    # Was: OverflowError / ValueError in month_bounds → 500.
    response = Client().get(f"/api/citizens/statistics/{hoa_phu.code}?year={year}&month=4")
    assert response.status_code == 400
    assert "năm từ 2000 đến 2100" in response.json()["detail"]


def test_statistics_api_still_answers_a_real_month(hoa_phu: Unit) -> None:
    response = Client().get(f"/api/citizens/statistics/{hoa_phu.code}?year=2025&month=12")
    assert response.status_code == 200 and response.json()["month"] == 12


def test_statistics_page_ignores_a_year_out_of_range(hoa_phu: Unit, officer: User) -> None:
    client = sign_in(Client(), officer)
    url = reverse("citizens:statistics", args=[hoa_phu.code])
    assert client.get(url, {"nam": "99999999", "thang": "3"}).status_code == 200
