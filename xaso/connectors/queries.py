"""Every read of the connectors app. Reads that take a person go through the one scoping
helper; reads by unit without a person (the measured sources assessments and programs
call, the loader's unit map) are *system reads*.

A measured value of today's commune adds up the records attributed to it and to the
pre-reform communes it is the main successor of (a split commune's records are counted
once, for its main successor). Whole months come from the monthly tallies; the partial
months at a period's edges are summed from the records themselves, with the same
expressions (``xaso.connectors.measures``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from xaso.accounts.queries import Viewer, access_or_404, may_in_unit, scope, visible_unit_ids
from xaso.assessments.cells import Cell
from xaso.assessments.models import Evidence, Period, Submission
from xaso.connectors import measures
from xaso.connectors.models import (
    ADMIN_FAMILY,
    RECORDS_FAMILY,
    SIGNATURES_FAMILY,
    Document,
    DocumentTally,
    Dossier,
    DossierTally,
    ImportBatch,
    Kind,
    Payment,
    PaymentTally,
    SignatureCheck,
    Source,
    TrustRoot,
    Verdict,
)
from xaso.connectors.schema import UnitMap
from xaso.connectors.store import TABLES
from xaso.index.model import InputKind
from xaso.units.models import Generation, Level, Lineage, Unit

RECORD_MODELS: dict[str, type[Dossier] | type[Document] | type[Payment]] = {
    Kind.DOSSIER: Dossier,
    Kind.DOCUMENT: Document,
    Kind.PAYMENT: Payment,
}
TALLY_MODELS: dict[str, type[DossierTally] | type[DocumentTally] | type[PaymentTally]] = {
    Kind.DOSSIER: DossierTally,
    Kind.DOCUMENT: DocumentTally,
    Kind.PAYMENT: PaymentTally,
}
# What assessments shows beside a measured value as its source.
MEASURED_SOURCE = "Hệ thống một cửa, văn bản, thanh toán của tỉnh (xaso connectors)"


# --- units (system reads) ----------------------------------------------------------------


def unit_map() -> UnitMap:
    """Every commune code of both generations with its province and main successor."""
    current: dict[str, tuple[int, int]] = {}
    legacy_raw: dict[str, tuple[int, int]] = {}
    names: dict[str, str] = {}
    rows = Unit.objects.filter(level=Level.COMMUNE).values_list(
        "id", "code", "generation", "province_id", "name"
    )
    for pk, code, generation, province_id, name in rows:
        if generation == Generation.CURRENT:
            current[code] = (pk, province_id or 0)
            names[code] = name
        else:
            legacy_raw[code] = (pk, province_id or 0)
            names.setdefault(code, name)
    successor: dict[int, tuple[int, int]] = {}
    links = Lineage.objects.filter(
        predecessor__level=Level.COMMUNE, successor__level=Level.COMMUNE
    ).values_list("predecessor_id", "successor_id", "successor__province_id", "is_main_successor")
    for pred, succ, succ_province, main in links.order_by("-is_main_successor", "successor_id"):
        if pred not in successor or main:
            successor.setdefault(pred, (succ, succ_province or 0))
    legacy = {
        code: (pk, province_id, successor.get(pk, (0, 0))[1])
        for code, (pk, province_id) in legacy_raw.items()
    }
    return UnitMap(current, legacy, successor, names)


def counted_unit_ids(unit: Unit) -> list[int]:
    """The unit and, for today's commune, the pre-reform communes whose records count for
    it (those it is the main successor of)."""
    ids = [unit.pk]
    if unit.generation == Generation.CURRENT:
        ids += list(
            Lineage.objects.filter(successor=unit, is_main_successor=True).values_list(
                "predecessor_id", flat=True
            )
        )
    return ids


# --- counters and measured values (system reads) -----------------------------------------


def _month_key(day: dt.date) -> int:
    return day.year * 100 + day.month


def split_months(start: dt.date, end: dt.date) -> tuple[list[int], list[tuple[dt.date, dt.date]]]:
    """Whole months inside [start, end] and the partial ranges at its edges."""
    full: list[int] = []
    partial: list[tuple[dt.date, dt.date]] = []
    day = start
    while day <= end:
        last = dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        if day.day == 1 and last <= end:
            full.append(_month_key(day))
        else:
            partial.append((day, min(last, end)))
        day = last + dt.timedelta(days=1)
    return full, partial


def counters(kind: Kind, unit_ids: Sequence[int], start: dt.date, end: dt.date) -> dict[str, int]:
    """Each counter of ``kind`` summed over these units' records dated in [start, end]."""
    names = measures.counter_names(kind)
    totals = dict.fromkeys(names, 0)
    if not unit_ids or end < start:
        return totals
    full, partial = split_months(start, end)
    if full:
        found = (
            TALLY_MODELS[kind]
            .objects.filter(unit_id__in=unit_ids, month__in=full)
            .aggregate(**{n: Sum(n) for n in names})
        )
        for n in names:
            totals[n] += int(found[n] or 0)
    if partial:
        exprs = ", ".join(["COUNT(*)", *(f"SUM({c.sql})" for c in measures.COUNTERS[kind])])
        marks = ", ".join(["%s"] * len(unit_ids))
        with connection.cursor() as cursor:
            for lo, hi in partial:
                cursor.execute(
                    f"SELECT {exprs} FROM {TABLES[kind]} WHERE unit_id IN ({marks}) "
                    f"AND day >= %s AND day <= %s",
                    [*unit_ids, connection.ops.adapt_datefield_value(lo),
                     connection.ops.adapt_datefield_value(hi)],
                )  # fmt: skip
                row = cursor.fetchone() or ()
                for n, value in zip(names, row, strict=False):
                    totals[n] += int(value or 0)
    return totals


@dataclass(frozen=True)
class SourceShare:
    name: str
    records: int
    extracted_at: dt.datetime | None
    imported_at: dt.datetime | None


@dataclass(frozen=True)
class MeasuredResult:
    """One measured indicator for one unit and date range, with its provenance."""

    measure: measures.Measure
    numerator: int
    denominator: int
    records: int
    start: dt.date
    end: dt.date
    sources: list[SourceShare] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return measures.share(self.numerator, self.denominator)

    @property
    def percent(self) -> float | None:
        value = self.share
        return None if value is None else round(100 * value, 2)

    @property
    def extracted_at(self) -> dt.datetime | None:
        times = [s.extracted_at for s in self.sources if s.extracted_at is not None]
        return max(times) if times else None


def measured(
    key: str, unit: Unit, start: dt.date, end: dt.date, *, with_sources: bool = True
) -> MeasuredResult:
    m = measures.measure(key)
    ids = counted_unit_ids(unit)
    found = counters(m.kind, ids, start, end)
    return MeasuredResult(
        m,
        found[m.numerator],
        found[m.denominator],
        found[measures.RECORDS_COUNTER],
        start,
        end,
        provenance(m.kind, ids, start, end) if with_sources else [],
    )


def provenance(
    kind: str, unit_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[SourceShare]:
    """Which systems the records came from, how many, and when they were extracted."""
    rows = (
        RECORD_MODELS[kind]
        .objects.filter(unit_id__in=unit_ids, day__gte=start, day__lte=end)
        .values("source_id")
        .annotate(n=Count("id"), batch=Max("batch_id"))
        .order_by("source_id")
    )
    batches = {
        b.pk: b
        for b in ImportBatch.objects.filter(pk__in=[r["batch"] for r in rows]).only(
            "extracted_at", "finished_at"
        )
    }
    names = dict(
        Source.objects.filter(pk__in=[r["source_id"] for r in rows]).values_list("id", "name")
    )
    out = []
    for r in rows:
        batch = batches.get(r["batch"])
        out.append(
            SourceShare(
                names.get(r["source_id"], "?"),
                r["n"],
                batch.extracted_at if batch else None,
                batch.finished_at if batch else None,
            )
        )
    return out


def leaf_cell(kind: InputKind | None, unit_label: str, result: MeasuredResult) -> Cell | None:
    """The stored cell of a criterion fed by a measured share: a ratio keeps numerator and
    denominator, a number in % the percentage, a count the numerator."""
    if not result.denominator:
        return None
    if kind is InputKind.RATIO:
        return {"num": result.numerator, "den": result.denominator}
    if kind is InputKind.COUNT:
        return {"v": result.numerator}
    percent = result.percent
    if percent is None:
        return None
    return {"v": percent if unit_label == "%" else round(result.share or 0, 4)}


def measured_cells(period: Any, units: Sequence[Any]) -> dict[str, dict[str, Cell | None]]:
    """The measured source registered with assessments: unit code → criterion → cell."""
    from xaso.assessments.queries import framework_of

    mapping = measures.measures_for(period.framework.code)
    if not mapping:
        return {}
    leaves = {leaf.code: leaf for leaf in framework_of(period).leaves}
    out: dict[str, dict[str, Cell | None]] = {}
    for unit in units:
        row: dict[str, Cell | None] = {}
        for code, key in mapping.items():
            leaf = leaves.get(code)
            if leaf is None:
                continue
            result = measured(key, unit, period.starts_on, period.ends_on, with_sources=False)
            kind = leaf.input.kind if leaf.input is not None else None
            unit_label = (leaf.input.unit if leaf.input is not None else None) or ""
            row[code] = leaf_cell(kind, unit_label, result)
        out[unit.code] = row
    return out


def signed_evidence_count(unit: Unit, start: dt.date, end: dt.date) -> int:
    """PDF evidence of this unit (and its predecessors) whose signature checked valid,
    among evidence uploaded in [start, end]."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return SignatureCheck.objects.filter(
        unit_id__in=counted_unit_ids(unit),
        verdict=Verdict.VALID,
        evidence__uploaded_at__gte=lo,
        evidence__uploaded_at__lt=hi,
    ).count()


# --- scoped reads ------------------------------------------------------------------------


def sources_for(viewer: Viewer) -> QuerySet[Source]:
    return scope(Source.objects.select_related("province"), viewer, action="list").order_by(
        "province__name", "code"
    )


def source_or_404(viewer: Viewer, pk: object, *, action: str = "view") -> Source:
    return access_or_404(viewer, Source.objects.select_related("province"), pk, action=action)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def source_by_token(raw: str) -> Source | None:
    """The active source whose push token this is (system read: the token is the proof)."""
    if not raw or not raw.startswith("xsrc_"):
        return None
    return (
        Source.objects.select_related("province")
        .filter(token_hash=hash_token(raw), active=True)
        .first()
    )


def may_administer(viewer: Viewer, province_id: int) -> bool:
    return may_in_unit(viewer, "edit", province_id, family=ADMIN_FAMILY)


def administered_provinces(viewer: Viewer) -> list[Unit]:
    ids = visible_unit_ids(viewer, action="edit", family=ADMIN_FAMILY)
    qs = Unit.objects.filter(generation=Generation.CURRENT, level=Level.PROVINCE)
    if isinstance(ids, set):
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("name"))


def batches_for(viewer: Viewer) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.select_related("source", "actor")
    return scope(qs, viewer, action="list").order_by("-started_at", "-pk")


def batch_or_404(viewer: Viewer, pk: object) -> ImportBatch:
    qs = ImportBatch.objects.select_related("source", "actor", "province")
    return access_or_404(viewer, qs, pk, action="view")


def trust_roots_for(viewer: Viewer) -> QuerySet[TrustRoot]:
    qs = TrustRoot.objects.select_related("province", "added_by")
    return scope(qs, viewer, action="list").order_by("province__name", "name")


def trust_root_or_404(viewer: Viewer, pk: object, *, action: str = "edit") -> TrustRoot:
    return access_or_404(viewer, TrustRoot.objects.select_related("province"), pk, action=action)


def trust_store(province_id: int | None) -> list[bytes]:
    """DER certificates signatures of this province's evidence must chain to: the active
    roots its administrators added, plus any PEM files in ``XASO_SIGNATURE_TRUST_ROOTS``."""
    ders = [
        bytes(d)
        for d in TrustRoot.objects.filter(province_id=province_id, active=True)
        .order_by("fingerprint")
        .values_list("der", flat=True)
    ]
    from xaso.connectors.signatures import pem_files_to_der

    ders += pem_files_to_der(getattr(settings, "XASO_SIGNATURE_TRUST_ROOTS", []))
    return ders


def store_fingerprint(ders: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for der in sorted(hashlib.sha256(d).hexdigest() for d in ders):
        digest.update(der.encode())
    return digest.hexdigest()


def unit_or_404(viewer: Viewer, pk: int) -> Unit:
    """A unit whose records this person may read (404 alike for missing and forbidden)."""
    unit = Unit.objects.select_related("province").filter(pk=pk).first()
    if unit is None or not may_in_unit(viewer, "view", unit.pk, family=RECORDS_FAMILY):
        raise Http404("Không tìm thấy.")
    return unit


def records_for(
    viewer: Viewer,
    kind: str,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    *,
    counter: str | None = None,
    action: str = "list",
) -> QuerySet[Any]:
    """The records behind a measured value: the unit's and its predecessors', dated in the
    range, narrowed to those a counter counts, and to what this person may see."""
    model = RECORD_MODELS[kind]
    qs = model.objects.filter(
        unit_id__in=counted_unit_ids(unit), day__gte=start, day__lte=end
    ).select_related("unit", "source")
    if counter:
        qs = qs.filter(measures.counter_q(kind, counter))
    return scope(qs, viewer, action=action).order_by("day", "source_sid")


def periods_with_measures(viewer: Viewer) -> list[Period]:
    from xaso.assessments.queries import periods_for

    codes = set(measures.FRAMEWORK_MEASURES)
    return [p for p in periods_for(viewer) if p.framework.code in codes]


@dataclass(frozen=True)
class PeriodCell:
    code: str
    key: str
    result: MeasuredResult
    self_value: Cell | None


@dataclass(frozen=True)
class PeriodRow:
    submission: Submission
    cells: list[PeriodCell]
    signed_evidence: int


def period_table(viewer: Viewer, period: Period) -> list[PeriodRow]:
    """Each unit of a period the person may see, with every measured criterion beside the
    unit's self-reported value."""
    from xaso.assessments.queries import submissions_of

    mapping = measures.measures_for(period.framework.code)
    rows = []
    for sub in submissions_of(viewer, period):
        cells = [
            PeriodCell(
                code, key,
                measured(key, sub.unit, period.starts_on, period.ends_on, with_sources=False),
                sub.self_values.get(code),
            )
            for code, key in sorted(mapping.items())
        ]  # fmt: skip
        rows.append(
            PeriodRow(sub, cells, signed_evidence_count(sub.unit, period.starts_on, period.ends_on))
        )
    return rows


# --- signatures --------------------------------------------------------------------------


def pdf_evidence(submission: Submission) -> QuerySet[Evidence]:
    return submission.evidence.filter(content_type="application/pdf").order_by(
        "criterion", "uploaded_at"
    )


def checks_by_evidence(evidence_ids: Iterable[int]) -> dict[int, SignatureCheck]:
    return {
        c.evidence_id: c for c in SignatureCheck.objects.filter(evidence_id__in=list(evidence_ids))
    }


def signature_check_or_404(viewer: Viewer, pk: object) -> SignatureCheck:
    qs = SignatureCheck.objects.select_related("evidence__submission__period", "unit")
    return access_or_404(viewer, qs, pk, action="view")


def may_check_signatures(viewer: Viewer, unit_id: int) -> bool:
    return may_in_unit(viewer, "edit", unit_id, family=SIGNATURES_FAMILY)


def unchecked_pdf_evidence(province_id: int | None = None) -> QuerySet[Evidence]:
    """PDF evidence never checked (system read, for the batch check)."""
    qs = Evidence.objects.filter(content_type="application/pdf").exclude(
        pk__in=SignatureCheck.objects.values("evidence_id")
    )
    if province_id is not None:
        qs = qs.filter(province_id=province_id)
    return qs.select_related("unit").order_by("pk")
