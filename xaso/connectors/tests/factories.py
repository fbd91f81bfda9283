"""Factories for the connectors tests, a test CA and PDF signer, and the sample makers of
every model this app registers for scoping (the access matrix finds ``SCOPED_SAMPLES``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from xaso.assessments.tests.factories import SCOPED_SAMPLES as ASSESSMENT_SAMPLES
from xaso.connectors import actions
from xaso.connectors.models import (
    BatchState,
    Document,
    DocumentTally,
    Dossier,
    DossierTally,
    ImportBatch,
    Payment,
    PaymentTally,
    SignatureCheck,
    Source,
    TrustRoot,
    Verdict,
)
from xaso.connectors.readers import Rows, read_csv_bytes, rows_from_objects
from xaso.units.models import Unit

_seq = itertools.count(1)

DOSSIER_HEADER = [
    "source_id", "procedure_code", "procedure_name", "unit_code", "received_at", "channel",
    "full_online", "due_at", "resolved_at", "status", "fee", "paid_online",
]  # fmt: skip


def dossier(sid: str, unit_code: str, received: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_id": sid, "procedure_code": "1.001612", "procedure_name": "Đăng ký khai sinh",
        "unit_code": unit_code, "received_at": received, "channel": "online",
        "full_online": "có", "due_at": "", "resolved_at": "", "status": "received",
        "fee": "0", "paid_online": "không",
    }  # fmt: skip
    row.update(kw)
    return row


def document(sid: str, unit_code: str, date: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_id": sid, "unit_code": unit_code, "number": f"{sid}/UBND-VP", "date": date,
        "direction": "out", "signed": "có", "processed_online": "có",
    }  # fmt: skip
    row.update(kw)
    return row


def payment(sid: str, dossier_id: str, paid_at: str, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"source_id": sid, "dossier_id": dossier_id, "amount": "8000",
                           "method": "online", "paid_at": paid_at}  # fmt: skip
    row.update(kw)
    return row


def csv_bytes(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> bytes:
    items = list(rows)
    fields = header or list(items[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(item)
    return out.getvalue().encode()


def as_rows(items: Iterable[Mapping[str, Any]]) -> Rows:
    return read_csv_bytes(csv_bytes(items))


def make_source(province: Unit, code: str = "") -> Source:
    return actions.do_create_source(
        province=province, code=code or f"nguon-{next(_seq)}", name="Hệ thống một cửa thử",
        actor=None,
    )[0]  # fmt: skip


def load(
    source: Source, kind: str, items: Iterable[Mapping[str, Any]], **kw: Any
) -> actions.ImportReport:
    data = list(items)
    return actions.do_import_records(
        source=source, kind=kind, rows=rows_from_objects(data),
        sha256=actions.file_sha256(repr(data).encode()), actor=None, **kw,
    )  # fmt: skip


# --- sample makers ---------------------------------------------------------------------------


def _province(unit: Unit) -> Unit:
    return unit.province if unit.province is not None else unit


def _source(unit: Unit) -> Source:
    return Source.objects.create(province=_province(unit), code=f"mau-{next(_seq)}", name="Mẫu")


def _batch(unit: Unit) -> ImportBatch:
    now = timezone.now()
    return ImportBatch.objects.create(
        source=_source(unit), province=_province(unit), kind="dossier", origin="file",
        sha256="0" * 64, state=BatchState.DONE, extracted_at=now, started_at=now,
        finished_at=now, actor_label="system",
    )  # fmt: skip


def _common(unit: Unit) -> dict[str, Any]:
    batch = _batch(unit)
    return {"source": batch.source, "batch": batch, "unit": unit, "province": _province(unit),
            "unit_code": unit.code, "day": dt.date(2025, 3, 1), "month": 202503, "digest": 0,
            "source_sid": f"M{next(_seq)}"}  # fmt: skip


def _dossier(unit: Unit) -> Dossier:
    return Dossier.objects.create(
        **_common(unit), procedure_code="1.1", procedure_name="Mẫu", received_at=timezone.now(),
        channel="online", full_online=True, status="received",
    )  # fmt: skip


def _document(unit: Unit) -> Document:
    return Document.objects.create(
        **_common(unit), number="1/UBND", issued_on=dt.date(2025, 3, 1), direction="out",
        signed=True, processed_online=True,
    )  # fmt: skip


def _payment(unit: Unit) -> Payment:
    return Payment.objects.create(
        **_common(unit), dossier_sid="M", amount=1000, method="online", paid_at=timezone.now()
    )


def _tally(model: type[models.Model], **counters: int) -> Callable[[Unit], models.Model]:
    def make(unit: Unit) -> models.Model:
        return model._default_manager.create(
            unit=unit, province=_province(unit), month=202503, records=1,
            computed_at=timezone.now(), **counters,
        )  # fmt: skip

    return make


def _trust_root(unit: Unit) -> TrustRoot:
    return TrustRoot.objects.create(
        province=_province(unit), name="Gốc mẫu", der=b"x", subject="CN=Mẫu",
        fingerprint=f"{next(_seq):064d}", not_after=timezone.now(),
    )  # fmt: skip


def _check(unit: Unit) -> SignatureCheck:
    evidence = ASSESSMENT_SAMPLES["assessments.evidence"](unit)
    return SignatureCheck.objects.create(
        evidence=evidence, unit=unit, province=_province(unit), sha256="0" * 64,
        verdict=Verdict.UNSIGNED, message="mẫu", trust_fingerprint="0" * 64,
        checked_at=timezone.now(),
    )  # fmt: skip


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "connectors.source": _source,
    "connectors.importbatch": _batch,
    "connectors.dossier": _dossier,
    "connectors.document": _document,
    "connectors.payment": _payment,
    "connectors.dossiertally": _tally(
        DossierTally,
        online=1,
        full_online=1,
        resolved=0,
        due_resolved=0,
        on_time=0,
        with_fee=0,
        paid_online=0,
    ),
    "connectors.documenttally": _tally(
        DocumentTally, outgoing=1, out_signed=1, out_signed_online=1, processed_online=1
    ),
    "connectors.paymenttally": _tally(PaymentTally, online=1, amount=1000, amount_online=1000),
    "connectors.trustroot": _trust_root,
    "connectors.signaturecheck": _check,
}
