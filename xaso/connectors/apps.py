from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "xaso.connectors"
    label = "connectors"
    verbose_name = "Dữ liệu đo từ hệ thống của tỉnh"
