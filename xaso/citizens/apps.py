from django.apps import AppConfig


class CitizensConfig(AppConfig):
    name = "xaso.citizens"
    label = "citizens"
    verbose_name = "Kênh người dân"
