from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    """Records the seeds ask for that no other part keeps: the 24-hour duty roster and its
    spot-check calls (R45), leaders' reception days (R50), contact points and their monthly
    visits (R52), the ledger of public opinions (R63), and the post-responsibility register of each
unit's internal bodies and posts (岗位责任制, R67)."""

    name = "duty"
    verbose_name = _("值班与联系服务")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.registry import register_unit_link
        from efficiency.schedule import EVERY_WORKDAY_0900, register_schedule

        from . import events, tasks  # noqa: F401 - tasks registers the Celery task

        register_event_kinds(events.KINDS)
        # R52: every working day at 09:00, the contact points not visited this month by the cutoff.
        register_schedule("duty contact points lagging", "duty.contact_points_warn", EVERY_WORKDAY_0900)
        # R67: the unit page links the unit's 岗位责任制.
        register_unit_link("duty.posts", title=_("岗位责任制"), url_name="duty:posts")
