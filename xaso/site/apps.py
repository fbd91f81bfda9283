from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The composition layer: commands that wire every app together (demo, serve)."""

    name = "xaso.site"
    label = "site"
    verbose_name = "Trang và dữ liệu minh hoạ"
