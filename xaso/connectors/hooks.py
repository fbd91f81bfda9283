"""What this app plugs into the apps below it: its scoping families and models, the
measured source assessments shows beside self-reported values, and the programme KPI
sources (one per measured indicator, year to date)."""

from __future__ import annotations

import datetime as dt

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
