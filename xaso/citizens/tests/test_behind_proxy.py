"""Behind the reverse proxy (docs/deploy.md: nginx, ``XASO_PROXY_COUNT=1``) every request
arrives from 127.0.0.1: the intake's per-address limit must count the resident's address
from X-Forwarded-For, as the audit log and django-axes do — else ten reports an hour from
the whole province shut the web form and Open311 for everyone (found by the load test)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xaso.citizens import actions
from xaso.citizens.models import Case, Category
from xaso.citizens.tests.test_intake import TEXT, web_form
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings: Any) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1


def _open311(client: Client, key: str, unit: Unit, n: int, address: str) -> int:
    data = {
        "api_key": key, "jurisdiction_id": unit.code, "service_code": "giao-thong",
        "lat": "12.6", "long": "108.0", "description": f"{TEXT} ({n})",
        "phone": f"09120{n:05d}",
    }  # fmt: skip
    url = reverse("open311:requests", args=["json"])
    return client.post(url, data, HTTP_X_FORWARDED_FOR=address).status_code


def test_open311_counts_each_resident_not_the_proxy(
    hoa_phu: Unit, dak_lak: Unit, roads: Category
) -> None:
    key = actions.do_create_api_key(unit=dak_lak, name="Ứng dụng", actor=None)[1]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    statuses = [_open311(proxy, key, hoa_phu, n, f"198.51.100.{n}") for n in range(12)]
    assert statuses == [201] * 12
    # One address sending too much is still stopped.
    same = [_open311(proxy, key, hoa_phu, 100 + n, "203.0.113.7") for n in range(11)]
    assert same[:10] == [201] * 10 and same[10] == 429


def test_the_web_form_counts_each_resident_not_the_proxy(hoa_phu: Unit, villages: Any) -> None:
    url = reverse("citizens:report", args=[hoa_phu.code])
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for n in range(12):
        form = web_form(hoa_phu, body=f"{TEXT} lần {n}", phone=f"09130{n:05d}")
        answer = proxy.post(url, form, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert answer.status_code == 302, n
    assert Case.objects.count() == 12
