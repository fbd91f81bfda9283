"""What this app plugs into the apps below it: its scoping families and models, the
measured source assessments shows beside self-reported values, the programme KPI
sources (one per measured indicator, year to date), and the signature check of every PDF
uploaded as evidence, with its verdict shown beside the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xaso.core.scoping import ALL_ACTIONS, READ_ACTIONS, SUPERUSER, register_family

FAMILY_POLICIES: dict[str, dict[str, frozenset[str]]] = {}


def register_families_and_models() -> None:
    from xaso.connectors import models
    from xaso.core.scoping import register_scoped_model

    read_only = frozenset(READ_ACTIONS)
    policies = {
        # Records and tallies are written only by imports; officials read their units'.
        models.RECORDS_FAMILY: {
            "province_admin": ALL_ACTIONS, "verifier": read_only, "commune_officer": read_only,
            "sponsor": read_only, "leader": read_only, SUPERUSER: ALL_ACTIONS,
        },
        # Sources, the import log and the trust store belong to the province's administrators.
        models.ADMIN_FAMILY: {
            "province_admin": ALL_ACTIONS, "verifier": frozenset({"list", "view"}),
            "leader": frozenset({"list", "view"}), SUPERUSER: ALL_ACTIONS,
        },
        # Whoever uploads or verifies evidence may (re)check its signatures.
        models.SIGNATURES_FAMILY: {
            "province_admin": ALL_ACTIONS, "verifier": read_only | {"edit"},
            "commune_officer": read_only | {"edit"}, "sponsor": read_only,
            "leader": read_only, SUPERUSER: ALL_ACTIONS,
        },
    }  # fmt: skip
    for name, policy in policies.items():
        register_family(name, policy)
        FAMILY_POLICIES[name] = policy
    for model in (
        models.Dossier,
        models.Document,
        models.Payment,
        models.DossierTally,
        models.DocumentTally,
        models.PaymentTally,
    ):
        register_scoped_model(model, unit_field="unit", family=models.RECORDS_FAMILY)
    for model in (models.Source, models.ImportBatch, models.TrustRoot):
        register_scoped_model(model, unit_field="province", family=models.ADMIN_FAMILY)
    register_scoped_model(models.SignatureCheck, unit_field="unit", family=models.SIGNATURES_FAMILY)


def register_measured_sources() -> None:
    from xaso.assessments.measured import register_measured_source
    from xaso.connectors import measures, queries
    from xaso.programs.measured import MeasuredValue, SourceFn, register_kpi_source
    from xaso.units.models import Unit

    register_measured_source(queries.MEASURED_SOURCE, queries.measured_cells)

    def year_to_date(key: str) -> SourceFn:
        def measure(unit: Unit, on: dt.date) -> MeasuredValue | None:
            result = queries.measured(key, unit, dt.date(on.year, 1, 1), on, with_sources=False)
            if result.percent is None:
                return None
            return MeasuredValue(result.percent, on, queries.MEASURED_SOURCE)

        return measure

    for key, m in measures.MEASURES.items():
        label = f"{m.name_vi} (từ đầu năm)"
        register_kpi_source(f"connectors.{key}", year_to_date(key), label=label, measure_unit="%")

    def signed(unit: Unit, on: dt.date) -> MeasuredValue:
        count = queries.signed_evidence_count(unit, dt.date(on.year, 1, 1), on)
        return MeasuredValue(float(count), on, "Kiểm tra chữ ký số minh chứng (xaso)")

    register_kpi_source(f"connectors.{measures.SIGNED_EVIDENCE}", signed,
                        label=f"{measures.SIGNED_EVIDENCE_NAME} (từ đầu năm)",
                        measure_unit="tài liệu")  # fmt: skip


def register_evidence_signature_checks() -> None:
    from django.urls import reverse

    from xaso.assessments.evidence_hooks import (
        Badge,
        register_evidence_badges,
        register_evidence_listener,
    )
    from xaso.connectors import tasks
    from xaso.connectors.models import SignatureCheck, Verdict
    from xaso.core.schedule import register_periodic

    def queue_check(evidence_id: int) -> None:
        tasks.check_evidence_signature.enqueue(evidence_id)

    tones = {Verdict.VALID: "ok", Verdict.UNSIGNED: ""}

    def verdicts(evidence_ids: Sequence[int]) -> dict[int, list[Badge]]:
        checks = SignatureCheck.objects.filter(evidence_id__in=evidence_ids).only(
            "pk", "evidence_id", "verdict"
        )
        return {
            c.evidence_id: [
                Badge(
                    c.get_verdict_display(),
                    tones.get(Verdict(c.verdict), "warn"),
                    reverse("connectors:signature", args=[c.pk]),
                )
            ]
            for c in checks
        }

    register_evidence_listener("connectors.signatures", queue_check)
    register_evidence_badges("connectors.signatures", verdicts)
    register_periodic(tasks.check_unchecked_signatures, every="hourly")
