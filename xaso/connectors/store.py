"""Ghi bản ghi theo lô — set-based writes of parsed records and the monthly tallies.

A million-row file cannot go through model instances: rows are written with one
``INSERT … ON CONFLICT (source, source id) DO UPDATE`` per chunk (SQLite and PostgreSQL
both have it), after a look-up of the digests already stored so that unchanged records
are not written at all. Tallies of the units touched are rebuilt with one
``INSERT … SELECT … GROUP BY`` per chunk of units. Everything runs inside the caller's
transaction: the caller decides whether the batch commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from xaso.connectors import measures
from xaso.connectors.models import Kind
from xaso.connectors.schema import DIGEST, SID, UNIT, Parsed, aware

COMMON = ("source_id", "source_sid", "unit_id", "province_id", "unit_code", "day", "month",
          "digest", "batch_id")  # fmt: skip
STORED: dict[str, tuple[str, ...]] = {
    Kind.DOSSIER: ("procedure_code", "procedure_name", "received_at", "channel", "full_online",
                   "due_at", "resolved_at", "status", "fee", "paid_online"),
    Kind.DOCUMENT: ("number", "issued_on", "direction", "signed", "processed_online"),
    Kind.PAYMENT: ("dossier_sid", "amount", "method", "paid_at"),
}  # fmt: skip
TABLES = {
    Kind.DOSSIER: "connectors_dossier",
    Kind.DOCUMENT: "connectors_document",
    Kind.PAYMENT: "connectors_payment",
}
TALLIES = {
    Kind.DOSSIER: "connectors_dossiertally",
    Kind.DOCUMENT: "connectors_documenttally",
    Kind.PAYMENT: "connectors_paymenttally",
}
LOOKUP_CHUNK = 900  # bound parameters per look-up (old SQLite builds allow 999)
UNIT_CHUNK = 500
LOAD_CACHE_KIB = 256 * 1024
# Tallying many units reads most of the table: a scan beats a lookup per row by index.
SCAN_FROM_UNITS = 50


_UTC_OFFSET = dt.timedelta(hours=7)


def adapters() -> tuple[
    Callable[[dt.datetime], Any], Callable[[dt.date], Any], Callable[[Any], Any]
]:
    """(Vietnam-time datetime, date, flag) → what the driver stores. SQLite keeps Django's
    text form of the UTC time, built here directly (Django's own adapter costs more than
    the whole parse of a row, a million times over), and flags as 0/1 integers."""
    if connection.vendor == "sqlite":
        return (lambda local: str(local - _UTC_OFFSET)), (lambda day: day.isoformat()), int
    return aware, (lambda day: day), bool


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units: set[int] = field(default_factory=set)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def upsert_sql(kind: str) -> str:
    columns = (*COMMON, *STORED[kind])
    cols = ", ".join(_q(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    updates = ", ".join(
        f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in ("source_id", "source_sid")
    )
    return (
        f"INSERT INTO {TABLES[kind]} ({cols}) VALUES ({marks}) "
        f"ON CONFLICT (source_id, source_sid) DO UPDATE SET {updates}"
    )


def insert_sql(kind: str) -> str:
    return upsert_sql(kind).split(" ON CONFLICT ")[0]


def stored_digests(kind: str, source_id: int, sids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """sid → (digest, unit id) of the records of this source already stored."""
    out: dict[str, tuple[int, int]] = {}
    table = TABLES[kind]
    with connection.cursor() as cursor:
        for start in range(0, len(sids), LOOKUP_CHUNK):
            part = sids[start : start + LOOKUP_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT source_sid, digest, unit_id FROM {table} "
                f"WHERE source_id = %s AND source_sid IN ({marks})",
                [source_id, *part],
            )
            for sid, dig, unit_id in cursor.fetchall():
                out[sid] = (dig, unit_id)
    return out


def has_records(kind: str, source_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLES[kind]} WHERE source_id = %s LIMIT 1", [source_id])
        return cursor.fetchone() is not None


def all_digests(kind: str, source_id: int) -> dict[str, tuple[int, int]]:
    """sid → (digest, unit id) of every record of this source (one pass)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source_sid, digest, unit_id FROM {TABLES[kind]} WHERE source_id = %s",
            [source_id],
        )
        return {sid: (dig, unit_id) for sid, dig, unit_id in cursor.fetchall()}


def write(
    kind: str,
    source_id: int,
    parsed: Sequence[Parsed],
    *,
    lookup: bool,
    known: dict[str, tuple[int, int]] | None = None,
) -> Written:
    """Writes the new and changed records of a chunk; ``lookup`` False when the source has
    no records yet (a first load skips the digest look-up and the comparison)."""
    done = Written()
    if not lookup:
        rows: Sequence[Parsed] = parsed
        done.created = len(rows)
        done.units = {row[UNIT] for row in rows}
    else:
        old = (
            known if known is not None
            else stored_digests(kind, source_id, [row[SID] for row in parsed])
        )  # fmt: skip
        changed = []
        for row in parsed:
            before = old.get(row[SID])
            if before is not None:
                if before[0] == row[DIGEST]:
                    done.unchanged += 1
                    continue
                done.updated += 1
                done.units.add(before[1])
            else:
                done.created += 1
            done.units.add(row[UNIT])
            changed.append(row)
        rows = changed
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(upsert_sql(kind), rows)
    return done


class BackgroundWriter:
    """Writes a first load's chunks from a second thread while the caller parses the next
    chunk. SQLite's ``sqlite3_step`` runs without the GIL, so inserting and parsing overlap
    (a million-row load takes about as long as its parsing alone). Same connection, same
    transaction: the caller's ``atomic`` still decides. One chunk in flight at a time, and
    the caller waits (``wait``) before touching the database itself."""

    def __init__(self, kind: str) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        # Only first loads come here: every row is new (duplicates were refused by the
        # parser), so a plain INSERT; a clash would still fail on the unique key.
        self.sql = insert_sql(kind).replace("%s", "?")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xaso-writer")
        self.pending: Future[None] | None = None
        # SQLite's default 2 MB page cache makes every insert into the (unit, day) index of
        # a large table a disk read; a bigger cache for the length of the load keeps the
        # index pages hot. Restored by ``close``.
        cursor = self.raw.cursor()
        self.cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-LOAD_CACHE_KIB}")
        cursor.close()

    @staticmethod
    def available() -> bool:
        return connection.vendor == "sqlite"

    def submit(self, rows: Sequence[Parsed]) -> None:
        self.wait()
        self.pending = self.pool.submit(self._write, rows)

    def _write(self, rows: Sequence[Parsed]) -> None:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(self.sql, rows)
        finally:
            cursor.close()

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True)
            self.raw.execute(f"PRAGMA cache_size = {int(self.cache_size)}")


def retally(kind: str, unit_ids: Iterable[int], computed_at: Any) -> int:
    """Rebuilds these units' monthly tallies from their records; returns the unit count."""
    units = sorted(set(unit_ids))
    counters = measures.COUNTERS[kind]
    names = ", ".join(
        ["unit_id", "province_id", "month", "records", *(c.name for c in counters), "computed_at"]
    )
    sums = ", ".join(f"SUM({c.sql})" for c in counters)
    at = connection.ops.adapt_datetimefield_value(computed_at)
    with connection.cursor() as cursor:
        for start in range(0, len(units), UNIT_CHUNK):
            part = units[start : start + UNIT_CHUNK]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(f"DELETE FROM {TALLIES[kind]} WHERE unit_id IN ({marks})", part)
            scan = (
                " NOT INDEXED"
                if connection.vendor == "sqlite" and len(part) >= SCAN_FROM_UNITS
                else ""
            )
            cursor.execute(
                f"INSERT INTO {TALLIES[kind]} ({names}) "
                f"SELECT unit_id, MAX(province_id), month, COUNT(*), {sums}, %s "
                f"FROM {TABLES[kind]}{scan} WHERE unit_id IN ({marks}) GROUP BY unit_id, month",
                [at, *part],
            )
    return len(units)
