"""The API's error bodies: Vietnamese, one shape ({"detail": str, "errors": {…}}), and
matching what the OpenAPI document declares (the fuzzer's schema check found a 422 whose
``detail`` was pydantic's English list where ``ErrorOut`` promises a string)."""

from __future__ import annotations

import pytest
from django.test import Client

from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import make_user
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_a_malformed_parameter_is_a_vietnamese_422() -> None:
    response = Client().get("/api/results/periods/abc/units")
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"].startswith("Dữ liệu gửi lên")
    assert body["errors"] == {"path.period_id": "phải là số nguyên"}


def test_a_value_outside_a_list_names_the_allowed_ones() -> None:
    response = Client().get("/api/units/sometime/24175")
    assert response.status_code == 422
    message = response.json()["errors"]["path.generation"]
    assert message.startswith("không nằm trong") and "current" in message


def test_a_malformed_body_is_a_vietnamese_422_in_the_documented_shape(hoa_phu: Unit) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu])
    client = sign_in(Client(), officer)
    url = "/api/assessments/submissions/1/values"
    client.handler.enforce_csrf_checks = False
    response = client.post(url, {"values": "ba"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str)
    assert body["errors"] == {"body.payload.values": "phải là một đối tượng JSON"}
    broken = client.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("Không đọc được nội dung")


def test_no_session_is_a_vietnamese_401() -> None:
    response = Client().get("/api/assessments/periods")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Cần đăng nhập")


def test_not_found_keeps_the_view_s_message() -> None:
    response = Client().get("/api/citizens/statistics/999999?year=2025&month=1")
    assert response.status_code == 404
    assert response.json()["detail"] == "Không có đơn vị nào mang mã này."
