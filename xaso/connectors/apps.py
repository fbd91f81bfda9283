from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "xaso.connectors"
    label = "connectors"
    verbose_name = "Dữ liệu đo từ hệ thống của tỉnh"

    def ready(self) -> None:
        from xaso.connectors import hooks

        hooks.register_families_and_models()
        hooks.register_measured_sources()
        hooks.register_evidence_signature_checks()
