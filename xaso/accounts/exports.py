"""Audit log exports (CSV and XLSX) with times in UTC, as stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from xaso.core.models import AuditEntry
from xaso.core.spreadsheets import safe_row

AUDIT_COLUMNS = [
    "thời điểm (UTC)", "người thực hiện", "thao tác", "loại đối tượng", "mã đối tượng",
    "đối tượng", "tỉnh", "thay đổi", "địa chỉ IP", "mã yêu cầu",
]  # fmt: skip


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def audit_rows(entries: Iterable[AuditEntry]) -> Iterable[list[str]]:
    for e in entries:
        yield [
            _utc(e.at), e.actor_label, e.action, e.target_type, e.target_id, e.target_label,
            e.province.code if e.province else "",
            json.dumps(e.changes, ensure_ascii=False, sort_keys=True, default=str),
            e.ip_address or "", e.request_id,
        ]  # fmt: skip


def audit_csv(entries: Iterable[AuditEntry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for row in audit_rows(entries):
        writer.writerow(safe_row(row))
    # The BOM makes Excel read the Vietnamese letters as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def audit_xlsx(entries: Iterable[AuditEntry]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Nhật ký")
    widths = [22, 20, 28, 22, 12, 40, 8, 60, 16, 34]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.append(AUDIT_COLUMNS)
    for row in audit_rows(entries):
        sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def officers_template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["họ tên", "điện thoại", "email", "vai trò", "mã đơn vị", "cơ quan"])
    writer.writerow(
        ["Nguyễn Văn An", "0912 345 678", "an@example.vn", "Cán bộ cấp xã", "24175", ""]
    )
    writer.writerow(["Trần Thị Bình", "", "", "Đơn vị phụ trách", "24175, 24343", "VNPT Đắk Lắk"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
