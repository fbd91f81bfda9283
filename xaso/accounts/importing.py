"""Reading an officers' list (CSV or XLSX, one row per person) into plain rows, each
with the line number a person sees in Excel, so every error can name its line."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook

from xaso.accounts.models import Role
from xaso.core.text import fold

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000

# Folded header → field. Several spellings because lists come from many offices.
HEADERS: dict[str, str] = {
    "ho ten": "full_name",
    "ho va ten": "full_name",
    "dien thoai": "phone",
    "so dien thoai": "phone",
    "sdt": "phone",
    "email": "email",
    "thu dien tu": "email",
    "vai tro": "role",
    "ma don vi": "unit_codes",
    "ma xa": "unit_codes",
    "co quan": "organisation",
    "co quan don vi": "organisation",
    "to chuc": "organisation",
    "ten dang nhap": "username",
}
REQUIRED = {"full_name": "họ tên", "role": "vai trò", "unit_codes": "mã đơn vị"}
TEMPLATE_HEADER = ["họ tên", "điện thoại", "email", "vai trò", "mã đơn vị", "cơ quan"]

ROLE_ALIASES: dict[str, str] = {
    **{fold(r.value): r.value for r in Role},
    **{fold(str(r.label)): r.value for r in Role},
    "quan tri": Role.PROVINCE_ADMIN,
    "quan tri tinh": Role.PROVINCE_ADMIN,
    "quan tri cap tinh": Role.PROVINCE_ADMIN,
    "tham dinh": Role.VERIFIER,
    "can bo tham dinh": Role.VERIFIER,
    "can bo xa": Role.COMMUNE_OFFICER,
    "can bo cap xa": Role.COMMUNE_OFFICER,
    "phu trach": Role.SPONSOR,
    "don vi phu trach": Role.SPONSOR,
    "lanh dao": Role.LEADER,
    "nguoi dan": Role.CITIZEN,
}


class FileError(Exception):
    """The file as a whole cannot be read; the message is for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    line: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()


def parse_role(text: str) -> str | None:
    return ROLE_ALIASES.get(fold(text))


def _cell(value: object, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        # Excel turns 0912345678 into 912345678 and 01 into 1: put the zeros back.
        if name == "phone" and len(text) in (9, 10):
            return "0" + text
        if name == "unit_codes":
            return text.zfill(2) if len(text) <= 2 else text.zfill(5)
        return text
    return str(value).strip()


def _rows_from_table(table: list[tuple[int, list[object]]]) -> list[Row]:
    if not table:
        raise FileError("Tệp không có dữ liệu.")
    header_line, header = table[0]
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        name = HEADERS.get(fold(str(title or "")))
        if name and name not in columns.values():
            columns[index] = name
    missing = [label for key, label in REQUIRED.items() if key not in columns.values()]
    if missing:
        raise FileError(
            f"Dòng {header_line} (tiêu đề) thiếu cột: {', '.join(missing)}. "
            f"Các cột cần có: {', '.join(TEMPLATE_HEADER)}."
        )
    rows = []
    for line, cells in table[1:]:
        values = {
            name: _cell(cells[i] if i < len(cells) else None, name) for i, name in columns.items()
        }
        if any(values.values()):
            rows.append(Row(line, values))
    if not rows:
        raise FileError("Tệp chỉ có dòng tiêu đề, không có người nào.")
    if len(rows) > MAX_ROWS:
        raise FileError(f"Tệp có {len(rows)} người; mỗi lần nhập tối đa {MAX_ROWS}.")
    return rows


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(
            "Tệp CSV không ở mã UTF-8. Trong Excel, chọn Lưu dưới dạng → “CSV UTF-8”."
        ) from None


def read_csv(content: bytes) -> list[Row]:
    text = _decode(content)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    table: list[tuple[int, list[object]]] = []
    for cells in reader:
        # The reader's line number is that of the record's last line; quoted cells
        # rarely span lines in these lists, so the record number is the line number.
        table.append((reader.line_num, list(cells)))
    return _rows_from_table(table)


def read_xlsx(content: bytes) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileError("Không đọc được tệp Excel (.xlsx); tệp có thể bị hỏng.") from None
    try:
        sheet = book.worksheets[0]
        table = [
            (line, list(cells))
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()
    while table and not any(c not in (None, "") for c in table[0][1]):
        table.pop(0)
    return _rows_from_table(table)


def read_officers(content: bytes, filename: str) -> list[Row]:
    if len(content) > MAX_BYTES:
        raise FileError(f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        return read_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return read_csv(content)
    raise FileError("Chỉ nhận tệp .csv hoặc .xlsx.")
