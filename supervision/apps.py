from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("重点任务与交办督办")

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model
        from efficiency.schedule import EVERY_WORKDAY_0900, register_schedule

        from . import events, models, services

        register_event_kinds(events.KINDS)
        for model in (models.KeyTask, models.TaskNode, models.ProgressDue, models.Assignment):
            register_clock_model(model)
        for model in (models.AssignmentTarget, models.KeyTask):
            register_clock_model(model, on_breach=services.on_breach)
        # R15: warn the lagging, once a working day at 09:00 (the task skips holidays itself).
        register_schedule("supervision lagging warnings", "supervision.warn_lagging", EVERY_WORKDAY_0900)
