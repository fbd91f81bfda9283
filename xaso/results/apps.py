from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "xaso.results"
    label = "results"
    verbose_name = "Kết quả và xếp hạng"

    def ready(self) -> None:
        from xaso.core.scoping import (
            PUBLIC,
            READ_ACTIONS,
            SUPERUSER,
            register_family,
            register_scoped_model,
        )
        from xaso.results import models

        # Derived from published results only, so as public as they are; nobody edits
        # them (the analysis action writes them as the system).
        register_family(
            models.FAMILY,
            {PUBLIC: READ_ACTIONS, "province_admin": READ_ACTIONS, SUPERUSER: READ_ACTIONS},
        )
        register_scoped_model(models.Analysis, unit_field="province", family=models.FAMILY)
        register_scoped_model(models.UnitAnalysis, unit_field="unit", family=models.FAMILY)
