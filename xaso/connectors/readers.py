"""Đọc tệp — CSV, XLSX and JSON record files as a header and rows of cells.

Every reader gives the same thing: the header, an iterator of ``(number, cells)`` where
the number and ``Rows.prefix`` name the row as the person sees it in the file ("dòng 5",
"bản ghi 3"; formatted only for a row with a problem), and the number of rows (for the
progress bar; estimated for a large CSV). JSON objects become rows in the header's order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

FORMATS = ("csv", "xlsx", "json")
# Stands for a JSON array item that is not an object (the loader reports it by its label).
NOT_AN_OBJECT: tuple[Any, ...] = ("\x00",)


class ReadError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Rows:
    header: list[str]
    rows: Iterator[tuple[int, Sequence[Any]]]
    total: int
    extracted_at: str = ""  # a JSON batch may say when its source extracted it
    prefix: str = "dòng"

    def label(self, number: int) -> str:
        return f"{self.prefix} {number}"


def format_of(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ReadError(f"Không nhận dạng được tệp “{name}”: chỉ nhận .csv, .xlsx hoặc .json.")


def read_path(path: Path, fmt: str | None = None) -> Rows:
    fmt = fmt or format_of(path.name)
    if fmt == "csv":
        return read_csv(path)
    if fmt == "xlsx":
        return read_xlsx(path.read_bytes())
    return read_json(path.read_bytes())


def _delimiter(first_line: str) -> str:
    # Spreadsheets set to Vietnamese locale export with ";" (the comma is the decimal mark).
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_csv(path: Path) -> Rows:
    # The row count for the progress bar, estimated from the first megabyte: counting every
    # line would read a large file twice.
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    lines = max(1, head.count(b"\n"))
    total = max(0, (lines if len(head) >= size else round(size * lines / len(head))) - 1)
    handle = path.open(encoding="utf-8-sig", newline="")
    try:
        first = handle.readline()
    except UnicodeDecodeError:
        handle.close()
        raise ReadError("Tệp CSV không ở mã UTF-8: hãy lưu lại với mã UTF-8.") from None
    if not first.strip():
        handle.close()
        raise ReadError("Tệp CSV trống: dòng đầu phải là tên các cột.")
    delimiter = _delimiter(first)
    header = next(csv.reader([first], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        line = 1
        try:
            reader = csv.reader(handle, delimiter=delimiter)
            for line, cells in enumerate(reader, start=2):
                if cells:
                    yield line, cells
        except UnicodeDecodeError:
            raise ReadError(f"Tệp CSV có ký tự không ở mã UTF-8 quanh dòng {line}.") from None
        finally:
            handle.close()

    return Rows(header, rows(), total)


def read_csv_bytes(data: bytes) -> Rows:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReadError("Tệp CSV không ở mã UTF-8: hãy lưu lại với mã UTF-8.") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ReadError("Tệp CSV trống: dòng đầu phải là tên các cột.")
    delimiter = _delimiter(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    body = [(i, cells) for i, cells in enumerate(reader, start=2) if cells]
    return Rows(header, iter(body), len(body))


def read_xlsx(data: bytes) -> Rows:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ReadError(
            "Không mở được tệp Excel (.xlsx): tệp hỏng hoặc không phải .xlsx."
        ) from None
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    header_row = next(it, None)
    if header_row is None:
        raise ReadError("Trang tính đầu tiên trống: dòng 1 phải là tên các cột.")
    header = ["" if v is None else str(v) for v in header_row]
    body = [
        (i, list(cells))
        for i, cells in enumerate(it, start=2)
        if any(v is not None and str(v).strip() for v in cells)
    ]
    book.close()
    return Rows(header, iter(body), len(body))


def read_json(data: bytes) -> Rows:
    try:
        payload = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(f"Tệp JSON không hợp lệ: {exc}") from None
    return rows_from_objects(payload)


def rows_from_objects(payload: Any) -> Rows:
    """A list of objects, or ``{"records": [...], "extracted_at": "..."}``."""
    extracted = ""
    if isinstance(payload, dict):
        extracted = str(payload.get("extracted_at") or "")
        payload = payload.get("records")
    if not isinstance(payload, list):
        raise ReadError('JSON phải là một danh sách bản ghi, hoặc {"records": [...]}.')
    header: list[str] = []
    seen: set[str] = set()
    for item in payload:
        if isinstance(item, dict):
            for key in item:
                if key not in seen:
                    seen.add(key)
                    header.append(str(key))
    body: list[tuple[int, Sequence[Any]]] = []
    for i, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            body.append((i, NOT_AN_OBJECT))
            continue
        body.append((i, [item.get(key) for key in header]))
    return Rows(header, iter(body), len(body), extracted, prefix="bản ghi")
