from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("重点任务与交办督办")

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model
        from efficiency.schedule import EVERY_WORKDAY_0900, register_schedule

        from . import events, models

        register_event_kinds(events.KINDS)
        # An item crossing 问责建议 is proposed for accountability by the sweep itself.
        for model in (models.KeyTask, models.TaskNode, models.ProgressDue, models.Assignment, models.AssignmentTarget):
            register_clock_model(model)
        # R15: warn the lagging, once a working day at 09:00 (the task skips holidays itself).
        register_schedule("supervision lagging warnings", "supervision.warn_lagging", EVERY_WORKDAY_0900)
