from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "xaso.programs"
    label = "programs"
    verbose_name = "Chương trình thí điểm"

    def ready(self) -> None:
        from xaso.core.scoping import (
            ALL_ACTIONS,
            OWNER,
            READ_ACTIONS,
            SUPERUSER,
            register_family,
            register_scoped_model,
        )
        from xaso.programs import measured, models

        # Programme-wide records belong to the province: its department runs them,
        # leaders and verifiers follow them. Communes and sponsors reach a programme
        # through their own participation, never through these rows.
        register_family(
            models.PROGRAMME_FAMILY,
            {
                "province_admin": ALL_ACTIONS,
                "verifier": READ_ACTIONS,
                "leader": READ_ACTIONS,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        # A commune's plan: the commune and the department edit it; sponsors read it,
        # and the actions let them update the tasks their organisation leads, no more.
        register_family(
            models.PILOT_FAMILY,
            {
                "province_admin": ALL_ACTIONS,
                "verifier": READ_ACTIONS,
                "commune_officer": READ_ACTIONS | {"edit"},
                "sponsor": READ_ACTIONS,
                "leader": READ_ACTIONS,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        register_family(
            models.TEAM_FAMILY,
            {
                "province_admin": ALL_ACTIONS,
                "verifier": READ_ACTIONS,
                "commune_officer": READ_ACTIONS | {"edit"},
                "sponsor": READ_ACTIONS,
                "leader": READ_ACTIONS,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        # A notification is its recipient's alone.
        register_family(
            models.NOTIFICATION_FAMILY,
            {OWNER: frozenset({"list", "view", "edit"}), SUPERUSER: ALL_ACTIONS},
        )
        for model in (
            models.Programme,
            models.SponsorOrganisation,
            models.Milestone,
            models.StatusReport,
        ):
            register_scoped_model(model, unit_field="province", family=models.PROGRAMME_FAMILY)
        for model in (
            models.Participant,
            models.SponsorAssignment,
            models.Task,
            models.BudgetLine,
            models.TaskUpdate,
            models.Kpi,
            models.Measurement,
            models.ReadinessDeclaration,
        ):
            register_scoped_model(model, unit_field="unit", family=models.PILOT_FAMILY)
        for model in (
            models.Village,
            models.CommunityTeam,
            models.TeamMember,
            models.TeamActivity,
        ):
            register_scoped_model(model, unit_field="unit", family=models.TEAM_FAMILY)
        register_scoped_model(
            models.Notification,
            unit_field="unit",
            family=models.NOTIFICATION_FAMILY,
            owner_field="recipient",
        )
        measured.register_builtin_sources()

        from xaso.core.schedule import register_periodic
        from xaso.programs.tasks import refresh_measured_kpis, send_reminders

        register_periodic(send_reminders, every="daily")
        register_periodic(refresh_measured_kpis, every="daily")

        from xaso.programs import personal

        personal.register()
