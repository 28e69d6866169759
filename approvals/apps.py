from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("限时办结")

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_clock_model

        from . import events, services
        from .models import Application, RatingFollowUp, ReviewStep

        register_event_kinds(events.KINDS)
        # Steps first: a late step gets its own card before its application is swept.
        register_clock_model(ReviewStep, on_breach=services.step_on_breach)
        register_clock_model(Application, on_breach=services.application_on_breach)
        register_clock_model(RatingFollowUp)

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("guide", _("办事指南（服务事项目录）"), reverse_lazy("approvals:public_catalog"), "service")
        register_public_link("lookup", _("办件进度查询"), reverse_lazy("approvals:public_lookup"), "service")
