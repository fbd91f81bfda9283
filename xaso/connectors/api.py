"""The push API: a province's systems send records nightly, each with its own token
(``Authorization: Bearer xsrc_…``; only the token's hash is stored). A push is one
batch: all or nothing, idempotent on (source, source id), logged like a file import."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from xaso.connectors import queries
from xaso.connectors.actions import ConnectorError, do_import_records, file_sha256
from xaso.connectors.models import Kind, Source
from xaso.connectors.readers import ReadError, rows_from_objects


class SourceToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Source | None:
        return queries.source_by_token(token)


router = Router(tags=["connectors"], auth=SourceToken())


class RowError(Schema):
    row: str
    field: str
    message: str


class BatchOut(Schema):
    batch: int
    state: str
    rows: int
    created: int
    updated: int
    unchanged: int
    units_recomputed: int
    errors: list[RowError]
    error_count: int


class PushIn(Schema):
    extracted_at: str | None = None
    records: list[dict[str, object]]


@router.post(
    "/records/{kind}",
    response={200: BatchOut, 422: BatchOut},
    summary="Đẩy một lô bản ghi (dossier, document, payment)",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": PushIn.model_json_schema()}},
            "required": True,
        }
    },
)
def push_records(request: HttpRequest, kind: str) -> Status:
    """Body: ``{"extracted_at": "2025-08-01T23:00:00+07:00", "records": [{…}, …]}`` with
    the fields of docs/connectors.md. 200 when stored (or unchanged), 422 with every
    row's problems when nothing was stored."""
    if kind not in Kind.values:
        raise HttpError(404, f"Loại bản ghi “{kind}” không có (dùng: {', '.join(Kind.values)}).")
    source = request.auth
    assert isinstance(source, Source)
    try:
        body = request.body
    except RequestDataTooBig:
        raise HttpError(413, "Lô dữ liệu quá lớn: hãy chia nhỏ thành nhiều lần đẩy.") from None
    try:
        rows = rows_from_objects(json.loads(body))
        report = do_import_records(
            source=source, kind=kind, rows=rows, sha256=file_sha256(body), origin="api",
            actor=None,
        )  # fmt: skip
    except json.JSONDecodeError as exc:
        raise HttpError(400, f"JSON không hợp lệ: {exc}") from None
    except UnicodeDecodeError:  # json.loads of bytes that are no UTF-8/16/32 (was a 500)
        raise HttpError(400, "JSON không hợp lệ: nội dung phải mã hoá UTF-8.") from None
    except (ReadError, ConnectorError) as exc:
        raise HttpError(400, exc.message) from None
    batch = report.batch
    out = BatchOut(
        batch=batch.pk, state=batch.state, rows=batch.rows, created=batch.created,
        updated=batch.updated, unchanged=batch.unchanged,
        units_recomputed=batch.units_recomputed,
        errors=[RowError(**e) for e in report.errors], error_count=batch.error_count,
    )  # fmt: skip
    return Status(200 if report.ok else 422, out)
