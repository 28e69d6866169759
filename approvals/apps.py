from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("限时办结")

    def ready(self):
        from efficiency.registry import register_clock_model

        from . import services
        from .models import Application, RatingFollowUp, ReviewStep

        # Steps first: a late step gets its own card before its application is swept.
        register_clock_model(ReviewStep, on_breach=services.step_on_breach)
        register_clock_model(Application, on_breach=services.application_on_breach)
        register_clock_model(RatingFollowUp)
