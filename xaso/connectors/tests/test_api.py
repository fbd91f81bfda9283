"""The push API: per-source tokens, all-or-nothing batches, idempotence."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xaso.connectors import actions
from xaso.connectors.models import BatchState, Dossier, ImportBatch
from xaso.connectors.tests.factories import dossier
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
URL = "/api/connectors/records/dossier"


def push(client: Client, token: str, body: object) -> tuple[int, dict[str, object]]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    return response.status_code, response.json()


@pytest.fixture
def token(thai_nguyen: Unit) -> str:
    return actions.do_create_source(province=thai_nguyen, code="mot-cua", name="Một cửa",
                                    actor=None)[1]  # fmt: skip


def test_a_push_is_stored_once_and_logged(client: Client, token: str, song_cau: Unit) -> None:
    body = {"extracted_at": "2025-08-02T23:00:00+07:00",
            "records": [dossier("P1", "01843", "2025-08-01 08:00")]}  # fmt: skip
    status, out = push(client, token, body)
    assert status == 200 and out["created"] == 1 and out["state"] == "done"
    status, out = push(client, token, body)
    assert status == 200 and out["unchanged"] == 1 and out["created"] == 0
    assert Dossier.objects.count() == 1
    batch = ImportBatch.objects.get(pk=out["batch"])
    assert batch.origin == "api" and batch.extracted_at.hour == 16  # 23:00 +07 in UTC


def test_a_bad_push_stores_nothing_and_says_why(client: Client, token: str, song_cau: Unit) -> None:
    status, out = push(client, token, {"records": [
        dossier("P1", "01843", "2025-08-01 08:00"), dossier("P2", "01843", "hôm qua"),
    ]})  # fmt: skip
    assert status == 422 and out["state"] == BatchState.FAILED
    assert out["errors"] == [{"row": "bản ghi 2", "field": "received_at",
                              "message": out["errors"][0]["message"]}]  # fmt: skip
    assert "không phải ngày giờ hợp lệ" in out["errors"][0]["message"]
    assert Dossier.objects.count() == 0


def test_tokens_are_checked(client: Client, token: str, thai_nguyen: Unit) -> None:
    assert push(client, "xsrc_sai", {"records": []})[0] == 401
    assert client.post(URL, data="{}", content_type="application/json").status_code == 401
    source = actions.queries.source_by_token(token)
    assert source is not None
    actions.do_set_source_active(source=source, active=False, actor=None)
    assert push(client, token, {"records": []})[0] == 401


def test_unknown_kind_and_broken_json(client: Client, token: str) -> None:
    response = client.post("/api/connectors/records/hoa-don", data="{}",
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 404
    response = client.post(URL, data="{không phải json", content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 400
