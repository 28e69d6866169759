from django.apps import AppConfig
from django.urls import reverse_lazy
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
        from efficiency.portal import register_public_link
        from efficiency.schedule import DAILY_0300, EVERY_WORKDAY_0900, register_schedule

        from . import documents, events, models, queries

        UNIT, WATCH = (Role.CLERK, Role.HEAD), (Role.OFFICE, Role.LEADER)
        STAFF = UNIT + WATCH

        register_event_kinds(events.KINDS)
        # An item crossing 问责建议 is proposed for accountability by the sweep itself.
        for model in (models.KeyTask, models.TaskNode, models.ProgressDue, models.Assignment, models.AssignmentTarget,
                      models.ExecutionReport, models.ProjectProcedure, models.ProblemMilestone):
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
        # R55: the lead drafting departments' year-end reports; the office sees the missing ones.
        register_todos(
            "supervision.execution_reports", title=_("年度政策执行情况报告"), url="supervision:policies", order=11,
            items=queries.execution_reports_visible, where=queries.execution_report_where, todos=[
                Todo("report", _("待报送"), (Role.HEAD,), (("status", "missing"),)),
                Todo("overdue", _("逾期未报送"), WATCH, (("status", "overdue"),), alert=True),
            ])
        register_schedule("supervision execution reports", "supervision.execution_reports_open", DAILY_0300)
        # R59: the progress of key work, published (secret and sensitive tasks left out).
        register_public_link("keywork", _("重点工作进展"), reverse_lazy("supervision:public_progress"), "open")
        # R51: a project's procedures on the home page of its team (members' units, leader); R62: a
        # hard problem's schedule on its responsible units'.
        register_todos(
            "supervision.procedures", title=_("重点项目代办事项"), url="supervision:projects", order=12,
            items=queries.procedures_visible, where=queries.procedure_where, todos=[
                Todo("open", _("代办中"), STAFF, (("status", "open"),)),
                Todo("overdue", _("已超期"), STAFF, (("window", "overdue"),)),
            ])
        register_todos(
            "supervision.milestones", title=_("县区难题进度事项"), url="supervision:problems", order=13,
            items=queries.milestones_visible, where=queries.milestone_where, todos=[
                Todo("open", _("推进中"), STAFF, (("status", "open"),)),
                Todo("overdue", _("已超期"), STAFF, (("window", "overdue"),)),
            ])
        # R15: warn the lagging, once a working day at 09:00 (the task skips holidays itself).
        register_schedule("supervision lagging warnings", "supervision.warn_lagging", EVERY_WORKDAY_0900)
