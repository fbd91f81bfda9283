from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "xaso.units"
    label = "units"
    verbose_name = "Đơn vị hành chính"

    def ready(self) -> None:
        from xaso.units import personal

        personal.register()
