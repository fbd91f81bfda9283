"""The API: periods, a submission, saving values through the same action and lock, and
the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from xaso.assessments import actions
from xaso.assessments.models import Period
from xaso.assessments.tests.factories import approve
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_an_officer_reads_and_saves_through_the_api(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    client = signed_in(officer)
    client.handler.enforce_csrf_checks = False
    assert [p["id"] for p in client.get("/api/assessments/periods").json()] == [period.pk]
    sub = period.submissions.get(unit=hoa_phu)
    got = client.get(f"/api/assessments/submissions/{sub.pk}").json()
    assert got["unit_code"] == hoa_phu.code and len(got["criteria"]) == 34
    url = f"/api/assessments/submissions/{sub.pk}/values"
    ok = post(client, url, {"values": {"NT2.04": {"value": 3, "denominator": 4, "revision": 0}}})
    assert ok.status_code == 200
    saved = next(c for c in ok.json()["criteria"] if c["code"] == "NT2.04")
    assert saved["value"] == {"num": 3.0, "den": 4.0} and saved["revision"] == 1
    stale = post(client, url, {"values": {"NT2.04": {"value": 1, "denominator": 4, "revision": 0}}})
    assert stale.status_code == 409
    assert stale.json()["conflicts"][0]["theirs"].startswith("3/4")
    bad = post(client, url, {"values": {"NT1.02": {"value": "ba"}}})
    assert bad.status_code == 422 and "NT1.02" in bad.json()["errors"]


def test_the_api_scopes_like_the_pages(
    period: Period, krong_nang: Unit, officer: Any, signed_in: Any
) -> None:
    client = signed_in(officer)
    sub = period.submissions.get(unit=krong_nang)
    assert client.get(f"/api/assessments/submissions/{sub.pk}").status_code == 404
    from django.test import Client

    assert Client().get("/api/assessments/periods").status_code == 401


def test_published_versions_are_readable(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any, admin: Any, signed_in: Any
) -> None:
    approve(period.submissions.get(unit=hoa_phu), officer=officer, verifier=verifier, admin=admin)
    actions.do_publish_period(period=period, actor=admin)
    body = signed_in(officer).get(f"/api/assessments/periods/{period.pk}/snapshots/1").json()
    assert body["version"] == 1 and len(body["inputs_sha256"]) == 64
    assert {u["code"] for u in body["units"]} == {hoa_phu.code, "24343"}


def test_the_endpoints_are_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/assessments/submissions/{submission_id}/values" in paths
    assert "/api/assessments/periods/{period_id}/snapshots/{version}" in paths
