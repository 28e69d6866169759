from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "inspection"
    verbose_name = _("督查检查与整改")

    def ready(self):
        from efficiency.exports import register_ledger

        from . import views as ledger_views

        for name, build in ledger_views.LEDGERS.items():  # exported through efficiency.exports
            register_ledger(name, build)
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model

        from .events import KINDS
        from .models import Rectification

        register_event_kinds(KINDS)
        # R13: rectification deadlines run on the shared clock and sweep.
        register_clock_model(Rectification)
        from . import documents

        documents.register()
        self.register_todos()

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("inspections", _("监督检查结果公开"), reverse_lazy("inspection:public"), "open")

    def register_todos(self):
        from efficiency.models import Role
        from efficiency.registry import Todo, register_todos

        from . import queries
        from .models import Rectification

        unit, watch = (Role.CLERK, Role.HEAD), (Role.OFFICE, Role.LEADER)
        register_todos(
            "inspection.rectifications", title=_("整改"), url="inspection:rectification_list", order=40,
            items=queries.rectification_list, where=queries.rectification_where, todos=[
                Todo("work", _("待整改"), unit, (("status", Rectification.Status.OPEN),)),
                Todo("review", _("待验收"), (Role.OFFICE,), (("status", Rectification.Status.REPORTED),)),
                Todo("soon", _("即将到期（3 天内）"), unit + watch, (("window", "3"),)),
                Todo("overdue", _("已超期"), unit + watch, (("window", "overdue"),)),
                Todo("red", _("红牌及以上"), watch, (("rung", "3"),), alert=True),
                Todo("notice", _("督办单及以上"), watch, (("rung", "4"),), alert=True),
            ])
