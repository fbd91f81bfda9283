from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "xaso.assessments"
    label = "assessments"
    verbose_name = "Đánh giá chuyển đổi số"

    def ready(self) -> None:
        from xaso.assessments import models
        from xaso.assessments.policy import PERIODS, RECORDS, RESULTS, register_families
        from xaso.core.scoping import register_scoped_model

        register_families()
        register_scoped_model(models.FrameworkVersion, unit_field="province", family=PERIODS)
        register_scoped_model(models.Period, unit_field="province", family=PERIODS)
        for model in (
            models.Submission,
            models.Evidence,
            models.LockException,
            models.Appeal,
            models.ImportJob,
            models.Reminder,
        ):
            register_scoped_model(model, unit_field="unit", family=RECORDS)
        register_scoped_model(models.Snapshot, unit_field="province", family=RESULTS)
        register_scoped_model(models.SnapshotUnit, unit_field="unit", family=RESULTS)

        from xaso.assessments.tasks import remind_open_periods
        from xaso.core.schedule import register_periodic

        register_periodic(remind_open_periods, every="daily")
