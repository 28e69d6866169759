from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("重点任务与交办督办")

    def ready(self):
        from efficiency.registry import register_clock_model, register_formatter
        from efficiency.schedule import EVERY_WORKDAY_0900, register_schedule

        from . import models, services

        for model in (models.KeyTask, models.TaskNode, models.ProgressDue, models.Assignment):
            register_clock_model(model)
        for model in (models.AssignmentTarget, models.KeyTask):
            register_clock_model(model, on_breach=services.on_breach)
        register_formatter("assignment.*", services.notice_format)
        register_formatter("keytask.*", services.notice_format)
        # R15: warn the lagging, once a working day at 09:00 (the task skips holidays itself).
        register_schedule("supervision lagging warnings", "supervision.warn_lagging", EVERY_WORKDAY_0900)
