"""Open311 GeoReport v2 conformance: the spec's fields in JSON and XML, its error format
and codes, API keys for POST, expected_datetime from the legal clock — and the third-party
``georeport`` client from PyPI talking to these endpoints, unmodified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xaso.citizens import actions, clocks
from xaso.citizens.models import Case, Category
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def url(name: str, *args: str, fmt: str = "json") -> str:
    return reverse(f"open311:{name}", args=[*args, fmt])


@pytest.fixture
def api_key(dak_lak: Unit) -> str:
    return actions.do_create_api_key(unit=dak_lak, name="Ứng dụng Đắk Lắk", actor=None)[1]


def post(client: Client, key: str, unit: Unit, fmt: str = "json", **extra: str) -> Any:
    data = {
        "api_key": key,
        "jurisdiction_id": unit.code,
        "service_code": "giao-thong",
        "lat": "12.6",
        "long": "108.0",
        "description": "Ổ gà lớn giữa đường thôn 1",
        "first_name": "An",
        "last_name": "Nguyễn",
        "phone": "0912000888",
        "email": "an@example.vn",
        "device_id": "thiet-bi-1",
    }
    data.update(extra)
    return client.post(url("requests", fmt=fmt), data)


def test_services_and_definitions_in_json_and_xml(
    hoa_phu: Unit, roads: Category, villages: Any
) -> None:
    services = Client().get(url("services"), {"jurisdiction_id": hoa_phu.code}).json()
    assert {"giao-thong"} <= {s["service_code"] for s in services}
    assert set(services[0]) >= SERVICE_FIELDS
    xml = ET.fromstring(Client().get(url("services", fmt="xml")).content)
    assert xml.tag == "services" and xml.find("service/service_code") is not None
    definition = (
        Client().get(url("service", "giao-thong"), {"jurisdiction_id": hoa_phu.code}).json()
    )
    assert definition["service_code"] == "giao-thong"
    village = next(a for a in definition["attributes"] if a["code"] == "village")
    assert {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    } <= set(village)
    assert {"key": "Thôn 1", "name": "Thôn 1"} in village["values"]
    discovery = Client().get(url("discovery")).json()
    assert discovery["endpoints"][0]["formats"] == ["application/json", "text/xml"]


def test_post_needs_a_key_and_answers_with_the_spec_fields(
    hoa_phu: Unit, roads: Category, api_key: str
) -> None:
    client = Client()
    refused = post(client, "khoa-sai", hoa_phu)
    assert refused.status_code == 403
    assert set(refused.json()[0]) == {"code", "description"} and refused.json()[0]["code"] == 403
    created = post(client, api_key, hoa_phu)
    assert created.status_code == 201
    row = created.json()[0]
    case = Case.objects.get(code=row["service_request_id"])
    assert case.channel == "open311" and case.reporter_phone == "0912000888"
    token = client.get(url("token", row["token"])).json()[0]
    assert token["service_request_id"] == case.code
    detail = client.get(url("request", case.code)).json()[0]
    assert set(detail) >= REQUEST_FIELDS
    assert detail["status"] == "open" and detail["service_code"] == "giao-thong"
    expected = clocks.deadlines("field", case.received_at, local_sla_days=3).answer
    assert dt.datetime.fromisoformat(detail["expected_datetime"]) == expected
    assert "0912000888" not in str(detail) and "an@example.vn" not in str(detail)
    xml = ET.fromstring(client.get(url("request", case.code, fmt="xml")).content)
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == case.code


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"service_code": "khong-co"}, 404),
        ({"jurisdiction_id": ""}, 400),
        ({"jurisdiction_id": "99999"}, 404),
        ({"lat": "", "long": ""}, 400),
        ({"description": "ngắn"}, 400),
        ({"jurisdiction_id": "66"}, 400),
    ],
)
def test_post_errors_use_the_spec_format(
    hoa_phu: Unit, roads: Category, api_key: str, change: dict[str, str], code: int
) -> None:
    answer = post(Client(), api_key, hoa_phu, **change)
    assert answer.status_code == code
    assert answer.json() == [{"code": code, "description": answer.json()[0]["description"]}]
    xml = post(Client(), api_key, hoa_phu, fmt="xml", **change)
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.findtext("error/code") == str(code)
    assert not Case.objects.exists()


def test_get_requests_filters_by_status_code_and_dates(
    hoa_phu: Unit, roads: Category, api_key: str, officer: Any
) -> None:
    open_one = post(Client(), api_key, hoa_phu).json()[0]["service_request_id"]
    closed = Case.objects.get(
        code=post(Client(), api_key, hoa_phu, description="Đường ngập bùn ở thôn 3").json()[0][
            "service_request_id"
        ]
    )
    actions.do_accept_case(case=closed, actor=officer)
    actions.do_answer_case(case=closed, answer="Đã đổ đá cấp phối đoạn đường.", actor=officer)
    client = Client()
    assert [
        r["service_request_id"] for r in client.get(url("requests"), {"status": "open"}).json()
    ] == [open_one]
    done = client.get(url("requests"), {"status": "closed", "service_code": "giao-thong"}).json()
    assert [r["service_request_id"] for r in done] == [closed.code]
    assert "vá" not in done[0]["status_notes"] and "đổ đá" in done[0]["status_notes"]
    both = client.get(url("requests"), {"service_request_id": f"{open_one},{closed.code}"}).json()
    assert len(both) == 2
    old = (timezone.now() - dt.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    too_long = client.get(url("requests"), {"start_date": old})
    assert too_long.status_code == 400 and too_long.json()[0]["code"] == 400
    assert client.get(url("request", "KHONG-CO")).status_code == 404


class _DjangoAdapter(requests.adapters.BaseAdapter):
    """Lets ``requests`` (and so the georeport client) reach the app in-process."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        answer = self.client.generic(
            str(request.method),
            parts.path,
            data=request.body or b"",
            content_type=request.headers.get("Content-Type", ""),
            QUERY_STRING=parts.query,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers.update({k: v for k, v in answer.items()})
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        return None


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    adapter = _DjangoAdapter()
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: adapter)
    yield


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_our_endpoints(
    fmt: str, hoa_phu: Unit, roads: Category, api_key: str, in_process: None, villages: Any
) -> None:
    from georeport import GeoReport

    code = post(Client(), api_key, hoa_phu).json()[0]["service_request_id"]
    client = GeoReport("http://testserver/open311/v2", jurisdiction=hoa_phu.code, output_format=fmt)
    services = client.get_service_list()
    if fmt == "xml":
        services = services if isinstance(services, list) else [services]
    assert "giao-thong" in {s["service_code"] for s in services}
    definition = client.get_service_definition("giao-thong")
    assert definition["service_code"] == "giao-thong"
    requests_ = client.get_service_requests(status="open")
    rows = requests_ if isinstance(requests_, list) else [requests_]
    assert code in {r["service_request_id"] for r in rows}
    one = client.get_service_request(code)
    assert one["service_request_id"] == code and one["status"] == "open"
    assert one["expected_datetime"]
