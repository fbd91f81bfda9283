from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "xaso.programs"
    label = "programs"
    verbose_name = "Chương trình thí điểm"
