from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The composition layer: commands that wire every app together (demo, serve)."""

    name = "xaso.demo"
    label = "demo"
    verbose_name = "Dữ liệu minh hoạ"
