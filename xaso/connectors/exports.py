"""Xuất bản ghi — the records behind a measured value as CSV or XLSX, in the columns of
the import schema (so an export can be checked, corrected and loaded back)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from django.utils import timezone

from xaso.connectors.models import Kind
from xaso.connectors.schema import FIELDS
from xaso.core.spreadsheets import safe_row

# Shown for the reader; the loader skips them, so an export loads back unchanged.
EXTRA = ("attributed_unit", "source")


def _local(value: Any) -> Any:
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _row(kind: str, record: Any) -> list[Any]:
    common = [record.source_sid]
    if kind == Kind.DOSSIER:
        cells = [
            record.procedure_code, record.procedure_name, record.unit_code,
            _local(record.received_at), record.channel, record.full_online,
            _local(record.due_at), _local(record.resolved_at), record.status, record.fee,
            record.paid_online,
        ]  # fmt: skip
    elif kind == Kind.DOCUMENT:
        cells = [record.unit_code, record.number, record.issued_on, record.direction,
                 record.signed, record.processed_online]  # fmt: skip
    else:
        cells = [record.dossier_sid, record.amount, record.method, _local(record.paid_at)]
    # Text from other systems: never a formula once opened in Excel (the loader takes the
    # apostrophe off again, so an export still loads back unchanged).
    return safe_row([*common, *cells, record.unit.name, record.source.code])


def header(kind: str) -> list[str]:
    return [f.name for f in FIELDS[kind]] + list(EXTRA)


def to_csv(kind: str, records: Iterable[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(kind))
    for record in records:
        writer.writerow(["" if v is None else v for v in _row(kind, record)])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(kind: str, records: Iterable[Any], title: str) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "Bản ghi")
    sheet.append(header(kind))
    for record in records:
        sheet.append(_row(kind, record))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
