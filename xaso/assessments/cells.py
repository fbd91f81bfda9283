"""Ô số liệu — one criterion's value as stored, typed in, shown and handed to the engine.

Stored cells are small dicts keyed by the input kind, so a stored value says what it is:
``{"v": 12.5}`` number or count, ``{"num": 5, "den": 8}`` ratio, ``{"opt": "chu_tich"}``
choice, ``{"yes": True}`` boolean. ``None`` is "no value".

Parsing accepts what people type in Vietnam (``10,7``, ``1.234,5``, ``có``/``không``) and
answers in Vietnamese naming what is wrong; every check here is a *hard* rule.
"""

from __future__ import annotations

import math
from typing import Any

from xaso.index import Node
from xaso.index.model import InputKind

Cell = dict[str, Any]

YES = frozenset({"1", "true", "yes", "y", "x", "có", "co", "đạt", "dat", "c", "on"})
NO = frozenset({"0", "false", "no", "n", "không", "khong", "chưa", "chua", "k", "off"})

KIND_LABELS = {
    InputKind.NUMBER: "số",
    InputKind.COUNT: "số đếm (số nguyên ≥ 0)",
    InputKind.RATIO: "tử số / mẫu số",
    InputKind.CHOICE: "lựa chọn",
    InputKind.BOOLEAN: "có / không",
}


class CellError(ValueError):
    """A typed value breaks a hard rule; the message is Vietnamese and says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def kind_of(leaf: Node) -> InputKind:
    return leaf.input.kind if leaf.input is not None else InputKind.NUMBER


def unit_of(leaf: Node) -> str:
    return (leaf.input.unit if leaf.input is not None else None) or ""


def options(leaf: Node) -> list[tuple[str, float]]:
    return list(leaf.rule.options) if leaf.rule is not None else []


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_number(raw: object) -> float:
    """A number as typed in Vietnam or as a spreadsheet stores it; CellError otherwise."""
    if isinstance(raw, bool):
        raise CellError("phải là một số, không phải có/không")
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
        if "," in text and "." in text:
            text = text.replace(".", "").replace(",", ".")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        elif text.count(",") > 1:
            text = text.replace(",", "")
        try:
            value = float(text)
        except ValueError:
            raise CellError(f"“{raw}” không phải là số (ví dụ đúng: 10,7)") from None
    if not math.isfinite(value):
        raise CellError(f"“{raw}” không phải là số hữu hạn")
    return value


def parse(leaf: Node, raw: object, den_raw: object = None) -> Cell | None:
    """The stored cell for what was typed (``den_raw`` is a ratio's denominator)."""
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        if _blank(raw) and _blank(den_raw):
            return None
        if _blank(raw) or _blank(den_raw):
            raise CellError("cần nhập cả tử số và mẫu số")
        num, den = parse_number(raw), parse_number(den_raw)
        if num < 0 or den < 0:
            raise CellError("tử số và mẫu số không được âm")
        if num > den:
            raise CellError(f"tử số {fmt_number(num)} lớn hơn mẫu số {fmt_number(den)}")
        return {"num": num, "den": den}
    if _blank(raw):
        return None
    if kind is InputKind.CHOICE:
        code = str(raw).strip().lower()
        allowed = [c for c, _ in options(leaf)]
        if code not in allowed:
            raise CellError(f"“{raw}” không có trong danh sách lựa chọn ({', '.join(allowed)})")
        return {"opt": code}
    if kind is InputKind.BOOLEAN:
        text = str(raw).strip().lower()
        if isinstance(raw, bool):
            return {"yes": raw}
        if isinstance(raw, int | float) and raw in (0, 1):
            return {"yes": bool(raw)}
        if text in YES:
            return {"yes": True}
        if text in NO:
            return {"yes": False}
        raise CellError(f"“{raw}” phải là “có” hoặc “không”")
    value = parse_number(raw)
    if value < 0:
        raise CellError("không được âm")
    if kind is InputKind.COUNT and not value.is_integer():
        raise CellError(f"{fmt_number(value)} không phải số nguyên (đây là số đếm)")
    if unit_of(leaf) == "%" and value > 100:
        raise CellError(f"tỷ lệ phần trăm {fmt_number(value)} vượt quá 100")
    return {"v": value}


def check_stored(leaf: Node, cell: object) -> Cell | None:
    """A cell arriving as data (API, import) is re-checked as if it had been typed."""
    if cell is None:
        return None
    if not isinstance(cell, dict):
        raise CellError("giá trị không đúng dạng")
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        return parse(leaf, cell.get("num"), cell.get("den"))
    key = {InputKind.CHOICE: "opt", InputKind.BOOLEAN: "yes"}.get(kind, "v")
    if set(cell) - {key}:
        raise CellError(f"giá trị cho kiểu {KIND_LABELS[kind]} phải có khoá “{key}”")
    return parse(leaf, cell.get(key))


def fmt_number(value: float | None, decimals: int = 2) -> str:
    """``10,7`` and ``3.321`` — Vietnamese separators, trailing zeros dropped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def display(leaf: Node, cell: Cell | None) -> str:
    """How a stored value reads on a page or in a changelog."""
    if not cell:
        return "—"
    kind = kind_of(leaf)
    unit = unit_of(leaf)
    if kind is InputKind.RATIO:
        num, den = cell.get("num"), cell.get("den")
        if num is None or den is None:
            return "—"
        share = f" ({fmt_number(100 * num / den, 1)} %)" if den else ""
        return f"{fmt_number(num)}/{fmt_number(den)}{share}"
    if kind is InputKind.CHOICE:
        return str(cell.get("opt", "—"))
    if kind is InputKind.BOOLEAN:
        return "Có" if cell.get("yes") else "Không"
    text = fmt_number(cell.get("v"))
    return f"{text} {unit}".strip() if unit else text


def inputs(leaf: Node, cell: Cell | None) -> tuple[str, str]:
    """The text to put back into the form's one or two inputs."""
    if not cell:
        return "", ""
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        return fmt_number(cell.get("num"), 6), fmt_number(cell.get("den"), 6)
    if kind is InputKind.CHOICE:
        return str(cell.get("opt", "")), ""
    if kind is InputKind.BOOLEAN:
        return ("1" if cell.get("yes") else "0"), ""
    return fmt_number(cell.get("v"), 6), ""


def numeric(leaf: Node, cell: Cell | None) -> float | None:
    """A comparable number for jump and outlier checks: the value, or a ratio's share."""
    if not cell:
        return None
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        den = cell.get("den") or 0
        return None if not den else float(cell["num"]) / float(den)
    if kind in (InputKind.NUMBER, InputKind.COUNT):
        value = cell.get("v")
        return None if value is None else float(value)
    return None


def engine_pair(leaf: Node, cell: Cell | None) -> tuple[float, float]:
    """(value, denominator) in the engine's array encoding; NaN for no data."""
    nan = math.nan
    if not cell:
        return nan, nan
    kind = kind_of(leaf)
    if kind is InputKind.RATIO:
        return float(cell["num"]), float(cell["den"])
    if kind is InputKind.CHOICE:
        for index, (code, _) in enumerate(options(leaf)):
            if code == cell.get("opt"):
                return float(index), nan
        return nan, nan
    if kind is InputKind.BOOLEAN:
        return (1.0 if cell.get("yes") else 0.0), nan
    value = cell.get("v")
    return (nan if value is None else float(value)), nan


def same(a: Cell | None, b: Cell | None) -> bool:
    return (a or None) == (b or None)
