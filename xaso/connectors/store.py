"""Ghi bản ghi theo lô — set-based writes of parsed records and the monthly tallies.

A million-row file cannot go through model instances: rows are written with one
``INSERT … ON CONFLICT (source, source id) DO UPDATE`` per chunk (SQLite and PostgreSQL
both have it), after a look-up of the digests already stored so that unchanged records
are not written at all. Tallies of the units touched are rebuilt with one
``INSERT … SELECT … GROUP BY`` per chunk of units. Everything runs inside the caller's
transaction: the caller decides whether the batch commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from xaso.connectors import measures
from xaso.connectors.models import Kind
from xaso.connectors.schema import Parsed

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


def write(
    kind: str, source_id: int, batch_id: int, parsed: Sequence[Parsed], *, lookup: bool
) -> Written:
    """Writes the new and changed records of a chunk; ``lookup`` False when the source has
    no records yet (a first load skips the digest look-up)."""
    done = Written()
    old = stored_digests(kind, source_id, [p.sid for p in parsed]) if lookup else {}
    rows: list[tuple[Any, ...]] = []
    for p in parsed:
        before = old.get(p.sid)
        if before is not None:
            if before[0] == p.digest:
                done.unchanged += 1
                continue
            done.updated += 1
            done.units.add(before[1])
        else:
            done.created += 1
        done.units.add(p.unit_id)
        rows.append(
            (source_id, p.sid, p.unit_id, p.province_id, p.unit_code, p.day, p.month, p.digest,
             batch_id, *p.values)
        )  # fmt: skip
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(upsert_sql(kind), rows)
    return done


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
            cursor.execute(
                f"INSERT INTO {TALLIES[kind]} ({names}) "
                f"SELECT unit_id, MAX(province_id), month, COUNT(*), {sums}, %s "
                f"FROM {TABLES[kind]} WHERE unit_id IN ({marks}) GROUP BY unit_id, month",
                [at, *part],
            )
    return len(units)
