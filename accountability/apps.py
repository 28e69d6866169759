from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "accountability"
    verbose_name = _("效能投诉与问责")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .handlers import register

        register()
