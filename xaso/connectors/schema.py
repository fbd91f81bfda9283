"""Lược đồ bản ghi — the fields of a dossier, a document and a payment, how each is read
from what a file or a push carries, and the Vietnamese message when it cannot be.

A parser turns one row (a list of cells in the header's order) into the tuple the store
writes, or a list of ``(field, message)`` problems. It runs once per row of a million-row
file, so it works on column positions and precomputed lookups, never on dicts per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xaso.connectors.models import Channel, Direction, DossierStatus, Kind, PaymentMethod
from xaso.core.spreadsheets import restore_cell
from xaso.core.text import fold
from xaso.units.models import REFORM_DATE

# Vietnam has kept UTC+7 all year since 1975: a naive time in a record is local time.
VN = dt.timezone(dt.timedelta(hours=7))
EARLIEST = dt.date(2000, 1, 1)


class FieldError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool
    example: str
    kind: str  # text, code, datetime, date, bool, choice, money


_DOSSIER = (
    Field("source_id", "mã hồ sơ ở hệ thống nguồn", True, "000.00.20.H09-240315-0001", "text"),
    Field("procedure_code", "mã thủ tục", True, "1.001612", "text"),
    Field("procedure_name", "tên thủ tục", True, "Đăng ký khai sinh", "text"),
    Field("unit_code", "mã xã, phường tiếp nhận", True, "01843", "code"),
    Field("received_at", "thời điểm tiếp nhận", True, "2024-03-15 08:30", "datetime"),
    Field("channel", "kênh nộp (online / in_person / post)", True, "online", "choice"),
    Field("full_online", "trực tuyến toàn trình (có / không)", True, "có", "bool"),
    Field("due_at", "hẹn trả kết quả", False, "2024-03-18 17:00", "datetime"),
    Field("resolved_at", "trả kết quả lúc", False, "2024-03-16 10:05", "datetime"),
    Field("status", "trạng thái", True, "resolved", "choice"),
    Field("fee", "phí, lệ phí (đồng)", False, "8000", "money"),
    Field("paid_online", "nộp phí trực tuyến (có / không)", False, "có", "bool"),
)
_DOCUMENT = (
    Field("source_id", "mã văn bản ở hệ thống nguồn", True, "VB-2024-000153", "text"),
    Field("unit_code", "mã xã, phường", True, "01843", "code"),
    Field("number", "số, ký hiệu", True, "153/UBND-VP", "text"),
    Field("date", "ngày văn bản", True, "2024-05-06", "date"),
    Field("direction", "văn bản đến / đi (in / out)", True, "out", "choice"),
    Field("signed", "ký số (có / không)", True, "có", "bool"),
    Field("processed_online", "xử lý trên môi trường mạng (có / không)", True, "có", "bool"),
)
_PAYMENT = (
    Field("source_id", "mã giao dịch ở hệ thống nguồn", True, "TT-2024-000871", "text"),
    Field("dossier_id", "mã hồ sơ được thanh toán", True, "000.00.20.H09-240315-0001", "text"),
    Field("amount", "số tiền (đồng)", True, "8000", "money"),
    Field("method", "hình thức (online / transfer / cash)", True, "online", "choice"),
    Field("paid_at", "thời điểm thanh toán", True, "2024-03-15 08:41", "datetime"),
)
FIELDS: dict[str, tuple[Field, ...]] = {
    Kind.DOSSIER: _DOSSIER,
    Kind.DOCUMENT: _DOCUMENT,
    Kind.PAYMENT: _PAYMENT,
}

# Accepted spellings of each choice (folded: lower case, no diacritics, "_" for spaces).
CHOICES: dict[str, dict[str, str]] = {
    "channel": {
        "online": Channel.ONLINE, "truc_tuyen": Channel.ONLINE, "dvc": Channel.ONLINE,
        "in_person": Channel.IN_PERSON, "truc_tiep": Channel.IN_PERSON,
        "counter": Channel.IN_PERSON, "post": Channel.POST, "buu_chinh": Channel.POST,
        "buu_chinh_cong_ich": Channel.POST,
    },
    "status": {
        "received": DossierStatus.RECEIVED, "moi_tiep_nhan": DossierStatus.RECEIVED,
        "tiep_nhan": DossierStatus.RECEIVED, "processing": DossierStatus.PROCESSING,
        "dang_giai_quyet": DossierStatus.PROCESSING, "dang_xu_ly": DossierStatus.PROCESSING,
        "resolved": DossierStatus.RESOLVED, "da_giai_quyet": DossierStatus.RESOLVED,
        "da_tra_ket_qua": DossierStatus.RESOLVED, "returned": DossierStatus.RETURNED,
        "tra_lai": DossierStatus.RETURNED, "tu_choi": DossierStatus.RETURNED,
        "withdrawn": DossierStatus.WITHDRAWN, "rut_ho_so": DossierStatus.WITHDRAWN,
    },
    "direction": {
        "in": Direction.INCOMING, "den": Direction.INCOMING, "incoming": Direction.INCOMING,
        "van_ban_den": Direction.INCOMING, "out": Direction.OUTGOING, "di": Direction.OUTGOING,
        "outgoing": Direction.OUTGOING, "van_ban_di": Direction.OUTGOING,
    },
    "method": {
        "online": PaymentMethod.ONLINE, "truc_tuyen": PaymentMethod.ONLINE,
        "transfer": PaymentMethod.TRANSFER, "chuyen_khoan": PaymentMethod.TRANSFER,
        "cash": PaymentMethod.CASH, "tien_mat": PaymentMethod.CASH,
    },
}  # fmt: skip

_FROMISO = dt.datetime.fromisoformat
# Exact spellings the fast path takes as they are (anything else goes to the full parser).
# Plain str values, not the enum members: the SQLite driver binds an exact str directly and
# sends anything else (str subclasses, bool) through its adapter look-up, a million times.
_FAST_CHOICES = {name: {k: str(v) for k, v in options.items()}
                 for name, options in CHOICES.items()}  # fmt: skip
_FAST_BOOL = {"có": True, "không": False, "1": True, "0": False, "true": True, "false": False,
              "yes": True, "no": False, "x": True, "": False}  # fmt: skip

_YES = frozenset({"1", "true", "yes", "y", "x", "có", "co", "c", "đúng", "dung"})
_NO = frozenset({"0", "false", "no", "n", "không", "khong", "k", ""})

DATETIME_HINT = "ví dụ đúng: 2024-03-15 08:30 hoặc 15/03/2024 08:30"
DATE_HINT = "ví dụ đúng: 2024-03-15 hoặc 15/03/2024"


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = _text(raw).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise FieldError(f"“{raw}” phải là “có” hoặc “không”")


def parse_choice(field: str, raw: Any) -> str:
    options = CHOICES[field]
    text = _text(raw).lower()
    found = options.get(text) or options.get(fold(text).strip().replace(" ", "_"))
    if found is None:
        allowed = ", ".join(dict.fromkeys(str(v) for v in options.values()))
        raise FieldError(f"“{raw}” không phải giá trị hợp lệ (dùng: {allowed})")
    return found


def parse_money(raw: Any) -> int:
    if isinstance(raw, bool):
        raise FieldError("số tiền phải là số")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise FieldError(f"“{raw}” không phải số đồng nguyên")
        value = int(raw)
    else:
        text = _text(raw).replace(" ", "").replace("\u00a0", "")
        if not text:
            return 0
        digits = text.replace(".", "").replace(",", "") if "." in text or "," in text else text
        if not digits.isdigit():
            raise FieldError(f"“{raw}” không phải số tiền (ví dụ đúng: 8000 hoặc 8.000)")
        value = int(digits)
    if value < 0:
        raise FieldError("số tiền không được âm")
    return value


def parse_datetime(raw: Any) -> dt.datetime:
    """A naive datetime in Vietnam time (what records keep and compare); a time with an
    offset is converted to Vietnam time, a time without one is taken as Vietnam time."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime(raw.year, raw.month, raw.day)
    else:
        text = _text(raw)
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            value = _day_first(text, with_time=True)
    if value.tzinfo is not None:
        value = value.astimezone(VN).replace(tzinfo=None)
    if value.date() < EARLIEST:
        raise FieldError(f"“{raw}” trước năm {EARLIEST.year}: ngày không hợp lệ")
    return value


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        value = _day_first(text, with_time=False).date()
    if value < EARLIEST:
        raise FieldError(f"“{raw}” trước năm {EARLIEST.year}: ngày không hợp lệ")
    return value


def _day_first(text: str, *, with_time: bool) -> dt.datetime:
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y"):
        if not with_time and "%H" in fmt:
            continue
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    if not text:
        raise FieldError("chưa có giá trị")
    raise FieldError(f"“{text}” không phải ngày{' giờ' if with_time else ''} hợp lệ "
                     f"({DATETIME_HINT if with_time else DATE_HINT})")  # fmt: skip


def aware(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=VN)


def digest(values: Sequence[Any]) -> int:
    """A signed 64-bit digest of a record's normalised content (fits a BIGINT column)."""
    return _digest_text("\x1f".join("" if v is None else str(v) for v in values))


def _digest_text(text: str) -> int:
    raw = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big", signed=True)


# --- units ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitMap:
    """Commune codes of both generations, for attributing records.

    ``current``: code → (unit id, province id); ``legacy``: code → (unit id, pre-reform
    province id, today's province id); ``successor``: legacy unit id → its main
    successor's (id, province id)."""

    current: dict[str, tuple[int, int]]
    legacy: dict[str, tuple[int, int, int]]
    successor: dict[int, tuple[int, int]]
    names: dict[str, str]  # code → name, for messages


class UnitResolver:
    """Code and date → the unit the record belongs to.

    Before 1 July 2025 a record is attributed to the pre-reform commune with that code
    (falling back to today's unit if the code is new). From 1 July 2025 to today's unit
    with that code; a source still sending a pre-reform code gets the commune that
    replaced it (its main successor). Either way the unit must lie in the source's
    province (today's borders)."""

    def __init__(self, units: UnitMap, province_id: int, province_name: str) -> None:
        self.units = units
        self.province_id = province_id
        self.province_name = province_name
        self._cache: dict[tuple[str, bool], tuple[int, int] | str] = {}
        self._raw: dict[tuple[str, bool], tuple[int, int, str]] = {}

    def resolve(self, raw: Any, day: dt.date) -> tuple[int, int, str]:
        """(unit id, province id, code) or FieldError."""
        hit = self._raw.get((raw, day < REFORM_DATE)) if isinstance(raw, str) else None
        if hit is not None:
            return hit
        found = self._resolve(raw, day)
        if isinstance(raw, str):
            self._raw[(raw, day < REFORM_DATE)] = found
        return found

    def _resolve(self, raw: Any, day: dt.date) -> tuple[int, int, str]:
        code = _text(raw)
        if code.isdigit() and len(code) < 5:
            code = code.zfill(5)  # spreadsheets drop the leading zeros of "00004"
        before = day < REFORM_DATE
        key = (code, before)
        found = self._cache.get(key)
        if found is None:
            found = self._find(code, before)
            self._cache[key] = found
        if isinstance(found, str):
            raise FieldError(found)
        return found[0], found[1], code

    def _find(self, code: str, before: bool) -> tuple[int, int] | str:
        if not code:
            return "chưa có mã đơn vị"
        if not (code.isdigit() and len(code) == 5):
            return f"“{code}” không phải mã xã, phường (5 chữ số)"
        current = self.units.current.get(code)
        legacy = self.units.legacy.get(code)
        if before and legacy is not None:
            unit_id, province_id, today_province = legacy
        elif current is not None:
            unit_id, province_id = current
            today_province = province_id
        elif legacy is not None and legacy[0] in self.units.successor:
            unit_id, province_id = self.units.successor[legacy[0]]
            today_province = province_id
        else:
            return f"không có xã, phường nào mang mã {code}"
        if today_province != self.province_id:
            name = self.units.names.get(code, code)
            return f"{name} ({code}) không thuộc {self.province_name}, tỉnh của nguồn dữ liệu"
        return unit_id, province_id


# --- parsers -------------------------------------------------------------------------

Problems = list[tuple[str, str]]


# One record ready to store: a tuple in the table's column order (``xaso.connectors.store``
# COMMON then the kind's STORED columns) — a tuple, not an object, because a million of
# them are built per load.
Parsed = tuple[Any, ...]
SID, UNIT, PROVINCE, CODE, DIGEST = 1, 2, 3, 4, 7
DOSSIER_SID = 9  # a payment's first own column
NONE = -1  # the position of a column the file does not have


# Columns an export adds for the reader (``xaso.connectors.exports``); loading skips them.
EXPORT_ONLY = frozenset({"attributed_unit", "source"})


class HeaderError(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def column_index(kind: str, header: Sequence[Any]) -> dict[str, int]:
    """Field name → position; every missing required column and every unknown column is
    reported at once."""
    fields = {f.name: f for f in FIELDS[kind]}
    index: dict[str, int] = {}
    problems: list[str] = []
    for pos, raw in enumerate(header):
        name = _text(raw).lower().lstrip("\ufeff")
        if not name or name in EXPORT_ONLY:
            continue
        if name not in fields:
            problems.append(
                f"cột “{raw}” không có trong lược đồ {Kind(kind).label.lower()} "
                f"(các cột: {', '.join(fields)})"
            )
        elif name in index:
            problems.append(f"cột “{name}” xuất hiện hai lần")
        else:
            index[name] = pos
    missing = [f"{f.name} ({f.label})" for f in FIELDS[kind] if f.required and f.name not in index]
    if missing:
        problems.append(f"thiếu cột bắt buộc: {', '.join(missing)}")
    if problems:
        raise HeaderError(problems)
    return index


Adapt = Callable[[Any], Any]


class RowParser:
    """Parses rows of one kind; ``adapt_dt``/``adapt_date`` turn values into what the
    database driver takes (the backend's own adapters)."""

    def __init__(
        self,
        kind: str,
        header: Sequence[Any],
        resolver: UnitResolver,
        *,
        adapt_dt: Adapt,
        adapt_date: Adapt,
        source_id: int = 0,
        batch_id: int = 0,
        adapt_bool: Adapt = bool,
    ) -> None:
        self.adapt_bool = adapt_bool
        self.source_id = source_id
        self.batch_id = batch_id
        self.kind = kind
        self.index = column_index(kind, header)
        self.resolver = resolver
        self.adapt_dt = adapt_dt
        self.adapt_date = adapt_date
        self.parse: Callable[[Sequence[Any]], Parsed | Problems] = {
            Kind.DOSSIER: self._make_dossier_fast,
            Kind.DOCUMENT: lambda: self._document,
            Kind.PAYMENT: lambda: self._payment,
        }[Kind(kind)]()

    def _cell(self, row: Sequence[Any], name: str) -> Any:
        pos = self.index.get(name)
        if pos is None or pos >= len(row):
            return None
        return row[pos]

    def _required_text(self, row: Sequence[Any], name: str, limit: int, problems: Problems) -> str:
        # Our own export put an apostrophe before a formula sign: a round trip is unchanged.
        text = restore_cell(_text(self._cell(row, name)))
        if not text:
            problems.append((name, "chưa có giá trị"))
        elif len(text) > limit:
            problems.append((name, f"dài quá {limit} ký tự"))
        return text

    def _field(self, problems: Problems, name: str, fn: Callable[[Any], Any], raw: Any) -> Any:
        try:
            return fn(raw)
        except FieldError as exc:
            problems.append((name, exc.message))
            return None

    def _optional_dt(self, row: Sequence[Any], name: str, problems: Problems) -> Any:
        raw = self._cell(row, name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self._field(problems, name, parse_datetime, raw)

    def _unit(
        self, row: Sequence[Any], day: dt.date | None, problems: Problems
    ) -> tuple[int, int, str] | None:
        if day is None:
            return None
        try:
            return self.resolver.resolve(self._cell(row, "unit_code"), day)
        except FieldError as exc:
            problems.append(("unit_code", exc.message))
            return None

    def _dossier(self, row: Sequence[Any]) -> Parsed | Problems:
        problems: Problems = []
        sid = self._required_text(row, "source_id", 100, problems)
        proc_code = self._required_text(row, "procedure_code", 60, problems)
        proc_name = self._required_text(row, "procedure_name", 300, problems)
        received = self._field(problems, "received_at", parse_datetime,
                               self._cell(row, "received_at"))  # fmt: skip
        channel = self._field(problems, "channel", lambda r: parse_choice("channel", r),
                              self._cell(row, "channel"))  # fmt: skip
        full = self._field(problems, "full_online", parse_bool, self._cell(row, "full_online"))
        due = self._optional_dt(row, "due_at", problems)
        resolved = self._optional_dt(row, "resolved_at", problems)
        status = self._field(problems, "status", lambda r: parse_choice("status", r),
                             self._cell(row, "status"))  # fmt: skip
        fee = self._field(problems, "fee", parse_money, self._cell(row, "fee"))
        paid = self._field(problems, "paid_online", parse_bool, self._cell(row, "paid_online"))
        day = received.date() if received is not None else None
        unit = self._unit(row, day, problems)
        if full and channel is not None and channel != Channel.ONLINE:
            problems.append(("full_online", "hồ sơ toàn trình phải nộp qua kênh trực tuyến"))
        if resolved is not None and received is not None and resolved < received:
            problems.append(("resolved_at", "trả kết quả trước khi tiếp nhận"))
        if paid and not fee:
            problems.append(("paid_online", "hồ sơ không có phí, lệ phí mà ghi đã nộp trực tuyến"))
        if problems or unit is None or day is None:
            return problems
        return self._dossier_parsed(sid, proc_code, proc_name, unit, received, channel, bool(full),
                                    due, resolved, status, fee, bool(paid))  # fmt: skip

    def _dossier_parsed(
        self, sid: str, proc_code: str, proc_name: str, unit: tuple[int, int, str],
        received: dt.datetime, channel: str, full: bool, due: dt.datetime | None,
        resolved: dt.datetime | None, status: str, fee: int, paid: bool,
    ) -> Parsed:  # fmt: skip
        adapt = self.adapt_dt
        day = received.date()
        at = adapt(received)
        due_at = None if due is None else adapt(due)
        resolved_at = None if resolved is None else adapt(resolved)
        # Built by hand rather than with ``digest``: str() of three datetimes per row was
        # the largest cost of a million-row load; the adapted values say the same.
        content = (f"{unit[2]}\x1f{proc_code}\x1f{proc_name}\x1f{at}\x1f{channel}\x1f{full:d}"
                   f"\x1f{due_at}\x1f{resolved_at}\x1f{status}\x1f{fee}\x1f{paid:d}")  # fmt: skip
        flag = self.adapt_bool
        return (self.source_id, sid, unit[0], unit[1], unit[2], self.adapt_date(day),
                day.year * 100 + day.month, _digest_text(content), self.batch_id, proc_code,
                proc_name, at, str(channel), flag(full), due_at, resolved_at, str(status), fee,
                flag(paid))  # fmt: skip

    def _make_dossier_fast(self) -> Callable[[Sequence[Any]], Parsed | Problems]:
        """The dossier parser: the common case of a clean CSV row is read without building
        messages; anything unusual (a typed cell, an offset, a spelling to fold, a broken
        rule) falls back to the full parser, which says what is wrong."""
        ix = self.index
        # Positions bound once; a missing optional column reads as "" via NONE.
        p_sid, p_code, p_name = ix["source_id"], ix["procedure_code"], ix["procedure_name"]
        p_rec, p_chan, p_full = ix["received_at"], ix["channel"], ix["full_online"]
        p_status, p_unit = ix["status"], ix["unit_code"]
        p_due, p_res = ix.get("due_at", NONE), ix.get("resolved_at", NONE)
        p_fee, p_paid = ix.get("fee", NONE), ix.get("paid_online", NONE)
        flag = self.adapt_bool
        # Flags straight in the stored form (0/1 on SQLite): no conversion per row.
        bools = {text: flag(value) for text, value in _FAST_BOOL.items()}
        channels, statuses = _FAST_CHOICES["channel"], _FAST_CHOICES["status"]
        no = flag(False)
        raw_units, reform = self.resolver._raw, REFORM_DATE
        fromiso, resolve, slow = _FROMISO, self.resolver.resolve, self._dossier
        online, first_year = Channel.ONLINE.value, EARLIEST.year

        adapt, adapt_date, digest_text = self.adapt_dt, self.adapt_date, _digest_text
        source_id, batch_id = self.source_id, self.batch_id

        def parse(row: Sequence[Any]) -> Parsed | Problems:
            try:
                sid = row[p_sid].strip()
                proc_code = row[p_code].strip()
                proc_name = row[p_name].strip()
                received = fromiso(row[p_rec])
                channel = channels[row[p_chan]]
                full = bools[row[p_full]]
                status = statuses[row[p_status]]
                raw = row[p_due] if p_due != NONE else ""
                due = fromiso(raw) if raw else None
                raw = row[p_res] if p_res != NONE else ""
                resolved = fromiso(raw) if raw else None
                raw = row[p_fee] if p_fee != NONE else ""
                fee = int(raw) if raw else 0
                paid = bools[row[p_paid]] if p_paid != NONE else no
                day = received.date()
                code_raw = row[p_unit]
                unit = raw_units.get((code_raw, day < reform)) or resolve(code_raw, day)
            except (KeyError, ValueError, IndexError, TypeError, AttributeError, FieldError):
                return slow(row)
            if (
                not sid or not proc_code or not proc_name or len(sid) > 100
                or "'" in (sid[0], proc_code[0], proc_name[0])
                or len(proc_code) > 60 or len(proc_name) > 300 or fee < 0
                or received.tzinfo is not None or received.year < first_year
                or (full and channel != online) or (paid and not fee)
                or (due is not None and due.tzinfo is not None)
                or (resolved is not None and (resolved.tzinfo is not None or resolved < received))
            ):  # fmt: skip
                return slow(row)
            # The same tuple and digest as ``_dossier_parsed``, inlined: this runs a million
            # times per load (a test keeps the two equal).
            at = adapt(received)
            due_at = None if due is None else adapt(due)
            resolved_at = None if resolved is None else adapt(resolved)
            code = unit[2]
            content = (
                f"{code}\x1f{proc_code}\x1f{proc_name}\x1f{at}\x1f{channel}\x1f{full:d}"
                f"\x1f{due_at}\x1f{resolved_at}\x1f{status}\x1f{fee}\x1f{paid:d}"
            )
            return (
                source_id, sid, unit[0], unit[1], code, adapt_date(day),
                day.year * 100 + day.month, digest_text(content), batch_id, proc_code,
                proc_name, at, channel, full, due_at, resolved_at, status, fee, paid,
            )  # fmt: skip

        return parse

    def _document(self, row: Sequence[Any]) -> Parsed | Problems:
        problems: Problems = []
        sid = self._required_text(row, "source_id", 100, problems)
        number = self._required_text(row, "number", 100, problems)
        day = self._field(problems, "date", parse_date, self._cell(row, "date"))
        direction = self._field(problems, "direction", lambda r: parse_choice("direction", r),
                                self._cell(row, "direction"))  # fmt: skip
        signed = self._field(problems, "signed", parse_bool, self._cell(row, "signed"))
        online = self._field(problems, "processed_online", parse_bool,
                             self._cell(row, "processed_online"))  # fmt: skip
        unit = self._unit(row, day, problems)
        if problems or unit is None or day is None:
            return problems
        content = (unit[2], number, day, direction, signed, online)
        adapted = self.adapt_date(day)
        return (self.source_id, sid, unit[0], unit[1], unit[2], adapted,
                day.year * 100 + day.month, digest(content), self.batch_id, number, adapted,
                direction, signed, online)  # fmt: skip

    def _payment(self, row: Sequence[Any]) -> Parsed | Problems:
        """The unit is the dossier's, filled in by the loader once the chunk's dossiers
        are looked up."""
        problems: Problems = []
        sid = self._required_text(row, "source_id", 100, problems)
        dossier = self._required_text(row, "dossier_id", 100, problems)
        amount = self._field(problems, "amount", parse_money, self._cell(row, "amount"))
        method = self._field(problems, "method", lambda r: parse_choice("method", r),
                             self._cell(row, "method"))  # fmt: skip
        paid_at = self._field(problems, "paid_at", parse_datetime, self._cell(row, "paid_at"))
        if problems or paid_at is None:
            return problems
        day = paid_at.date()
        content = (dossier, amount, method, paid_at)
        return (self.source_id, sid, 0, 0, "", self.adapt_date(day), day.year * 100 + day.month,
                digest(content), self.batch_id, dossier, amount, method,
                self.adapt_dt(paid_at))  # fmt: skip
