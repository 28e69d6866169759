from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "accountability"
    verbose_name = _("效能投诉与问责")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from efficiency.exports import register_ledger

        from . import views as ledger_views

        for name, build in ledger_views.LEDGERS.items():  # exported through efficiency.exports
            register_ledger(name, build)
        from . import documents
        from .handlers import register

        register()
        documents.register()
        from . import gaming

        gaming.register()
        self.register_todos()

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("complaint", _("效能投诉"), reverse_lazy("accountability:public_form"), "complaint")
        register_public_link("complaint_track", _("投诉办理进度查询"), reverse_lazy("accountability:public_track"), "complaint")
        register_public_link("bulletins", _("效能通报"), reverse_lazy("accountability:public_bulletins"), "open")

    def register_todos(self):
        from efficiency.models import Role
        from efficiency.registry import Todo, register_todos

        from . import queries
        from .models import AccountabilityCase, Complaint

        unit, watch, S = (Role.CLERK, Role.HEAD), (Role.OFFICE, Role.LEADER), Complaint.Status
        register_todos(
            "accountability.complaints", title=_("效能投诉"), url="accountability:complaint_list", order=30,
            items=queries.complaints_visible, where=queries.complaint_where, todos=[
                Todo("accept", _("待受理"), (Role.OFFICE,), (("status", S.RECEIVED),)),
                Todo("returned", _("单位退回"), (Role.OFFICE,), (("status", S.RETURNED),)),
                Todo("work", _("待办理"), unit, (("status", S.ASSIGNED),)),
                Todo("review", _("待审核答复"), (Role.OFFICE,), (("status", S.REPLIED),)),
                Todo("reexamine", _("复查中"), (Role.OFFICE,), (("status", S.REEXAMINING),)),
                Todo("soon", _("即将到期（3 天内）"), unit + watch, (("window", "3"),)),
                Todo("overdue", _("已超期"), unit + watch, (("window", "overdue"),)),
                Todo("red", _("红牌及以上"), watch, (("rung", "3"),), alert=True),
                Todo("notice", _("督办单及以上"), watch, (("rung", "4"),), alert=True),
            ])
        C = AccountabilityCase.Status
        register_todos(
            "accountability.cases", title=_("问责案件"), url="accountability:case_list", order=31,
            items=queries.cases_visible, where=queries.case_where, todos=[
                Todo("proposed", _("问责建议待立案"), (Role.OFFICE,), (("status", C.PROPOSED),)),
                Todo("submitted", _("待决定"), (Role.LEADER,), (("status", C.SUBMITTED),)),
                Todo("appealed", _("申诉待复核"), watch, (("status", C.APPEALED),)),
            ])
