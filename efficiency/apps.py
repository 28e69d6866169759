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
        from .exports import register_ledger
        from .views import inbox_ledger

        register_ledger("efficiency.inbox", inbox_ledger)

        post_migrate.connect(_sync_schedule, sender=self)
