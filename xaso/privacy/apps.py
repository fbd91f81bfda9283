from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data-subject requests (export, erasure) and retention over the register of personal
    data that every app fills in ``xaso.core.personal_data``."""

    name = "xaso.privacy"
    label = "privacy"
    verbose_name = "Bảo vệ dữ liệu cá nhân"

    def ready(self) -> None:
        from xaso.core.schedule import register_periodic
        from xaso.core.scoping import ALL_ACTIONS, SUPERUSER, register_family
        from xaso.privacy import declarations
        from xaso.privacy.queries import FAMILY
        from xaso.privacy.tasks import sweep_retention

        declarations.register()
        # Requests about one person's data across the province: its administrators only
        # (there is no separate data-protection officer role yet).
        register_family(FAMILY, {"province_admin": ALL_ACTIONS, SUPERUSER: ALL_ACTIONS})
        register_periodic(sweep_retention, every="daily")
