"""Bad input the API fuzzer (xaso/api/tests/test_fuzz.py) found answered with a 500: a
push whose body is not text at all must be a 400 with a Vietnamese message."""

from __future__ import annotations

import pytest
from django.test import Client

from xaso.connectors import actions
from xaso.connectors.models import ImportBatch
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [b"\xa0gr", b"\xff\xfe\x00", b'{"records": [\xe9]}'])
def test_a_body_that_is_not_utf8_is_a_400(thai_nguyen: Unit, body: bytes) -> None:
    token = actions.do_create_source(
        province=thai_nguyen, code="mot-cua", name="Một cửa", actor=None
    )[1]
    response = Client().post(
        "/api/connectors/records/payment", data=body, content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON không hợp lệ")
    assert not ImportBatch.objects.exists()
