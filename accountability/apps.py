from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "accountability"
    verbose_name = _("效能投诉与问责")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .handlers import register

        register()

        # The public portal lists this part's public pages (R38).
        from django.urls import reverse_lazy

        from efficiency.portal import register_public_link

        register_public_link("complaint", _("效能投诉"), reverse_lazy("accountability:public_form"), "complaint")
        register_public_link("complaint_track", _("投诉办理进度查询"), reverse_lazy("accountability:public_track"), "complaint")
        register_public_link("bulletins", _("效能通报"), reverse_lazy("accountability:public_bulletins"), "open")
