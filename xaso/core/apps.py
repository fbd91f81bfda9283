from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import pre_migrate


def _migration_lock_timeout(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # A migration waiting behind a long transaction would queue every request behind it:
    # fail fast instead, and retry the deploy at a quieter moment.
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = %s", [settings.XASO_MIGRATION_LOCK_TIMEOUT])


class CoreConfig(AppConfig):
    name = "xaso.core"
    label = "core"
    verbose_name = "Nền tảng"

    def ready(self) -> None:
        pre_migrate.connect(_migration_lock_timeout, dispatch_uid="xaso-lock-timeout")
        from django_tasks_db.models import DBTaskResult

        from xaso.core.personal_data import register_audit_log, register_not_personal

        register_audit_log()
        register_not_personal(
            DBTaskResult, {"queue_name": "tên hàng đợi tác vụ", "backend_name": "tên bộ chạy"}
        )
