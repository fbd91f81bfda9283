"""Ô bảng tính an toàn — text written to a CSV or XLSX download never runs as a formula.

A cell beginning with ``= + - @`` (or a tab or carriage return, which some programs skip
before reading the rest) is a formula to Excel and LibreOffice: a unit, group, case or
person's name typed as ``=HYPERLINK("http://…")`` or ``=cmd|' /C calc'!A0`` would run when
an official opens the export (OWASP "CSV injection"). ``safe_cell`` prefixes such text
with an apostrophe, which both programs show as plain text; numbers stay numbers.
``restore_cell`` takes the apostrophe off again where a file we wrote comes back (a
template filled in and uploaded), so a round trip changes nothing.

Every export uses these (tests: ``xaso/site/tests/test_exports_formula.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def restore_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
