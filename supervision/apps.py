from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("重点任务与交办督办")

    def ready(self):
        from efficiency.exports import register_ledger

        from . import views as ledger_views

        for name, build in ledger_views.LEDGERS.items():  # exported through efficiency.exports
            register_ledger(name, build)
        from efficiency.event_kinds import register_event_kinds
        from efficiency.models import Role
        from efficiency.registry import Todo, register_clock_model, register_todos
        from efficiency.schedule import EVERY_WORKDAY_0900, register_schedule

        from . import documents, events, models, queries

        UNIT, WATCH = (Role.CLERK, Role.HEAD), (Role.OFFICE, Role.LEADER)
        STAFF = UNIT + WATCH

        register_event_kinds(events.KINDS)
        # An item crossing 问责建议 is proposed for accountability by the sweep itself.
        for model in (models.KeyTask, models.TaskNode, models.ProgressDue, models.Assignment, models.AssignmentTarget):
            register_clock_model(model)
        documents.register()
        register_todos(
            "supervision.targets", title=_("交办件"), url="supervision:work", order=10,
            items=queries.targets_visible, where=queries.target_where, todos=[
                Todo("sign", _("待签收"), UNIT, (("status", "assigned"),)),
                Todo("work", _("待办理"), UNIT, (("status", "working"),)),
                Todo("review", _("待审核反馈"), (Role.OFFICE,), (("status", "fed_back"),)),
                Todo("soon", _("即将到期（3 天内）"), STAFF, (("window", "3"),)),
                Todo("overdue", _("已超期"), STAFF, (("window", "overdue"),)),
                Todo("red", _("红牌及以上"), WATCH, (("rung", "3"),), alert=True),
                Todo("notice", _("督办单及以上"), WATCH, (("rung", "4"),), alert=True),
            ])
        # R15: warn the lagging, once a working day at 09:00 (the task skips holidays itself).
        register_schedule("supervision lagging warnings", "supervision.warn_lagging", EVERY_WORKDAY_0900)
