from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_schedule(sender, **kwargs):
    from .schedule import sync_beat_schedule

    sync_beat_schedule()


class EfficiencyConfig(AppConfig):
    name = "efficiency"
    verbose_name = _("效能督查平台")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, signals  # noqa: F401 - system checks; login/logout/lockout audit
        from . import tasks  # noqa: F401 - registers the tasks `events.request_fan_out` asks for by name
        from . import gaming, gaming_detectors
        from .exports import register_ledger
        from .gaming_views import gaming_ledger
        from .registry import register_local_defaults
        from .schedule import register_schedule
        from .views import inbox_ledger

        register_ledger("efficiency.inbox", inbox_ledger)
        # Gaming detection (issue 18): the core's detectors, the office's ledger, the nightly run
        # and the thresholds on the rules page (本地默认).
        gaming_detectors.register()
        register_ledger("efficiency.gaming", gaming_ledger)
        register_schedule("gaming detection", "efficiency.gaming_detect", {"minute": "30", "hour": "2"})
        register_local_defaults("efficiency.gaming", gaming.local_defaults)

        post_migrate.connect(_sync_schedule, sender=self)
