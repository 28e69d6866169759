from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Every five minutes: today's figures on the cockpit are at most five minutes old.
EVERY_5_MINUTES = {"minute": "*/5", "hour": "*"}


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("领导驾驶舱与绩效考评")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from efficiency.event_kinds import register_event_kinds
        from efficiency.portal import register_rankings, register_unit_figures
        from efficiency.registry import register_local_defaults, subscribe
        from efficiency.schedule import register_schedule

        from django.db.models.signals import post_delete, post_save

        from . import annual, events, queries, rollups, scoring, tasks  # noqa: F401 - tasks registers the Celery task
        from .models import ScoreWeight

        # The per-process copy of the weights (scoring.weights) is read again after a change here.
        post_save.connect(scoring.weights_changed, sender=ScoreWeight, dispatch_uid="dashboards.weights.save")
        post_delete.connect(scoring.weights_changed, sender=ScoreWeight, dispatch_uid="dashboards.weights.delete")

        register_event_kinds(events.KINDS)
        register_schedule("dashboards rollup", "dashboards.rollup_recent", EVERY_5_MINUTES)
        for kind in rollups.COUNTED_KINDS:
            subscribe(kind, rollups.counter_bump, batch=True, sql=rollups.counter_bump_sql)
        # R38: the portal shows each unit's on-time rate and satisfaction from our rollups.
        register_unit_figures(queries.public_unit_table)
        # R68: the published rankings are public.
        register_rankings(queries.published_rankings)
        # R47, R48: the annual assessment's weights, deductions and grade lines (本地默认).
        register_local_defaults("dashboards.annual", annual.local_defaults)
