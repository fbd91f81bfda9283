"""The record parser: accepted spellings, Vietnamese messages, and the fast path for clean
CSV rows agreeing with the full parser on every value and digest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xaso.connectors.schema import (
    FieldError,
    RowParser,
    UnitMap,
    UnitResolver,
    parse_bool,
    parse_choice,
    parse_datetime,
    parse_money,
)
from xaso.connectors.store import adapters
from xaso.connectors.tests.factories import DOSSIER_HEADER

UNITS = UnitMap(
    current={"01843": (1, 67)}, legacy={"01837": (2, 9, 67), "01843": (3, 9, 67)},
    successor={2: (1, 67), 3: (1, 67)}, names={"01843": "Phường Bắc Kạn"},
)  # fmt: skip


def parser() -> RowParser:
    adapt_dt, adapt_date, adapt_bool = adapters()
    return RowParser("dossier", DOSSIER_HEADER, UnitResolver(UNITS, 67, "Tỉnh Thái Nguyên"),
                     adapt_dt=adapt_dt, adapt_date=adapt_date, source_id=5, batch_id=7,
                     adapt_bool=adapt_bool)  # fmt: skip


def row(**kw: Any) -> list[Any]:
    base = {"source_id": "A1", "procedure_code": "1.001612", "procedure_name": "Khai sinh",
            "unit_code": "01843", "received_at": "2025-08-01 08:00", "channel": "online",
            "full_online": "có", "due_at": "2025-08-04 17:00", "resolved_at": "2025-08-02 10:00",
            "status": "resolved", "fee": "8000", "paid_online": "có"}  # fmt: skip
    base.update(kw)
    return [base[k] for k in DOSSIER_HEADER]


def test_spellings_people_type_are_accepted() -> None:
    assert parse_bool("Có") and parse_bool("x") and not parse_bool("không")
    assert parse_choice("channel", "Trực tuyến") == "online"
    assert parse_choice("channel", "bưu chính công ích") == "post"
    assert parse_choice("status", "Đã giải quyết") == "resolved"
    assert parse_money("8.000") == 8000 and parse_money(8000.0) == 8000
    assert parse_datetime("15/03/2024 08:30") == dt.datetime(2024, 3, 15, 8, 30)
    # An offset is converted to Vietnam time.
    assert parse_datetime("2024-03-15T01:30:00+00:00") == dt.datetime(2024, 3, 15, 8, 30)


@pytest.mark.parametrize(
    ("fn", "raw", "message"),
    [
        (parse_bool, "chắc vậy", "phải là “có” hoặc “không”"),
        (lambda r: parse_choice("channel", r), "fax", "không phải giá trị hợp lệ"),
        (parse_money, "-5", "không phải số tiền"),
        (parse_datetime, "32/13/2024", "không phải ngày giờ hợp lệ"),
        (parse_datetime, "1999-12-31", "trước năm 2000"),
    ],
)
def test_bad_values_are_explained_in_vietnamese(fn: Any, raw: str, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        fn(raw)


def test_rules_between_fields_are_checked() -> None:
    problems = parser().parse(row(channel="in_person", resolved_at="2025-07-01 08:00",
                                  fee="0"))  # fmt: skip
    assert isinstance(problems, list)
    assert {name for name, _ in problems} == {"full_online", "resolved_at", "paid_online"}


def test_fast_and_full_parsers_agree_on_a_clean_row() -> None:
    p = parser()
    clean = row()
    assert p.parse(clean) == p._dossier(clean)
    # The same record typed differently reaches the same stored tuple and digest.
    typed = row(received_at=dt.datetime(2025, 8, 1, 8, 0), channel="Trực tuyến",
                full_online=True, fee=8000, paid_online="Có")  # fmt: skip
    assert p.parse(typed) == p.parse(clean)


@settings(max_examples=60, deadline=None)
@given(
    minute=st.integers(0, 60 * 24 * 400),
    channel=st.sampled_from(["online", "in_person", "post"]),
    fee=st.sampled_from(["", "0", "2000", "8000"]),
)
def test_fast_path_equals_full_parser(minute: int, channel: str, fee: str) -> None:
    received = dt.datetime(2025, 1, 1) + dt.timedelta(minutes=minute)
    paid = "có" if fee not in ("", "0") and channel == "online" else "không"
    cells = row(received_at=received.strftime("%Y-%m-%d %H:%M"), channel=channel,
                full_online="có" if channel == "online" else "không",
                due_at="", resolved_at="", fee=fee, paid_online=paid)  # fmt: skip
    p = parser()
    assert p.parse(cells) == p._dossier(cells)


def test_the_reform_date_decides_between_a_codes_two_units() -> None:
    resolver = UnitResolver(UNITS, 67, "Tỉnh Thái Nguyên")
    assert resolver.resolve("01843", dt.date(2025, 6, 30))[:2] == (3, 9)  # legacy owner
    assert resolver.resolve("01843", dt.date(2025, 7, 1))[:2] == (1, 67)
    assert resolver.resolve("01837", dt.date(2025, 7, 1))[:2] == (1, 67)  # via lineage
    assert resolver.resolve("1843", dt.date(2025, 7, 1))[2] == "01843"  # Excel ate the 0
    with pytest.raises(FieldError, match="không thuộc Tỉnh Đắk Lắk"):
        UnitResolver(UNITS, 66, "Tỉnh Đắk Lắk").resolve("01843", dt.date(2025, 7, 1))
