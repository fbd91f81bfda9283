from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "xaso.citizens"
    label = "citizens"
    verbose_name = "Kênh người dân"

    def ready(self) -> None:
        from xaso.citizens import models as m
        from xaso.core.scoping import (
            ALL_ACTIONS,
            PUBLIC,
            READ_ACTIONS,
            SUPERUSER,
            register_family,
            register_scoped_model,
        )

        officer = READ_ACTIONS | {"edit"}
        # Cases hold residents' words and names: the commune's officers handle them, the
        # province's administrators oversee, leaders read (on-time rates, overdue lists).
        register_family(
            "citizens_cases",
            {
                "province_admin": ALL_ACTIONS,
                "commune_officer": officer,
                "leader": READ_ACTIONS,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        # Phone books and what was sent to whom: only those who send.
        register_family(
            "citizens_contacts",
            {
                "province_admin": ALL_ACTIONS,
                "commune_officer": officer,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        # Gateways and API keys carry secrets; routing and lexicons are the commune's own.
        register_family(
            "citizens_config",
            {
                "province_admin": ALL_ACTIONS,
                "commune_officer": officer,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        # What every resident needs to file a report: categories, villages, loudspeakers.
        register_family(
            "citizens_public",
            {
                PUBLIC: frozenset({"list", "view"}),
                "province_admin": ALL_ACTIONS,
                "commune_officer": officer,
                SUPERUSER: ALL_ACTIONS,
            },
        )
        for model, path, family in (
            (m.Case, "unit", "citizens_cases"),
            (m.CaseEvent, "case__unit", "citizens_cases"),
            (m.Attachment, "case__unit", "citizens_cases"),
            (m.Announcement, "unit", "citizens_cases"),
            (m.AudioClip, "announcement__unit", "citizens_cases"),
            (m.Contact, "unit", "citizens_contacts"),
            (m.OutboxMessage, "unit", "citizens_contacts"),
            (m.InboundMessage, "unit", "citizens_config"),
            (m.Route, "unit", "citizens_config"),
            (m.CommuneSettings, "unit", "citizens_config"),
            (m.ApiKey, "unit", "citizens_config"),
            (m.Gateway, "unit", "citizens_config"),
            (m.ClassifierModel, "unit", "citizens_config"),
            (m.AnnouncementTemplate, "unit", "citizens_config"),
            (m.Lexicon, "unit", "citizens_config"),
            (m.Category, "unit", "citizens_public"),
            (m.Village, "unit", "citizens_public"),
            (m.SpeakerCluster, "unit", "citizens_public"),
        ):
            register_scoped_model(model, unit_field=path, family=family)

        from xaso.citizens.tasks import retrain_all_classifiers, send_reminders
        from xaso.core.schedule import register_periodic

        register_periodic(send_reminders, every="hourly")
        register_periodic(retrain_all_classifiers, every="daily")

        from xaso.citizens import personal

        personal.register()
