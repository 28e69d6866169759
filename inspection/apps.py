from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    name = "inspection"
    verbose_name = _("督查检查与整改")

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model

        from .events import KINDS
        from .models import Rectification

        register_event_kinds(KINDS)
        # R13: rectification deadlines run on the shared clock and sweep.
        register_clock_model(Rectification)

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("inspections", _("监督检查结果公开"), reverse_lazy("inspection:public"), "open")
