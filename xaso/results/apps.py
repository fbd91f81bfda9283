from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "xaso.results"
    label = "results"
    verbose_name = "Kết quả và xếp hạng"
