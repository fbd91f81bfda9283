from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "xaso.assessments"
    label = "assessments"
    verbose_name = "Đánh giá chuyển đổi số"
