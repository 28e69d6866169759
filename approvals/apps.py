from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("限时办结")

    def ready(self):
        from efficiency.exports import register_ledger

        from . import views as ledger_views

        for name, build in ledger_views.LEDGERS.items():  # exported through efficiency.exports
            register_ledger(name, build)
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model

        from . import documents, events, services
        from .models import Application, RatingFollowUp, ReviewStep

        register_event_kinds(events.KINDS)
        # Steps first: a late step gets its own card before its application is swept.
        register_clock_model(ReviewStep, on_breach=services.step_on_breach)
        register_clock_model(Application, on_breach=services.application_on_breach)
        register_clock_model(RatingFollowUp)
        documents.register()
        from . import gaming

        gaming.register()
        self.register_todos()

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("guide", _("办事指南（服务事项目录）"), reverse_lazy("approvals:public_catalog"), "service")
        register_public_link("lookup", _("办件进度查询"), reverse_lazy("approvals:public_lookup"), "service")

    def register_todos(self):
        from django.db.models import Q

        from efficiency.models import Role
        from efficiency.registry import Todo, register_todos

        from . import queries
        from .models import Status

        unit, watch = (Role.CLERK, Role.HEAD), (Role.OFFICE, Role.LEADER)
        # A 政务服务中心's window (综合窗口) takes in and completes materials; deciding and the
        # deadlines are the departments' (its lines: today's intake, awaiting the notice or
        # the missing materials — over what it took in, the only applications it sees).
        dept, centre = queries.is_not_centre, queries.is_centre
        register_todos(
            "approvals.applications", title=_("办件"), url="approvals:list", order=20,
            items=queries.applications_visible, where=queries.application_where, todos=[
                Todo("intake", _("今日窗口受理"), unit, (("intake", "today"),), when=centre),
                Todo("receive", _("待受理"), unit, (("status", Status.RECEIVED),)),
                Todo("materials", _("待补齐材料"), unit, (("status", Status.NOTICE_ISSUED),), when=centre),
                Todo("work", _("待办理"), unit, (("status", Status.ACCEPTED),), when=dept),
                Todo("soon", _("即将到期（3 天内）"), unit + watch, (("window", "3"),), when=dept),
                Todo("overdue", _("已超期"), unit + watch, (("window", "overdue"),), when=dept),
                Todo("red", _("红牌及以上"), watch, (("rung", "3"),), alert=True),
                Todo("notice", _("督办单及以上"), watch, (("rung", "4"),), alert=True),
            ])
        # AB岗 (R49): the backup's line for the absent holders' open applications.
        register_todos(
            "approvals.acting", title=_("替岗办件（AB岗）"), url="approvals:list", order=23,
            items=queries.applications_acting, where=lambda f, now: Q(), todos=[
                Todo("acting", _("替岗待办"), unit, (("acting", "1"),))])
        # The window page's own lists (all of each, as the page shows them).
        register_todos(
            "approvals.steps", title=_("联审环节"), url="approvals:index", order=21,
            items=queries.steps_for_unit, where=lambda f, now: Q(), todos=[
                Todo("review", _("待本单位审核"), unit, (), anchor="steps")])
        register_todos(
            "approvals.followups", title=_("差评"), url="approvals:index", order=22,
            items=queries.followups_open, where=lambda f, now: Q(), todos=[
                Todo("followup", _("待回访与整改"), (Role.HEAD, Role.OFFICE), (), anchor="followups")])
